//! ndarray tensors of any storage that cannot mutate, any dimension and any
//! element key type.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::format::tag;
use crate::frozen_key::encode_block;
use crate::frozen_key::sealed::Internal;
use crate::policy::FloatPolicy;
use ndarray::{
    ArrayBase, ArrayView1, Axis, CowRepr, Data, Dimension, OwnedArcRepr, OwnedRepr, ViewRepr, Zip,
};

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
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_tensor(self, enc);
    }

    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.shape() == other.shape()
            && Zip::from(self)
                .and(other)
                .all(|a, b| a.key_eq_with(b, floats))
    }
}

/// Tag, rank, each extent, then one element block in row-major order.
pub(crate) fn encode_tensor<A, S, D>(a: &ArrayBase<S, D>, enc: &mut Encoder<'_>)
where
    A: FrozenKey,
    S: Data<Elem = A>,
    D: Dimension,
{
    enc.put_tag(tag::TENSOR);
    enc.put_len(a.ndim());
    for &extent in a.shape() {
        enc.put_len(extent);
    }
    let count = a.len();
    if let Some(items) = a.as_slice() {
        return encode_block(count, [ArrayView1::from(items)], enc);
    }
    // Fortran-ordered and transposed matrices: transposed in cache-sized bands.
    if let (2, Some(m)) = (a.ndim(), a.t().to_slice()) {
        A::__element_block(count, enc, Internal(()));
        return A::__encode_column_major(m, a.shape()[0], a.shape()[1], enc, Internal(()));
    }
    // Anything else, row by row. A 0-d array is always in standard layout, so
    // here ndim >= 1.
    encode_block(count, a.lanes(Axis(a.ndim() - 1)), enc);
}
