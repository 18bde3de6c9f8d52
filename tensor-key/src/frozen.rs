//! [`FrozenTensor`]: an immutable, shareable tensor that hashes in O(1), and
//! the [`Freeze`] extension trait that makes one.

use crate::encoder::Encoder;
use crate::fingerprint::fingerprint;
use crate::policy::FloatPolicy;
use crate::{FrozenKey, KeyDigest};
use ndarray::{ArcArray, Array, ArrayBase, ArrayView, Data, Dimension, NdIndex};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

/// An immutable tensor value: a hash-map key that is hashed once.
///
/// * Cheap to clone: clones share storage and caches (one `Arc`).
/// * Immutable: no method mutates, and no mutable access is handed out.
/// * `Send + Sync` when the elements are.
/// * Its [`digest`](FrozenKey::digest) is that of the array it came from, and its
///   `Hash` fingerprint (see below) and digest are computed on first use, once,
///   race-free across threads, then cached: hashing it again costs O(1).
/// * Equality takes fast paths: clones of one tensor are equal without looking at
///   the data, tensors with different cached fingerprints are unequal; otherwise
///   the elements are compared canonically.
///
/// # Hashing and HashDoS
/// `Hash` writes a 64-bit *fingerprint*: SipHash-1-3 of the canonical encoding
/// under random keys drawn once per process. Because the fingerprint is keyed, an
/// attacker who does not know the process's secrets cannot precompute colliding
/// tensors, so a `HashMap<FrozenTensor<_, _>, _>` with the default `RandomState`
/// stays fast under chosen keys. Fingerprints differ between processes; use
/// [`digest`](FrozenKey::digest) to name a tensor outside the process.
///
/// # Clippy's `mutable_key_type`
/// The caches are `OnceLock`s, so Clippy sees interior mutability and flags maps
/// keyed by `FrozenTensor`. The caches only memoize values fixed by the immutable
/// contents, so `Hash` and `Eq` never change; tell Clippy in `clippy.toml`:
/// `ignore-interior-mutability = ["tensor_key::FrozenTensor"]`.
///
/// # Looking up with a view
/// A map keyed by `FrozenTensor` is queried with a borrowed view, without copying
/// or allocating, through [`TensorQuery`](crate::TensorQuery).
///
/// ```
/// use std::collections::HashMap;
/// use ndarray::{array, Ix2};
/// use tensor_key::{Freeze, FrozenKey, FrozenTensor, TensorQuery};
///
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// let frozen: FrozenTensor<f32, Ix2> = a.clone().into();
/// assert_eq!(frozen.digest(), a.digest());
///
/// let mut names: HashMap<FrozenTensor<f32, Ix2>, &str> = HashMap::new();
/// names.insert(frozen.clone(), "a");
/// assert_eq!(names.get(TensorQuery::new(a.t().t()).as_key()), Some(&"a"));
/// assert_eq!(names[&a.view().freeze()], "a");
/// ```
pub struct FrozenTensor<A, D: Dimension> {
    inner: Arc<Inner<A, D>>,
}

struct Inner<A, D: Dimension> {
    array: Array<A, D>,
    fingerprint: OnceLock<u64>,
    digest: OnceLock<KeyDigest>,
}

impl<A, D: Dimension> FrozenTensor<A, D> {
    /// Freezes an owned array without copying its elements.
    pub fn new(array: Array<A, D>) -> Self {
        FrozenTensor {
            inner: Arc::new(Inner {
                array,
                fingerprint: OnceLock::new(),
                digest: OnceLock::new(),
            }),
        }
    }

