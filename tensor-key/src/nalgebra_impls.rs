//! nalgebra matrices and vectors as keys (feature `nalgebra`).
//!
//! A matrix is encoded as a rank-2 tensor of shape `(nrows, ncols)`, elements in
//! row-major order, so a nalgebra matrix and an ndarray `Array2` holding the same
//! values have the same key and digest. Vectors are `n x 1` matrices.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::impls::{encode_tensor, tensor_digest, tensor_eq, tensor_key_hash};
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use nalgebra::{ArrayStorage, Const, Dim, Dyn, Matrix, RawStorage, VecStorage, ViewStorage};

mod sealed {
    pub trait Sealed {}
}

/// Matrix storage that can back a key: owned (`SMatrix`, `DMatrix`, ...) and
/// read-only views. Mutable views are not keys. This trait is sealed.
#[diagnostic::on_unimplemented(
    message = "a matrix with `{Self}` storage cannot be used as a tensor key",
    label = "mutable matrix storage",
    note = "a mutable view could change the key while a map holds it",
    note = "use `.as_view()` for a read-only view or `.clone_owned()` for a copy"
)]
pub trait MatrixKeyStorage<T, R: Dim, C: Dim>: RawStorage<T, R, C> + sealed::Sealed {}

impl<T, const R: usize, const C: usize> sealed::Sealed for ArrayStorage<T, R, C> {}
impl<T, const R: usize, const C: usize> MatrixKeyStorage<T, Const<R>, Const<C>>
    for ArrayStorage<T, R, C>
{
}

// Mirrors nalgebra's own `RawStorage` impls for `VecStorage`: dynamic rows, or
// static rows with dynamic columns.
impl<T, R: Dim, C: Dim> sealed::Sealed for VecStorage<T, R, C> {}
impl<T, C: Dim> MatrixKeyStorage<T, Dyn, C> for VecStorage<T, Dyn, C> {}
impl<T, const R: usize> MatrixKeyStorage<T, Const<R>, Dyn> for VecStorage<T, Const<R>, Dyn> {}

impl<T, R: Dim, C: Dim, RS: Dim, CS: Dim> sealed::Sealed for ViewStorage<'_, T, R, C, RS, CS> {}
impl<T, R: Dim, C: Dim, RS: Dim, CS: Dim> MatrixKeyStorage<T, R, C>
    for ViewStorage<'_, T, R, C, RS, CS>
{
}

#[cfg_attr(docsrs, doc(cfg(feature = "nalgebra")))]
impl<T, R, C, S> FrozenKey for Matrix<T, R, C, S>
where
    T: FrozenKey,
    R: Dim,
    C: Dim,
    S: MatrixKeyStorage<T, R, C>,
{
    fn encode(&self, enc: &mut Encoder<'_>) {
        with_tensor(self, |t| encode_tensor(t, enc));
    }

    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        with_tensor(self, |a| with_tensor(other, |b| tensor_eq(a, b, floats)))
    }

    fn key_hash<H: std::hash::Hasher + ?Sized>(&self, state: &mut H) {
        with_tensor(self, |t| tensor_key_hash(t, state));
    }

    fn digest(&self) -> crate::KeyDigest {
        with_tensor(self, tensor_digest)
    }
}

/// Runs `f` on the matrix seen as a rank-2 tensor of shape `(nrows, ncols)`.
fn with_tensor<T, R, C, S, Out>(
    m: &Matrix<T, R, C, S>,
    f: impl FnOnce(TensorRef<'_, T>) -> Out,
) -> Out
where
    R: Dim,
    C: Dim,
    S: MatrixKeyStorage<T, R, C>,
{
    let (rows, cols) = m.shape();
    let (row_stride, col_stride) = m.strides();
    let shape = [rows, cols];
    // nalgebra strides are in elements and never exceed the storage.
    let strides = [row_stride as isize, col_stride as isize];
    // SAFETY: `MatrixKeyStorage` is implemented only for nalgebra's owned
    // storage and read-only views, whose `RawStorage` contract (an unsafe
    // trait) places element `(i, j)` at `ptr + i * row_stride + j * col_stride`
    // for `i < rows`, `j < cols`, initialized and borrowed as long as `m`;
    // the element count fits the allocation, so it is at most `isize::MAX`.
    let t = unsafe { TensorRef::from_raw(m.data.ptr(), &shape, &strides) };
    f(t)
}
