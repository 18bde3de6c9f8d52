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
/// * Its [`digest`](FrozenKey::digest) is that of the array it came from. Its
///   `Hash` fingerprint (see below) is computed when it is frozen, its digest on
///   first use, once, race-free across threads, then cached: hashing it costs O(1).
/// * Equality takes fast paths: clones of one tensor are equal without looking at
///   the data, tensors with different fingerprints are unequal; otherwise the
///   elements are compared canonically.
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
/// Maps and sets keyed by `FrozenTensor`, or by your own types holding one, pass
/// Clippy's `mutable_key_type` lint with default settings: the fingerprint is a
/// plain `u64`, and the digest cache (written once, with a value fixed by the
/// immutable elements, and never read by `Hash` or `Eq`) sits behind a trait
/// object that the lint does not look into.
///
/// # Serde format
/// With the `serde` feature, a frozen tensor serializes losslessly, every bit
/// pattern included (NaN payloads, `-0.0`, infinities), as
/// `{"v": 1, "dtype": "f32", "shape": [2, 2], "data": [...]}`: floats as the
/// hex digits of their bits in human-readable formats, raw little-endian bytes
/// in binary ones, elements in row-major order whatever the memory layout.
#[cfg_attr(
    feature = "serde",
    doc = "The [`serde`](crate::serde) module documents the format completely."
)]
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
    inner: Arc<Inner<A, D, dyn DigestMemo>>,
}

/// The shared part of a [`FrozenTensor`]. The digest memo is the last field so
/// that `Inner<_, _, OnceLock<KeyDigest>>` coerces to `Inner<_, _, dyn DigestMemo>`.
struct Inner<A, D: Dimension, M: ?Sized> {
    array: Array<A, D>,
    /// Computed in [`FrozenTensor::new`]: a plain value, so `Hash` reads no cell.
    fingerprint: u64,
    digest: M,
}

/// The lazily computed digest of a frozen tensor, behind a trait object.
///
/// It is a `OnceLock<KeyDigest>`: written at most once, race-free, with the
/// digest of the immutable elements, so `Hash` and `Eq` (which never read it)
/// cannot change. Clippy's `mutable_key_type` looks for `UnsafeCell`s through
/// the fields of a key type but not into trait objects, so maps keyed by
/// `FrozenTensor` (or by structs holding one) lint clean with default settings.
trait DigestMemo: Send + Sync {
    fn get_or_init(&self, compute: &mut dyn FnMut() -> KeyDigest) -> KeyDigest;
}

impl DigestMemo for OnceLock<KeyDigest> {
    fn get_or_init(&self, compute: &mut dyn FnMut() -> KeyDigest) -> KeyDigest {
        *OnceLock::get_or_init(self, compute)
    }
}

impl<A: FrozenKey, D: Dimension> FrozenTensor<A, D> {
    /// Freezes an owned array without copying its elements, and computes its
    /// fingerprint (one pass over the elements).
    ///
    /// ```
    /// use ndarray::array;
    /// use tensor_key::{FrozenKey, FrozenTensor};
    ///
    /// let frozen = FrozenTensor::new(array![[1u8, 2], [3, 4]]);
    /// assert_eq!(frozen.digest(), array![[1u8, 2], [3, 4]].digest());
    /// ```
    #[must_use]
    pub fn new(array: Array<A, D>) -> Self {
        let fingerprint = fingerprint(&array);
        let inner: Arc<Inner<A, D, dyn DigestMemo>> = Arc::new(Inner {
            array,
            fingerprint,
            digest: OnceLock::<KeyDigest>::new(),
        });
        FrozenTensor { inner }
    }

    /// The per-process keyed fingerprint that `Hash` writes, computed when the
    /// tensor was frozen. Equal tensors have equal fingerprints within a
    /// process; across processes they differ (use
    /// [`digest`](FrozenKey::digest) there).
    ///
    /// ```
    /// use ndarray::array;
    /// use tensor_key::Freeze;
    ///
    /// let a = array![[f32::NAN, 0.0]].freeze();
    /// let b = array![[-f32::NAN, -0.0]].freeze();
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        self.inner.fingerprint
    }
}

impl<A, D: Dimension> FrozenTensor<A, D> {
    /// A read-only view of the elements.
    #[must_use]
    pub fn view(&self) -> ArrayView<'_, A, D> {
        self.inner.array.view()
    }

    /// The frozen array, read-only.
    #[must_use]
    pub fn as_array(&self) -> &Array<A, D> {
        &self.inner.array
    }

    /// An owned, mutable copy of the elements.
    #[must_use]
    pub fn thaw(&self) -> Array<A, D>
    where
        A: Clone,
    {
        self.inner.array.clone()
    }

    /// The extent of each axis.
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        self.inner.array.shape()
    }

    /// The number of axes.
    #[must_use]
    pub fn ndim(&self) -> usize {
        self.inner.array.ndim()
    }

    /// The number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.array.len()
    }

    /// True if the tensor has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.array.is_empty()
    }

    /// The element at `index`, or `None` if it is out of bounds.
    #[must_use]
    pub fn get<I: NdIndex<D>>(&self, index: I) -> Option<&A> {
        self.inner.array.get(index)
    }

    /// True if `self` and `other` share storage (one was cloned from the other).
    #[must_use]
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
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
        self.inner
            .digest
            .get_or_init(&mut || self.inner.array.digest())
    }
}

impl<A: FrozenKey, D: Dimension> PartialEq for FrozenTensor<A, D> {
    fn eq(&self, other: &Self) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        self.fingerprint() == other.fingerprint() && self.inner.array.key_eq(&other.inner.array)
    }
}

impl<A: FrozenKey, D: Dimension> Eq for FrozenTensor<A, D> {}

impl<A: FrozenKey, D: Dimension> Hash for FrozenTensor<A, D> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint());
    }
}

impl<A: FrozenKey, D: Dimension> From<Array<A, D>> for FrozenTensor<A, D> {
    /// Moves the array in; no element is copied.
    fn from(array: Array<A, D>) -> Self {
        FrozenTensor::new(array)
    }
}

impl<A: FrozenKey + Clone, D: Dimension> From<ArcArray<A, D>> for FrozenTensor<A, D> {
    /// Takes the storage over when this is its only handle; copies otherwise.
    fn from(array: ArcArray<A, D>) -> Self {
        FrozenTensor::new(array.into_owned())
    }
}

/// `.freeze()` for every ndarray array and view of key elements, `.into_frozen()`
/// for owned ones.
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

    /// Copies the elements once into a new [`FrozenTensor`] (and computes its
    /// fingerprint).
    #[must_use]
    fn freeze(&self) -> FrozenTensor<Self::Elem, Self::Dim>;

    /// Turns the array into a [`FrozenTensor`], without copying where the storage
    /// can be taken over (owned arrays, unshared `ArcArray`s).
    #[must_use]
    fn into_frozen(self) -> FrozenTensor<Self::Elem, Self::Dim>
    where
        Self: Sized;
}

impl<A: FrozenKey + Clone, S: Data<Elem = A>, D: Dimension> Freeze for ArrayBase<S, D> {
    type Elem = A;
    type Dim = D;

    fn freeze(&self) -> FrozenTensor<A, D> {
        FrozenTensor::new(self.to_owned())
    }

    fn into_frozen(self) -> FrozenTensor<A, D> {
        FrozenTensor::new(self.into_owned())
    }
}
