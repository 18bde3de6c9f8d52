//! How floating-point values compare: canonically (the default) or bit for bit.

use std::fmt;

/// The rule by which floating-point values (and complex numbers, component-wise)
/// are encoded and compared.
///
/// * [`Canonical`](FloatPolicy::Canonical), the default, treats every NaN as one
///   value and `-0.0` as `0.0`; otherwise floats compare by their bits. It makes
///   `x == x` hold for every key, which IEEE equality does not.
/// * [`Bitwise`](FloatPolicy::Bitwise) distinguishes every bit pattern: NaN
///   payloads, signs of NaN and of zero.
///
/// The policy is part of a key's identity: a float encoded under one policy has
/// a different type tag, and so a different digest, from the same float under
/// the other.
///
/// ```
/// use tensor_key::{FloatPolicy, FrozenKey};
///
/// assert!(f32::NAN.key_eq(&-f32::NAN));
/// assert!((-0.0f64).key_eq(&0.0));
/// assert!(!(-0.0f64).key_eq_with(&0.0, FloatPolicy::Bitwise));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FloatPolicy {
    /// All NaNs are equal, `-0.0 == 0.0`, other values by bits.
    #[default]
    Canonical,
    /// Every bit pattern is its own value.
    Bitwise,
}

/// Selects [`FloatPolicy::Bitwise`] for every float inside `T`.
///
/// Use it alone (`Bitwise(f32::NAN)`), inside tuples (`(Bitwise(x), 3u8)`),
/// around a whole value (`Bitwise(array)`) or as a tensor element type
/// (`Array1<Bitwise<f32>>`). `Bitwise(array)` and an array of `Bitwise`
/// elements holding the same bits have the same encoding and digest.
///
/// ```
/// use tensor_key::{Bitwise, FrozenKey};
///
/// let nan = f32::NAN;
/// let other_nan = f32::from_bits(nan.to_bits() | 1);
/// assert!(nan.key_eq(&other_nan));
/// assert!(!Bitwise(nan).key_eq(&Bitwise(other_nan)));
/// assert_ne!(Bitwise(nan).digest(), nan.digest());
/// ```
/// `Bitwise` has no `PartialEq` or `Hash` of its own, so that IEEE equality
/// cannot creep in: compare with [`FrozenKey::key_eq`](crate::FrozenKey::key_eq)
/// or wrap it in a [`Key`](crate::Key).
///
/// ```compile_fail,E0369
/// use tensor_key::Bitwise;
/// let _ = Bitwise(1.0f32) == Bitwise(1.0f32); // error: no `PartialEq`
/// ```
///
/// ```compile_fail,E0277
/// fn hashable<T: std::hash::Hash>() {}
/// hashable::<tensor_key::Bitwise<u8>>(); // error: no `Hash`
/// ```
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct Bitwise<T>(pub T);

impl<T: fmt::Debug> fmt::Debug for Bitwise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Bitwise").field(&self.0).finish()
    }
}
