//! Zero-copy lookups in maps keyed by [`FrozenTensor`]: find an entry with a
//! borrowed view of any layout. (Maps keyed by [`Key`] use [`Key::lookup`].)

#[cfg(doc)]
use crate::Key;
use crate::fingerprint::fingerprint;
use crate::kernels::strided::TensorRef;
use crate::{FrozenKey, FrozenTensor};
use ndarray::{ArrayView, Dimension};
use std::borrow::Borrow;
use std::cell::OnceCell;
use std::hash::{Hash, Hasher};

mod sealed {
    pub trait Sealed {}
}

/// A tensor as maps keyed by [`FrozenTensor`] see it: a view and a fingerprint.
///
/// `FrozenTensor<A, D>` borrows as `dyn TensorLookup<A, D>`, and so does a
/// [`TensorQuery`]; that is what lets `HashMap::get` and friends take a view.
/// This trait is sealed.
pub trait TensorLookup<A, D: Dimension>: sealed::Sealed {
    /// The elements.
    #[doc(hidden)]
    fn lookup_tensor(&self) -> TensorRef<'_, A>;
    /// The per-process fingerprint that `Hash` writes.
    #[must_use]
    fn lookup_fingerprint(&self) -> u64;
}

impl<A, D: Dimension> sealed::Sealed for FrozenTensor<A, D> {}

impl<A: FrozenKey, D: Dimension> TensorLookup<A, D> for FrozenTensor<A, D> {
    fn lookup_tensor(&self) -> TensorRef<'_, A> {
        TensorRef::of_array(self.as_array())
    }
    fn lookup_fingerprint(&self) -> u64 {
        self.fingerprint()
    }
}

/// Hashes exactly like [`FrozenTensor`]'s `Hash`.
impl<A: FrozenKey, D: Dimension> Hash for dyn TensorLookup<A, D> + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.lookup_fingerprint());
    }
}

impl<A: FrozenKey, D: Dimension> PartialEq for dyn TensorLookup<A, D> + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.lookup_fingerprint() == other.lookup_fingerprint()
            && self.lookup_tensor().key_eq(&other.lookup_tensor())
    }
}

impl<A: FrozenKey, D: Dimension> Eq for dyn TensorLookup<A, D> + '_ {}

impl<'q, A: FrozenKey + 'q, D: Dimension + 'q> Borrow<dyn TensorLookup<A, D> + 'q>
    for FrozenTensor<A, D>
{
    fn borrow(&self) -> &(dyn TensorLookup<A, D> + 'q) {
        self
    }
}

/// A borrowed view prepared for looking up a tensor key in a map, without
/// copying or allocating; the view may have any layout.
///
/// * For `HashMap<FrozenTensor<A, D>, V>` and `HashSet<FrozenTensor<A, D>>`,
///   pass [`as_key`](TensorQuery::as_key) to `get`, `get_mut`, `contains_key`,
///   `remove`, `contains`. The view's fingerprint is computed once, on first use.
/// * Maps keyed by [`Key`]`<T>` (`Key<Array2<f32>>`, `Key<(Array2<f32>, String)>`,
///   ...) hash the full encoding instead of a fingerprint: query them with
///   [`Key::lookup`], which takes the view directly (`Key::lookup(&view)`).
///
/// ```
/// use std::collections::{HashMap, HashSet};
/// use ndarray::{array, s, Ix2};
/// use tensor_key::{Freeze, FrozenTensor, TensorQuery};
///
/// let image = array![[0.5f32, 0.25], [1.0, -0.0]];
/// let mut labels: HashMap<FrozenTensor<f32, Ix2>, &str> = HashMap::new();
/// labels.insert(image.view().freeze(), "cat");
///
/// // Look the entry up through a negative stride into other storage: same values.
/// let flipped = image.slice(s![..;-1, ..]).as_standard_layout().into_owned();
/// let query = TensorQuery::new(flipped.slice(s![..;-1, ..]));
/// assert_eq!(labels.get(query.as_key()), Some(&"cat"));
///
/// let set: HashSet<FrozenTensor<f32, Ix2>> = labels.into_keys().collect();
/// assert!(set.contains(TensorQuery::new(image.view()).as_key()));
/// ```
pub struct TensorQuery<'a, A, D: Dimension> {
    view: ArrayView<'a, A, D>,
    // Only FrozenTensor maps need it; computed on their first use.
    fingerprint: OnceCell<u64>,
}

impl<'a, A: FrozenKey, D: Dimension + 'a> TensorQuery<'a, A, D> {
    /// Prepares `view` for lookups.
    #[must_use]
    pub fn new(view: ArrayView<'a, A, D>) -> Self {
        TensorQuery {
            view,
            fingerprint: OnceCell::new(),
        }
    }

    /// The query as the borrowed key type of `FrozenTensor` maps.
    #[must_use]
    pub fn as_key(&self) -> &(dyn TensorLookup<A, D> + 'a) {
        self
    }
}

/// Shows the view.
impl<A: std::fmt::Debug, D: Dimension> std::fmt::Debug for TensorQuery<'_, A, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TensorQuery").field(&self.view).finish()
    }
}

impl<A, D: Dimension> sealed::Sealed for TensorQuery<'_, A, D> {}

impl<A: FrozenKey, D: Dimension> TensorLookup<A, D> for TensorQuery<'_, A, D> {
    fn lookup_tensor(&self) -> TensorRef<'_, A> {
        TensorRef::of_array(&self.view)
    }
    fn lookup_fingerprint(&self) -> u64 {
        *self.fingerprint.get_or_init(|| fingerprint(&self.view))
    }
}
