//! [`Immutable`]: types whose value cannot change through a shared reference.

use crate::FrozenKey;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// A type whose value cannot change while it is only shared: nothing reachable
/// from `&self` can be mutated, neither directly nor behind a `Box`, `Rc`,
/// `Arc` or reference.
///
/// `#[derive(FrozenKey)]` requires it of every field encoded through
/// `#[frozen_key(with = "...")]`: such a field needs no [`FrozenKey`] impl, and
/// `Immutable` is what still keeps `Cell`, `RefCell`, `Mutex`, atomics and the
/// like out of keys, also behind type aliases and generic parameters.
///
/// It is implemented for
/// * every [`FrozenKey`] type (all of which are immutable);
/// * immutable standard types without a `FrozenKey` impl: [`Path`], [`PathBuf`],
///   [`OsStr`], [`OsString`], [`CStr`], [`CString`], [`Instant`],
///   [`SystemTime`], and references, `Box`, `Rc` and `Arc` of each of them,
///   `Option`, `Vec` and slices of the sized ones.
///
/// (`Duration`, `PhantomData`, IP and socket addresses are `FrozenKey`, so
/// `Immutable` through the first rule.)
///
/// It is never implemented for `Cell`, `RefCell`, `UnsafeCell`, `Mutex`,
/// `RwLock`, `OnceCell`, `OnceLock`, `LazyCell`, `LazyLock`, atomics, `&mut T`,
/// raw pointers, mutable or raw array views, nor for anything holding one.
///
/// For an immutable type of your own that has no `FrozenKey` impl, implement it:
///
/// ```
/// use tensor_key::{FrozenKey, Immutable};
///
/// pub struct Celsius(f64);
///
/// // SAFETY: `Celsius` holds a plain `f64`: nothing can change through `&Celsius`.
/// unsafe impl Immutable for Celsius {}
///
/// mod by_value {
///     use tensor_key::{Encoder, FloatPolicy, FrozenKey};
///     pub fn encode(c: &super::Celsius, enc: &mut Encoder<'_>) {
///         c.0.encode(enc);
///     }
///     pub fn key_eq_with(a: &super::Celsius, b: &super::Celsius, floats: FloatPolicy) -> bool {
///         a.0.key_eq_with(&b.0, floats)
///     }
/// }
///
/// #[derive(FrozenKey)]
/// struct Reading {
///     #[frozen_key(with = "by_value")]
///     temperature: Celsius,
/// }
/// # fn main() {
/// #     assert!(Reading { temperature: Celsius(1.5) } == Reading { temperature: Celsius(1.5) });
/// # }
/// ```
///
/// A type of another crate cannot implement a trait of this one (the orphan
/// rule): wrap it in a newtype of your own and implement `Immutable` for that.
///
/// # Safety
///
/// Implement it only for types whose value, as far as the `with` functions
/// can observe it, never changes while only shared references exist: no
/// interior mutability, no `&mut`, no raw pointers, no shared ownership of
/// anything mutable. Memory safety does not depend on it, but a wrong
/// implementation lets a key change while a map holds it, which silently loses
/// the entry and corrupts the map; `unsafe` marks the claim as one the compiler
/// cannot check.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to be immutable, so it cannot be part of a key",
    label = "`{Self}` does not implement `Immutable`",
    note = "a key must not change while a map holds it: interior mutability (`Cell`, `RefCell`, `Mutex`, `RwLock`, `OnceCell`, atomics), mutable references and raw pointers are never keys, also through type aliases and generic parameters",
    note = "every `FrozenKey` type is `Immutable` (`#[derive(FrozenKey)]` makes a type of your own one); for an immutable type of your own that is encoded through `#[frozen_key(with = \"...\")]`, write `unsafe impl tensor_key::Immutable for YourType {{}}` (a type of another crate: wrap it in a newtype)"
)]
pub unsafe trait Immutable {}

// SAFETY: a key must not change while a map holds it: this crate implements
// `FrozenKey` for no type that can change through `&self`, the derive rejects
// fields that can, and a hand-written `FrozenKey` impl makes the same promise.
#[diagnostic::do_not_recommend]
unsafe impl<T: FrozenKey + ?Sized> Immutable for T {}

/// `Immutable` for each type and for references, `Box`, `Rc` and `Arc` of it;
/// for sized types also `Option`, `Vec` and slices of it. None of these is
/// `FrozenKey`, so they do not overlap the blanket impl.
macro_rules! immutable {
    (@pointers $($t:ty),*) => {$(
        // SAFETY: plain values: no interior mutability, no pointer to anything
        // mutable.
        unsafe impl Immutable for $t {}
        // SAFETY: shared pointers to an immutable value.
        unsafe impl Immutable for &$t {}
        // SAFETY: as above.
        unsafe impl Immutable for Box<$t> {}
        // SAFETY: as above.
        unsafe impl Immutable for Rc<$t> {}
        // SAFETY: as above.
        unsafe impl Immutable for Arc<$t> {}
    )*};
    (@containers $($t:ty),*) => {$(
        // SAFETY: immutable values in an immutable container.
        unsafe impl Immutable for Option<$t> {}
        // SAFETY: as above.
        unsafe impl Immutable for Vec<$t> {}
        // SAFETY: as above.
        unsafe impl Immutable for [$t] {}
    )*};
    (sized: $($t:ty),* ; unsized: $($u:ty),* $(,)?) => {
        immutable!(@pointers $($t),*);
        immutable!(@containers $($t),*);
        immutable!(@pointers $($u),*);
    };
}

immutable!(
    sized: PathBuf,
    OsString,
    CString,
    Instant,
    SystemTime;
    unsized: Path,
    OsStr,
    CStr,
);

/// Support for `#[derive(FrozenKey)]` and for this project's sibling crates
/// (the Python package writes composite encodings with the format's own
/// constants); not public API.
#[doc(hidden)]
pub mod __private {
    use crate::FrozenKey;

    pub use crate::format::{DIGEST_PREFIX, tag};

    /// What the derive asserts of a field without `with`, at the field's type:
    /// `FrozenKey` with a message for types that lack an impl (together with
    /// `Immutable`, which speaks for interior-mutable ones). Being a subtrait,
    /// its error replaces the plain `FrozenKey` one at the same span.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` has no `FrozenKey` impl, so a field of this type cannot be part of a key",
        label = "`{Self}` does not implement `FrozenKey`",
        note = "a field of an immutable type of another crate (such as `PathBuf` or `Instant`) can be encoded through `#[frozen_key(with = \"path\")]`, where `path::encode` and `path::key_eq_with` write and compare its key (see the documentation of `#[derive(FrozenKey)]`)",
        note = "if it is a type of your own, `#[derive(FrozenKey)]` on it or implement `FrozenKey`"
    )]
    pub trait KeyField: FrozenKey {}

    #[diagnostic::do_not_recommend]
    impl<T: FrozenKey + ?Sized> KeyField for T {}
}
