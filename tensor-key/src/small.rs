//! [`SmallTensor`]: a small tensor stored inline in the key, for maps with
//! many small keys.

use crate::digest::KeyDigest;
use crate::encoder::Encoder;
use crate::frozen_key::FrozenKey;
use crate::impls::{encode_tensor, tensor_digest, tensor_eq, tensor_key_hash};
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use ndarray::{ArrayBase, ArrayViewD, Data, Dimension, IxDyn};
use std::fmt;
use std::hash::{Hash, Hasher};

/// The largest rank a [`SmallTensor`] holds.
pub const SMALL_TENSOR_MAX_RANK: usize = 4;

/// A tensor of at most `N` elements and rank at most
/// [`SMALL_TENSOR_MAX_RANK`], stored inline: shape and elements live in the
/// key itself, with no heap allocation and no pointer to follow, and it is
/// `Copy` when the element is.
///
/// It is the key type for maps of many small tensors (4 x 4 blocks, short
/// feature vectors): a lookup touches only the map's own memory. It is a key
/// like the ndarray tensor of the same shape and values, with the same
/// encoding, digest and canonical equality (every NaN equal, `-0.0 == 0.0`),
/// and it implements `Hash` and `Eq` directly.
///
/// ```
/// use std::collections::HashMap;
/// use ndarray::{array, ShapeBuilder, Array2};
/// use tensor_key::{FrozenKey, SmallTensor};
///
/// let block = array![[1.0f32, 2.0], [f32::NAN, -0.0]];
/// let key: SmallTensor<f32, 16> = SmallTensor::from_array(&block)?;
/// let mut seen = HashMap::new();
/// seen.insert(key, "first");
///
/// // The same values in Fortran order, another NaN and +0.0: the same key.
/// let mut other = Array2::<f32>::zeros((2, 2).f());
/// other.assign(&array![[1.0, 2.0], [-f32::NAN, 0.0]]);
/// assert_eq!(seen[&SmallTensor::from_array(&other)?], "first");
/// assert_eq!(key.digest(), block.digest());
/// # Ok::<(), tensor_key::SmallTensorError>(())
/// ```
#[derive(Clone, Copy)]
pub struct SmallTensor<A, const N: usize> {
    rank: u8,
    shape: [usize; SMALL_TENSOR_MAX_RANK],
    len: u32,
    data: [A; N],
}

/// Why an array does not fit a [`SmallTensor`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmallTensorError {
    /// More elements than the tensor's capacity `N`.
    TooManyElements {
        /// Elements in the array.
        len: usize,
        /// The capacity.
        capacity: usize,
    },
    /// Rank above [`SMALL_TENSOR_MAX_RANK`].
    RankTooHigh {
        /// The array's rank.
        rank: usize,
    },
}

impl fmt::Display for SmallTensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmallTensorError::TooManyElements { len, capacity } => write!(
                f,
                "{len} elements do not fit a SmallTensor of capacity {capacity}"
            ),
            SmallTensorError::RankTooHigh { rank } => write!(
                f,
                "rank {rank} is above SmallTensor's maximum of {SMALL_TENSOR_MAX_RANK}"
            ),
        }
    }
}

impl std::error::Error for SmallTensorError {}

impl<A: Copy + Default, const N: usize> SmallTensor<A, N> {
    /// Copies an array of any layout and dimension type (elements in logical
    /// row-major order), or says why it does not fit.
    pub fn from_array<S, D>(array: &ArrayBase<S, D>) -> Result<Self, SmallTensorError>
    where
        S: Data<Elem = A>,
        D: Dimension,
    {
        let rank = array.ndim();
        if rank > SMALL_TENSOR_MAX_RANK {
            return Err(SmallTensorError::RankTooHigh { rank });
        }
        let len = array.len();
        if len > N || u32::try_from(len).is_err() {
            return Err(SmallTensorError::TooManyElements { len, capacity: N });
        }
        let mut shape = [1; SMALL_TENSOR_MAX_RANK];
        shape[..rank].copy_from_slice(array.shape());
        let mut data = [A::default(); N];
        let mut slots = data.iter_mut();
        TensorRef::of_array(array).for_each_run(|run| {
            for (x, slot) in run.iter().zip(&mut slots) {
                *slot = *x;
            }
        });
        Ok(SmallTensor {
            rank: rank as u8,
            shape,
            len: len as u32,
            data,
        })
    }
}

impl<A, const N: usize> SmallTensor<A, N> {
    /// The extents.
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        &self.shape[..usize::from(self.rank)]
    }

    /// The elements in row-major order.
    #[must_use]
    pub fn as_slice(&self) -> &[A] {
        &self.data[..self.len as usize]
    }

    /// A view of the tensor (it allocates nothing: the rank is at most 4).
    #[must_use]
    pub fn view(&self) -> ArrayViewD<'_, A> {
        ArrayViewD::from_shape(IxDyn(self.shape()), self.as_slice())
            .unwrap_or_else(|_| unreachable!("the shape's product is the element count"))
    }

    /// Runs `f` on the tensor's memory form (C-order strides).
    #[inline]
    fn with_tensor<R>(&self, f: impl FnOnce(TensorRef<'_, A>) -> R) -> R {
        let shape = self.shape();
        let mut strides = [0isize; SMALL_TENSOR_MAX_RANK];
        let mut step = 1isize;
        for (s, &n) in strides[..shape.len()].iter_mut().zip(shape).rev() {
            *s = step;
            step *= n as isize;
        }
        TensorRef::standard(self.as_slice(), shape, &strides[..shape.len()], f)
    }
}

impl<A: FrozenKey, const N: usize> FrozenKey for SmallTensor<A, N> {
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.with_tensor(|t| encode_tensor(t, enc));
    }

    /// Shapes first, then the elements as flat runs: both are in row-major
    /// order already, so no strides are needed.
    #[inline]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.shape() == other.shape()
            && TensorRef::with_slice(self.as_slice(), |a| {
                TensorRef::with_slice(other.as_slice(), |b| tensor_eq(a, b, floats))
            })
    }

    #[inline]
    fn key_hash<H: Hasher + ?Sized>(&self, state: &mut H) {
        self.with_tensor(|t| tensor_key_hash(t, state));
    }

    #[inline]
    fn digest(&self) -> KeyDigest {
        self.with_tensor(tensor_digest)
    }
}

/// Canonical equality, as [`FrozenKey::key_eq`].
impl<A: FrozenKey, const N: usize> PartialEq for SmallTensor<A, N> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.key_eq(other)
    }
}

impl<A: FrozenKey, const N: usize> Eq for SmallTensor<A, N> {}

/// Hashes the canonical encoding, as [`FrozenKey::key_hash`]: equal to the
/// hash of a [`Key`](crate::Key) of the ndarray tensor with the same values.
impl<A: FrozenKey, const N: usize> Hash for SmallTensor<A, N> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key_hash(state);
    }
}

impl<A: fmt::Debug, const N: usize> fmt::Debug for SmallTensor<A, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmallTensor")
            .field("shape", &self.shape())
            .field("data", &self.as_slice())
            .finish()
    }
}

impl<A, S, D, const N: usize> TryFrom<&ArrayBase<S, D>> for SmallTensor<A, N>
where
    A: Copy + Default,
    S: Data<Elem = A>,
    D: Dimension,
{
    type Error = SmallTensorError;

    fn try_from(array: &ArrayBase<S, D>) -> Result<Self, SmallTensorError> {
        SmallTensor::from_array(array)
    }
}
