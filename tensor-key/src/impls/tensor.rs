//! ndarray tensors of any storage that cannot mutate, any dimension and any
//! element key type.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::frozen_key::sealed::Internal;
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use ndarray::{ArrayBase, CowRepr, Data, Dimension, OwnedArcRepr, OwnedRepr, ViewRepr};

mod sealed {
    pub trait Sealed {}
}

/// Array storage that can back a key: owned (`Array`), shared (`ArcArray`),
/// borrowed read-only (`ArrayView`) and copy-on-write (`CowArray`).
///
/// Mutable views (`ArrayViewMut`) and raw views are deliberately not key storage:
/// whoever holds them could change the key while a map holds it. This trait is
/// sealed.
///
/// ```compile_fail
/// use ndarray::Array2;
/// use tensor_key::Key;
/// let mut a = Array2::<f32>::zeros((2, 2));
/// let _ = Key::new(a.view_mut()); // error: mutable or raw array storage
/// ```
///
/// ```
/// use ndarray::Array2;
/// use tensor_key::{Freeze, Key};
/// let mut a = Array2::<f32>::zeros((2, 2));
/// let _ = Key::new(a.view());           // a read-only view is fine
/// let _ = Key::new(a.view_mut().freeze()); // or freeze a copy
/// ```
#[diagnostic::on_unimplemented(
    message = "an array with `{Self}` storage cannot be used as a tensor key",
    label = "mutable or raw array storage",
    note = "a mutable view (`ArrayViewMut`) or raw view could change the key while a map holds it",
    note = "use `.view()` for a read-only view, `.to_owned()` for a copy, or freeze the array"
)]
pub trait KeyStorage: Data + sealed::Sealed {}

impl<A> sealed::Sealed for OwnedRepr<A> {}
impl<A> KeyStorage for OwnedRepr<A> {}
impl<A> sealed::Sealed for OwnedArcRepr<A> {}
impl<A> KeyStorage for OwnedArcRepr<A> {}
impl<A> sealed::Sealed for ViewRepr<&A> {}
impl<A> KeyStorage for ViewRepr<&A> {}
impl<A> sealed::Sealed for CowRepr<'_, A> {}
impl<A> KeyStorage for CowRepr<'_, A> {}

/// A tensor's key is its shape and its elements in logical row-major order;
/// strides and memory order never enter it.
impl<A, S, D> FrozenKey for ArrayBase<S, D>
where
    A: FrozenKey,
    S: KeyStorage<Elem = A>,
    D: Dimension,
{
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_tensor(TensorRef::of_array(self), enc);
    }

    #[inline]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        tensor_eq(
            TensorRef::of_array(self),
            TensorRef::of_array(other),
            floats,
        )
    }
}

/// The memory form of a tensor is a key like the array it comes from (used by
/// lookups, which hold one without its dimension type).
impl<A: FrozenKey> FrozenKey for TensorRef<'_, A> {
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_tensor(*self, enc);
    }

    #[inline]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        tensor_eq(*self, *other, floats)
    }
}

/// Tag, rank, each extent, then one element block in row-major order.
#[inline]
pub(crate) fn encode_tensor<A: FrozenKey>(t: TensorRef<'_, A>, enc: &mut Encoder<'_>) {
    A::__encode_tensor(t, enc, Internal(()));
}

/// Equal shapes and canonically equal elements.
#[inline]
pub(crate) fn tensor_eq<A: FrozenKey>(
    a: TensorRef<'_, A>,
    b: TensorRef<'_, A>,
    floats: FloatPolicy,
) -> bool {
    a.shape() == b.shape() && A::__elements_eq(a, b, floats, Internal(()))
}
