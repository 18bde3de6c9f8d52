//! Float tensors as hash-map keys: canonical, layout-independent equality,
//! hashing, and stable SHA-256 content digests.
//!
//! `f32` has no `Eq` or `Hash`, so neither has `ndarray::Array2<f32>`. This crate
//! gives tensors (and tuples, options, strings, vectors, maps of them) a
//! *canonical encoding* through the [`FrozenKey`] trait, and derives from it
//! everything a key needs:
//!
//! * [`FrozenKey::key_eq`]: value equality where every NaN equals every NaN and
//!   `-0.0 == 0.0` (or bit-for-bit with [`Bitwise`]);
//! * [`FrozenKey::key_hash`]: hashing that agrees with it under every
//!   [`Hasher`](std::hash::Hasher);
//! * [`FrozenKey::digest`]: a SHA-256 [`KeyDigest`] that names the value in every
//!   process, on every machine and in every release of the same
//!   [`FORMAT_VERSION`];
//! * [`Key<T>`]: a wrapper that is `Hash + Eq`, for `HashMap` and `HashSet`.
//!
//! A tensor's key is its element type, its shape and its elements in logical
//! row-major order. Memory layout never matters: C order, Fortran order,
//! transposed, stepped or reversed slices and broadcast views of equal values are
//! equal keys with equal hashes and digests. Hashing, comparing and digesting a
//! tensor of any layout allocates nothing.
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
//! let same = weights.t().to_owned().reversed_axes();
//! assert_eq!(seen[&Key::new((same, 1))], "layer 1");
//!
//! // A digest to name the tensor in a file or a shared cache.
//! println!("{}", weights.view().digest());
//! ```
//!
//! Types that can change behind a map's back are not keys, and the compiler says
//! so: `&mut T`, `ArrayViewMut`, raw views and pointers, `Cell`, `RefCell`,
//! `Mutex`, `RwLock`, `OnceCell`, `OnceLock` and atomics.
//!
//! ```compile_fail
//! use tensor_key::Key;
//! let cell = std::cell::Cell::new(1u32);
//! let _ = Key::new(cell);
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod digest;
mod encoder;
mod fingerprint;
mod format;
mod frozen;
mod frozen_key;
mod impls;
mod key;
#[cfg(feature = "nalgebra")]
mod nalgebra_impls;
mod policy;
mod query;
mod scalar;
#[cfg(feature = "serde")]
mod serde_impls;

pub use digest::{KeyDigest, ParseDigestError};
pub use encoder::{Encoder, KeySink};
pub use format::FORMAT_VERSION;
pub use frozen::{Freeze, FrozenTensor};
pub use frozen_key::FrozenKey;
pub use impls::KeyStorage;
pub use key::Key;
#[cfg(feature = "nalgebra")]
pub use nalgebra_impls::MatrixKeyStorage;
pub use policy::{Bitwise, FloatPolicy};
pub use query::{ArrayLookup, TensorLookup, TensorQuery};
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
#[doc = include_str!("derive.md")]
pub use tensor_key_derive::FrozenKey;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
