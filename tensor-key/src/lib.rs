//! Float tensors as hash-map keys: canonical, layout-independent equality,
//! hashing, and stable SHA-256 content digests.
//!
//! `f32` has no `Eq` or `Hash`, so neither has `ndarray::Array2<f32>`. This crate
//! gives tensors, and the tuples, options, strings, vectors and structs around
//! them, a *canonical encoding* through the [`FrozenKey`] trait, and derives from
//! it everything a key needs: [`key_eq`](FrozenKey::key_eq),
//! [`key_hash`](FrozenKey::key_hash) for any [`Hasher`](std::hash::Hasher), and a
//! SHA-256 [`digest`](FrozenKey::digest).
//!
//! ```
//! use std::collections::HashMap;
//! use ndarray::{array, Array2};
//! use tensor_key::{FrozenKey, Key};
//!
//! let weights = array![[0.5f32, -0.0], [f32::NAN, 2.0]];
//! let mut seen: HashMap<Key<(Array2<f32>, u32)>, &str> = HashMap::new();
//! seen.insert(Key::new((weights.clone(), 1)), "layer 1");
//!
//! // The transpose of the transpose: same values, Fortran order in memory.
//! let same = weights.t().as_standard_layout().into_owned().reversed_axes();
//! assert!(same.t().is_standard_layout());
//! assert_eq!(seen[&Key::new((same, 1))], "layer 1");
//!
//! // A digest to name the tensor in a file name or a shared cache.
//! println!("{}", weights.view().digest());
//! ```
//!
//! # Which key type?
//!
//! * [`Key<T>`] wraps any key value, such as `Key<Array2<f32>>` or
//!   `Key<(Array2<f32>, u32, String)>`, and makes it `Hash + Eq`. It is the quick
//!   way to key a map; each lookup hashes the whole value, and takes borrowed
//!   data (views, `&str`, slices) through [`Key::lookup`].
//! * [`FrozenTensor<A, D>`] is an immutable, shared tensor that hashes once and
//!   caches the result, so re-hashing is O(1). Use it for big tensors that are
//!   looked up again and again. Maps keyed by it can be queried with a borrowed
//!   view of any layout through [`TensorQuery`], without copying.
//! * [`SmallTensor<A, N>`] stores a small tensor (up to `N` elements, rank up to
//!   4) inline, with no heap pointer: the key for maps of many small tensors,
//!   `Copy` when its elements are.
//! * `#[derive(FrozenKey)]` (feature `derive`, on by default) makes your own
//!   struct or enum a key with `Hash`, `Eq` and `digest()`, with attributes to skip
//!   fields or choose the float policy per field. See [`macro@FrozenKey`].
//!
//! # Looking up with borrowed data
//!
//! A map keyed by `Key<T>` owns its keys; a lookup should not have to.
//! [`Key::lookup`] takes what the caller holds, views for arrays, `&str` for
//! `String`, slices for `Vec`, and tuples and options of these, and gives the
//! borrowed key that `get`, `get_mut`, `contains_key`, `remove` (and
//! `HashSet::contains`) accept: same hash as the owned key, exact canonical
//! equality, no clone, no allocation.
//!
//! ```
//! use std::collections::HashMap;
//! use ndarray::{array, Array2};
//! use tensor_key::Key;
//!
//! let mut memo: HashMap<Key<(Array2<f32>, String)>, f32> = HashMap::new();
//! let x = array![[1.0f32, 2.0], [3.0, 4.0]];
//! memo.insert(Key::new((x.clone(), "sum".to_string())), 10.0);
//! assert_eq!(memo.get(Key::lookup(&(x.view(), "sum"))), Some(&10.0));
//! ```
//!
//! Every key type's borrowed form is its [`KeyBorrow::Ref`] ([`TensorKeyRef`]
//! for arrays); the queries each accepts are the implementors of [`Lookup`].
//! Derived types get a borrowed form with `#[frozen_key(borrowed)]`.
//!
//! # Canonical or bitwise floats
//!
//! IEEE equality is not an equivalence (`NaN != NaN`), so it cannot key a map:
//! a NaN-holding tensor would never find itself. By default floats are
//! **canonical**: every NaN equals every other NaN (any sign, payload, quiet or
//! signalling), `-0.0` equals `0.0`, and all other values compare by their bits.
//! That is what "the same number" means for nearly every cache or de-duplication.
//! When NaN payloads or the sign of zero carry meaning, wrap the value in
//! [`Bitwise`] (or use `#[frozen_key(float = "bitwise")]` on a field): every bit
//! pattern is then its own value. The policy is part of the key: the same floats
//! under the two policies have different digests. Complex numbers follow the
//! rules component-wise, and so do `f16`/`bf16` (feature `half`).
//!
//! # Layout independence
//!
//! A tensor's key is its element type, its shape and its elements in logical
//! row-major order. Strides never enter it: C order, Fortran order, transposed
//! views, stepped or reversed slices (`s![..;-2]`) and broadcast views with zero
//! strides are equal keys when their values are equal, with equal hashes under
//! *every* hasher (even ones like foldhash whose result depends on how input is
//! split across `write` calls: the encoder cuts pieces by value, never by
//! layout) and equal digests. Shape always counts (`[4]` differs from `[2, 2]`,
//! a 0-d array from a 1-element one), element type always counts (`1.0f32`
//! differs from the `u32` with the same bits), and the static dimension type does
//! not (`Array2` and `ArrayD` of the same shape agree). Hashing, comparing and
//! digesting a tensor allocates nothing, whatever its layout.
//!
//! # What a digest promises
//!
//! A [`KeyDigest`] is SHA-256 over a format tag, [`FORMAT_VERSION`] and the
//! canonical encoding, which `SPEC.md` in the repository describes completely (a
//! Python implementation written from it agrees on every golden vector). The same
//! value has the same digest in every run, process and machine, on every platform,
//! and in every release with the same format version. Any change to the encoding
//! bumps the version, and that is a breaking release. Digests are for naming
//! values (file names, shared caches, de-duplication across processes); the
//! in-process hash of a `FrozenTensor` is keyed per process and is not.
//!
//! # Choosing a hasher for maps
//!
//! * `std`'s default `RandomState` (SipHash-1-3) is a sound default, and the one
//!   to keep when keys may come from an adversary: `FrozenTensor` fingerprints
//!   are keyed per process, so chosen tensors cannot be made to collide.
//! * A fast hasher such as `foldhash` hashes big tensors several times faster
//!   (the canonical encoding keeps results layout-independent with any hasher);
//!   use it for trusted keys. `BENCHMARKS.md` has measurements.
//! * For maps of big tensors looked up repeatedly, `FrozenTensor` makes the
//!   choice matter little: the map hashes a cached 64-bit fingerprint.
//!
//! # What is not a key
//!
//! Types that could change behind a map's back are rejected at compile time, with
//! a message that says why: `&mut T`, `ArrayViewMut`, raw views and pointers,
//! `Cell`, `RefCell`, `UnsafeCell`, `Mutex`, `RwLock`, `OnceCell`, `OnceLock` and
//! atomics.
//!
//! ```compile_fail
//! use tensor_key::Key;
//! let cell = std::cell::Cell::new(1u32);
//! let _ = Key::new(cell); // error: `Cell<u32>` cannot be used as a tensor key
//! ```
//!
//! # Guarantees
//!
//! Each promise of this crate, and where in the repository it is checked:
//!
//! | promise | checked by |
//! |---|---|
//! | `a.key_eq(&b)` exactly when the encodings are equal; equal keys hash equally under every hasher and have equal digests; encodings are prefix-free | `tests/laws.rs` (property tests), `tests/collections.rs` (`set_laws`, `map_laws`, ...) |
//! | every NaN is one value, `-0.0 == 0.0`, `Bitwise` tells every bit pattern apart; shape and element type count, the static dimension type does not | `tests/semantics.rs` |
//! | layout independence: C, Fortran, permuted, reversed, stepped and broadcast views of equal values are equal keys with the same hasher writes, at every rank | `tests/layout.rs` (`every_path_writes_the_same_pieces_at_every_rank`, `one_changed_element_is_found_in_every_layout`, ...) |
//! | fast paths never change a byte or a write boundary | `tensor::fast_paths` unit tests, `tests/layout.rs` (recording hasher) |
//! | hashing, `key_eq`, `encode` and `digest` of tensors of rank 0 to 8, fixed or dynamic, in every layout, and view lookups, allocate nothing | `tests/no_alloc.rs` (`every_rank_and_layout_allocates_nothing`, `dynamic_rank_lookups_allocate_nothing`) |
//! | sets and maps are canonical whatever their element type's `Ord` | `tests/collections.rs` |
//! | standard-library value types (`Duration`, `NonZero*`, `Wrapping`, `Saturating`, `Reverse`, ranges, `Ordering`, `PhantomData`, IP and socket addresses) encode as `SPEC.md` 4.13 says; the transparent ones exactly like their value, also as packed elements; an exhausted `RangeInclusive` is not the fresh one | `tests/std_types.rs` |
//! | digests are stable: the golden vectors, and an independent implementation of `SPEC.md` that agrees with them and with random values | `tests/golden.rs`, `python/crosscheck.sh` (run in CI) |
//! | mutable and interior-mutable types are not keys, also as derived fields, through aliases, generics and `with` fields | `tests/not_keys.rs`, `tests/ui.rs` (compile-fail cases) |
//! | derived code compiles whatever the user's scope defines | `tests/derive_hygiene.rs`, `tests/ui/pass/hygiene.rs` |
//! | `FrozenTensor` hashes once, across threads, and never copies on `into_frozen` | `tests/frozen.rs` |
//! | nalgebra matrices of every shape and element type encode like the ndarray tensor, without panicking | `tensor-key/tests/features.rs` (`every_matrix_shape_encodes_like_ndarray`) |
//!
//! # Features
//!
//! * `derive` (default): `#[derive(FrozenKey)]`.
//! * `half`: `f16` and `bf16` elements.
//! * `serde`: `Serialize`/`Deserialize` for [`KeyDigest`] (hex text or 32 bytes)
//!   and [`FrozenTensor`] (lossless for every bit pattern; the format is
//!   documented in the `serde` module).
//! * `nalgebra`: nalgebra matrices, vectors and read-only views as keys, with the
//!   digests of ndarray tensors of the same shape.
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod digest;
mod encoder;
mod fingerprint;
mod format;
mod frozen;
mod frozen_key;
mod immutable;
mod impls;
// Internal, `#[doc(hidden)]` in the element hooks: no `Debug` needed.
#[allow(missing_debug_implementations)]
mod kernels;
mod key;
mod lookup;
#[cfg(feature = "nalgebra")]
mod nalgebra_impls;
mod policy;
mod query;
mod scalar;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub mod serde;
mod small;

pub use digest::{KeyDigest, ParseDigestError};
pub use encoder::{Encoder, KeySink};
pub use format::FORMAT_VERSION;
pub use frozen::{Freeze, FrozenTensor};
pub use frozen_key::FrozenKey;
#[doc(hidden)]
pub use immutable::__private;
pub use immutable::Immutable;
pub use impls::KeyStorage;
pub use key::Key;
pub use lookup::{KeyBorrow, Lookup, TensorKeyRef};
#[cfg(feature = "nalgebra")]
#[cfg_attr(docsrs, doc(cfg(feature = "nalgebra")))]
pub use nalgebra_impls::MatrixKeyStorage;
pub use policy::{Bitwise, FloatPolicy};
pub use query::{TensorLookup, TensorQuery};
pub use small::{SMALL_TENSOR_MAX_RANK, SmallTensor, SmallTensorError};
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
#[doc = include_str!("derive.md")]
pub use tensor_key_derive::FrozenKey;

/// The crate README's examples, compiled and run as doc tests. (The
/// repository's top-level README has the same code blocks: `tests/readme.rs`
/// in the workspace checks, so this file stays inside the published package.)
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
