//! nalgebra matrices and vectors as keys (feature `nalgebra`).
//!
//! A matrix is encoded as a rank-2 tensor of shape `(nrows, ncols)`, elements in
//! row-major order, so a nalgebra matrix and an ndarray `Array2` holding the same
//! values have the same key and digest. Vectors are `n x 1` matrices.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::format::tag;
use crate::frozen_key::sealed::Internal;
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
pub trait MatrixKeyStorage<T, R: Dim, C: Dim>: RawStorage<T, R, C> + sealed::Sealed {
    /// The elements in column-major order, when stored contiguously.
    #[doc(hidden)]
    fn column_major(&self) -> Option<&[T]>;
}

impl<T, const R: usize, const C: usize> sealed::Sealed for ArrayStorage<T, R, C> {}
impl<T, const R: usize, const C: usize> MatrixKeyStorage<T, Const<R>, Const<C>>
    for ArrayStorage<T, R, C>
{
    fn column_major(&self) -> Option<&[T]> {
        Some(self.as_slice())
    }
}

// Mirrors nalgebra's own `RawStorage` impls for `VecStorage`: dynamic rows, or
// static rows with dynamic columns.
impl<T, R: Dim, C: Dim> sealed::Sealed for VecStorage<T, R, C> {}
impl<T, C: Dim> MatrixKeyStorage<T, Dyn, C> for VecStorage<T, Dyn, C> {
    fn column_major(&self) -> Option<&[T]> {
        Some(self.as_slice())
    }
}
impl<T, const R: usize> MatrixKeyStorage<T, Const<R>, Dyn> for VecStorage<T, Const<R>, Dyn> {
    fn column_major(&self) -> Option<&[T]> {
        Some(self.as_slice())
    }
}

impl<T, R: Dim, C: Dim, RS: Dim, CS: Dim> sealed::Sealed for ViewStorage<'_, T, R, C, RS, CS> {}
impl<T, R: Dim, C: Dim, RS: Dim, CS: Dim> MatrixKeyStorage<T, R, C>
    for ViewStorage<'_, T, R, C, RS, CS>
{
    fn column_major(&self) -> Option<&[T]> {
        None
    }
}

impl<T, R, C, S> FrozenKey for Matrix<T, R, C, S>
where
    T: FrozenKey,
    R: Dim,
    C: Dim,
    S: MatrixKeyStorage<T, R, C>,
{
    fn encode(&self, enc: &mut Encoder<'_>) {
        let (rows, cols) = self.shape();
        enc.put_tag(tag::TENSOR);
        enc.put_len(2);
        enc.put_len(rows);
        enc.put_len(cols);
        T::__element_block(rows * cols, enc, Internal(()));
        match self.data.column_major() {
            Some(m) => T::__encode_column_major(m, rows, cols, enc, Internal(())),
            None => {
                for i in 0..rows {
                    for j in 0..cols {
                        self[(i, j)].__encode_element(enc, Internal(()));
                    }
                }
            }
        }
    }

    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        let (rows, cols) = self.shape();
        other.shape() == (rows, cols)
            && (0..cols)
                .all(|j| (0..rows).all(|i| self[(i, j)].key_eq_with(&other[(i, j)], floats)))
    }
}