    /// A read-only view of the elements.
    pub fn view(&self) -> ArrayView<'_, A, D> {
        self.inner.array.view()
    }

    /// The frozen array, read-only.
    pub fn as_array(&self) -> &Array<A, D> {
        &self.inner.array
    }

    /// An owned, mutable copy of the elements.
    pub fn thaw(&self) -> Array<A, D>
    where
        A: Clone,
    {
        self.inner.array.clone()
    }

    /// The extent of each axis.
    pub fn shape(&self) -> &[usize] {
        self.inner.array.shape()
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.inner.array.ndim()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.inner.array.len()
    }

    /// True if the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.inner.array.is_empty()
    }

    /// The element at `index`, or `None` if it is out of bounds.
    pub fn get<I: NdIndex<D>>(&self, index: I) -> Option<&A> {
        self.inner.array.get(index)
    }

    /// True if `self` and `other` share storage (one was cloned from the other).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<A: FrozenKey, D: Dimension> FrozenTensor<A, D> {
    /// The per-process keyed fingerprint that `Hash` writes; computed once.
    pub fn fingerprint(&self) -> u64 {
        *self
            .inner
            .fingerprint
            .get_or_init(|| fingerprint(&self.inner.array))
    }

    /// The fingerprint if it has been computed already.
    pub(crate) fn cached_fingerprint(&self) -> Option<u64> {
        self.inner.fingerprint.get().copied()
    }
}

impl<A, D: Dimension> Clone for FrozenTensor<A, D> {
    fn clone(&self) -> Self {
        FrozenTensor {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: fmt::Debug, D: Dimension> fmt::Debug for FrozenTensor<A, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FrozenTensor")
            .field(&self.inner.array)
            .finish()
    }
}

impl<A: FrozenKey, D: Dimension> FrozenKey for FrozenTensor<A, D> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.inner.array.encode(enc);
    }

    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.ptr_eq(other) || self.inner.array.key_eq_with(&other.inner.array, floats)
    }

    /// The digest, computed once and cached.
    fn digest(&self) -> KeyDigest {
        *self.inner.digest.get_or_init(|| self.inner.array.digest())
    }
}

impl<A: FrozenKey, D: Dimension> PartialEq for FrozenTensor<A, D> {
    fn eq(&self, other: &Self) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        if let (Some(a), Some(b)) = (self.cached_fingerprint(), other.cached_fingerprint())
            && a != b
        {
            return false;
        }
        self.inner.array.key_eq(&other.inner.array)
    }
}

impl<A: FrozenKey, D: Dimension> Eq for FrozenTensor<A, D> {}

impl<A: FrozenKey, D: Dimension> Hash for FrozenTensor<A, D> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint());
    }
}

impl<A, D: Dimension> From<Array<A, D>> for FrozenTensor<A, D> {
    /// Moves the array in; no element is copied.
    fn from(array: Array<A, D>) -> Self {
        FrozenTensor::new(array)
    }
}

impl<A: Clone, D: Dimension> From<ArcArray<A, D>> for FrozenTensor<A, D> {
    /// Takes the storage over when this is its only handle; copies otherwise.
    fn from(array: ArcArray<A, D>) -> Self {
        FrozenTensor::new(array.into_owned())
    }
}

/// `.freeze()` for every ndarray array and view, `.into_frozen()` for owned ones.
///
/// ```
/// use ndarray::array;
/// use tensor_key::{Freeze, FrozenKey};
///
/// let mut a = array![[1u8, 2], [3, 4]];
/// let frozen = a.view_mut().freeze(); // copied once: `a` may change, the key may not
/// a[[0, 0]] = 9;
/// assert_eq!(frozen.get([0, 0]), Some(&1));
/// assert_eq!(frozen.digest(), array![[1u8, 2], [3, 4]].digest());
/// let moved = a.into_frozen(); // no copy
/// assert_eq!(moved.shape(), &[2, 2]);
/// ```
pub trait Freeze {
    /// The element type.
    type Elem;
    /// The dimension type.
    type Dim: Dimension;

    /// Copies the elements once into a new [`FrozenTensor`].
    fn freeze(&self) -> FrozenTensor<Self::Elem, Self::Dim>;

    /// Turns the array into a [`FrozenTensor`], without copying where the storage
    /// can be taken over (owned arrays, unshared `ArcArray`s).
    fn into_frozen(self) -> FrozenTensor<Self::Elem, Self::Dim>
    where
        Self: Sized;
}

impl<A: Clone, S: Data<Elem = A>, D: Dimension> Freeze for ArrayBase<S, D> {
    type Elem = A;
    type Dim = D;

    fn freeze(&self) -> FrozenTensor<A, D> {
        FrozenTensor::new(self.to_owned())
    }

    fn into_frozen(self) -> FrozenTensor<A, D> {
        FrozenTensor::new(self.into_owned())
    }
}
