//! [`Key`]: the wrapper that makes any [`FrozenKey`] a `HashMap` key.

use crate::FrozenKey;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Makes any [`FrozenKey`] value a `HashMap`/`HashSet` key: `Hash` and `Eq`
/// follow the canonical encoding, so a Fortran-ordered copy of a tensor finds the
/// entry stored under the C-ordered original.
///
/// A `Key` gives read-only access only (`Deref`, `AsRef`, [`get`](Key::get));
/// there is no way to mutate the value while it can be in a map.
///
/// ```compile_fail,E0596
/// use tensor_key::Key;
/// let mut k = Key::new(vec![1u8]);
/// k.push(2); // error: `Key` has no `DerefMut`
/// ```
///
/// To look an entry up with borrowed data (a view instead of an array, `&str`
/// instead of `String`, a slice instead of a `Vec`), without cloning, pass
/// [`Key::lookup`]`(&query)` to `get`, `contains_key`, `remove`, ...: `Key<T>`
/// implements `Borrow<dyn Lookup<T>>`, the borrowed form those methods accept.
///
/// ```
/// use std::collections::HashMap;
/// use ndarray::{array, Array2, ShapeBuilder};
/// use tensor_key::Key;
///
/// let mut cache: HashMap<Key<(Array2<f32>, u32)>, &str> = HashMap::new();
/// let x = array![[1.0f32, 2.0], [3.0, 4.0]];
/// cache.insert(Key::new((x.clone(), 7)), "seen");
///
/// let mut fortran = Array2::<f32>::zeros((2, 2).f());
/// fortran.assign(&x);
/// assert_eq!(cache.get(&Key::new((fortran, 7))), Some(&"seen"));
///
/// // The same lookup without building an owned key: a view of any layout.
/// assert_eq!(cache.get(Key::lookup(&(x.t().t(), 7u32))), Some(&"seen"));
/// ```
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct Key<T>(T);

impl<T: FrozenKey> Key<T> {
    /// Wraps a value as a key.
    ///
    /// ```
    /// use tensor_key::Key;
    /// let k = Key::new((f64::NAN, "x"));
    /// assert!(k == Key::new((-f64::NAN, "x")));
    /// assert_eq!(k.get().1, "x");
    /// let (nan, _) = k.into_inner();
    /// assert!(nan.is_nan());
    /// ```
    #[must_use]
    pub const fn new(value: T) -> Self {
        Key(value)
    }

    /// Unwraps the value.
    #[must_use]
    pub fn into_inner(self) -> T {
        self.0
    }

    /// The value, read-only.
    #[must_use]
    pub const fn get(&self) -> &T {
        &self.0
    }
}

impl<T: FrozenKey> From<T> for Key<T> {
    fn from(value: T) -> Self {
        Key(value)
    }
}

impl<T> Deref for Key<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> AsRef<T> for Key<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

impl<T: FrozenKey> PartialEq for Key<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.key_eq(&other.0)
    }
}

impl<T: FrozenKey> Eq for Key<T> {}

impl<T: FrozenKey> Hash for Key<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.key_hash(state);
    }
}

impl<T: fmt::Debug> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Key").field(&self.0).finish()
    }
}

// A `Key` encodes exactly like the value it wraps, also as an element.
crate::frozen_key::delegate_frozen_key! {
    [T: FrozenKey] Key<T> => T;
}
