//! Borrowed lookups: query a map keyed by [`Key<T>`] with what the caller
//! holds (views, `&str`, slices, references), without cloning anything.
//!
//! * [`KeyBorrow`] gives every key type `T` a *borrowed form* `T::Ref<'a>`
//!   whose canonical encoding equals the key's, built from `&T` without
//!   allocating: [`TensorKeyRef`] for arrays, `&str` for `String`, `&[T]` for
//!   `Vec<T>`, tuples and options of borrowed forms, and so on.
//! * [`Lookup<T>`] is implemented by every value that can produce that
//!   borrowed form: the key itself, and the borrowed query types.
//! * `Key<T>` borrows as `dyn Lookup<T>` (the `Borrow` that `HashMap::get`
//!   asks for); [`Key::lookup`] turns a query into one.

use crate::kernels::strided::TensorRef;
use crate::{Bitwise, FloatPolicy, FrozenKey, FrozenTensor, Key, KeyStorage};
use crate::{encoder::Encoder, frozen_key::sealed::Internal};
use ndarray::{ArrayBase, Dimension};
use num_complex::Complex;
use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

/// A key type with a *borrowed form*: a cheap value, built from `&self`
/// without allocating, that has exactly the same canonical encoding (and so
/// the same hash under every [`Hasher`], and the same equality).
///
/// It is what lets a map keyed by [`Key<T>`](Key) be queried with borrowed
/// data through [`Key::lookup`]. The borrowed forms:
///
/// | key type `T` | `T::Ref<'a>` | queries that look it up ([`Lookup<T>`]) |
/// |---|---|---|
/// | ndarray array (`Array`, `ArcArray`, `ArrayView`, `CowArray`) | [`TensorKeyRef<'a, A>`] | any array or view of the same elements (any layout, any dimension type), `&` of one, a `TensorKeyRef` |
/// | `String`, `str` | `&'a str` | `&str`, `str`, `String`, `&String` |
/// | `Vec<T>`, `[T]` | `&'a [T]` | `&[T]`, `[T]`, `Vec<T>`, `[T; N]`, `&[T; N]`, `&Vec<T>` |
/// | `(A, B, ...)` | `(A::Ref<'a>, B::Ref<'a>, ...)` | tuples of queries of the parts |
/// | `Option<T>` | `Option<T::Ref<'a>>` | `Option` of a query of `T` |
/// | `Bitwise<T>` | `Bitwise<T::Ref<'a>>` | `Bitwise` of a query of `T` |
/// | `Box<T>`, `Rc<T>`, `Arc<T>`, `&T`, `Cow<T>`, `Key<T>` | `T::Ref<'a>` | `&Q` for a query `Q` of `T` (and the same pointer of it) |
/// | scalars (`bool`, `char`, integers, floats, complex), `()` | `Self` | the value, or a reference to it |
/// | `[T; N]`, `VecDeque<T>`, `BTreeMap<K, V>`, `BTreeSet<T>` | `&'a Self` | the value, or a reference to it |
/// | `FrozenTensor<A, D>` | [`TensorKeyRef<'a, A>`] | as for arrays |
/// | nalgebra matrix (feature `nalgebra`) | [`TensorKeyRef<'a, A>`] | any matrix or read-only view of the same elements, `&` of one, an ndarray array or view of the same shape (and a matrix looks up an ndarray key) |
/// | `#[derive(FrozenKey)]` type with `#[frozen_key(borrowed = "NameRef")]` | the generated `NameRef<'a>` | `NameRef`, the type itself, `&` of it |
///
/// ```
/// use ndarray::array;
/// use tensor_key::{FrozenKey, KeyBorrow};
///
/// let key = (array![[1.0f32, 2.0], [3.0, 4.0]], String::from("sum"), Some(vec![1u8, 2]));
/// let borrowed = key.as_key_ref(); // (TensorKeyRef<f32>, &str, Option<&[u8]>)
/// assert_eq!(borrowed.encoding(), key.encoding());
/// assert_eq!(borrowed.1, "sum");
/// ```
///
/// # Implementing it
///
/// `#[derive(FrozenKey)]` implements it when asked to with
/// `#[frozen_key(borrowed = "NameRef")]`. By hand, choose a `Ref` whose
/// encoding and equality are exactly those of `Self` (a test comparing
/// [`encoding`](FrozenKey::encoding)s is a good idea), and implement
/// [`Lookup<Self>`] for `Self` and for `Ref`:
///
/// ```
/// use tensor_key::{Encoder, FloatPolicy, FrozenKey, KeyBorrow, Lookup};
///
/// struct Name(String);
/// impl FrozenKey for Name {
///     fn encode(&self, enc: &mut Encoder<'_>) { self.0.encode(enc) }
///     fn key_eq_with(&self, other: &Self, _: FloatPolicy) -> bool { self.0 == other.0 }
/// }
/// impl KeyBorrow for Name {
///     type Ref<'a> = &'a str;
///     fn as_key_ref(&self) -> &str { &self.0 }
///     fn reborrow<'s, 'l: 's>(r: &'s &'l str) -> &'s str { r }
/// }
/// impl Lookup<Name> for Name {
///     fn key_ref(&self) -> &str { &self.0 }
/// }
///
/// let name = Name("ada".into());
/// assert_eq!(name.as_key_ref().encoding(), name.encoding());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no borrowed form for lookups",
    label = "`{Self}` does not implement `KeyBorrow`",
    note = "for a `#[derive(FrozenKey)]` type, add `#[frozen_key(borrowed)]` (or `borrowed = \"NameRef\"`) to generate one",
    note = "for a type with a hand-written `FrozenKey` impl, implement `KeyBorrow` and `Lookup` (see the `KeyBorrow` documentation)"
)]
pub trait KeyBorrow: FrozenKey {
    /// The borrowed form: same encoding, same equality, no allocation to make.
    type Ref<'a>: FrozenKey + Clone
    where
        Self: 'a;

    /// The borrowed form of `self`.
    ///
    /// ```
    /// use tensor_key::{FrozenKey, KeyBorrow};
    /// let v = vec![String::from("a"), String::from("b")];
    /// let r: &[String] = v.as_key_ref();
    /// assert_eq!(r.encoding(), v.encoding());
    /// ```
    fn as_key_ref(&self) -> Self::Ref<'_>;

    /// The same borrowed form with a shorter lifetime. Always a copy of `r`:
    /// every borrowed form is covariant, but Rust cannot see that through the
    /// associated type, so generic code (the derive's) asks for it here.
    /// Implement it as `r.clone()` (or component-wise through the parts'
    /// `reborrow` when `Ref` mentions a type parameter).
    ///
    /// ```
    /// use tensor_key::KeyBorrow;
    /// let long: Option<&str> = Some("x");
    /// let short: Option<&str> = <Option<String>>::reborrow(&long);
    /// assert_eq!(short, Some("x"));
    /// ```
    fn reborrow<'s, 'l: 's>(r: &'s Self::Ref<'l>) -> Self::Ref<'s>
    where
        Self: 'l;
}

/// A value that can look up a key of type `T`: it produces `T`'s borrowed form
/// ([`KeyBorrow::Ref`]), whose encoding is exactly what an equal key encodes.
///
/// `Key<T>` implements `Borrow<dyn Lookup<T>>`, so `HashMap<Key<T>, V>`,
/// `HashSet<Key<T>>` and their `get`, `get_mut`, `get_key_value`,
/// `contains_key`, `remove`, `contains`, `take` accept a
/// `&dyn Lookup<T>`: get one with [`Key::lookup`]. Its `Hash` is the key's
/// `Hash` (the same bytes in the same `write` calls), and its equality is
/// exact canonical equality, never a comparison of hashes.
///
/// ```
/// use std::collections::HashMap;
/// use ndarray::{array, Array2};
/// use tensor_key::Key;
///
/// let mut memo: HashMap<Key<(Array2<f32>, String)>, f32> = HashMap::new();
/// let x = array![[1.0f32, 2.0], [3.0, 4.0]];
/// memo.insert(Key::new((x.clone(), "sum".to_string())), 10.0);
///
/// // Look up with what you hold: a view (here a transposed one) and a `&str`.
/// let xt = x.t().as_standard_layout().into_owned();
/// assert_eq!(memo.get(Key::lookup(&(xt.t(), "sum"))), Some(&10.0));
/// assert_eq!(memo.get(Key::lookup(&(x.view(), "max"))), None);
/// ```
///
/// Implemented for the key types themselves, their borrowed forms, and the
/// query types listed on [`KeyBorrow`]; a derived type gets impls from
/// `#[frozen_key(borrowed = "NameRef")]`.
///
/// `hashbrown` and `indexmap` maps and sets keyed by `Key<T>` accept the same
/// queries: their `Equivalent` trait is implemented for every `Q` that the key
/// `Borrow`s as, so no feature is needed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot look up keys of type `{T}`",
    label = "not a borrowed form of `{T}`",
    note = "a query must encode exactly like the key: an array or view (any layout) for an array, `&str` for `String`, a slice for `Vec`, the same scalar type for a scalar, and tuples and `Option`s of these",
    note = "for a `#[derive(FrozenKey)]` type, add `#[frozen_key(borrowed = \"NameRef\")]` and query with the generated `NameRef`"
)]
pub trait Lookup<T: KeyBorrow + ?Sized> {
    /// `T`'s borrowed form of this query.
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use tensor_key::{FrozenKey, Lookup};
    ///
    /// let v = array![1u8, 2, 3];
    /// let query = (v.view(), "x");
    /// let r = Lookup::<(Array1<u8>, String)>::key_ref(&query);
    /// assert_eq!(r.encoding(), (v.clone(), String::from("x")).encoding());
    /// ```
    fn key_ref(&self) -> T::Ref<'_>;
}

impl<T: KeyBorrow> Key<T> {
    /// A borrowed query for maps and sets keyed by `Key<T>`: pass the result to
    /// `get`, `get_mut`, `get_key_value`, `contains_key`, `remove`, `contains`
    /// and `take`. The query is anything that [`Lookup<T>`] accepts; for
    /// `Key<(Array2<f32>, String)>`, a `(ArrayView2<f32>, &str)`. Nothing is
    /// cloned or allocated, and the hash is the one the key would have.
    ///
    /// `map.get(&Key::new((x.view(), "sum")))` does not compile for such a map
    /// (`Key<(Array2<f32>, String)>` does not implement
    /// `Borrow<Key<(ArrayView2<f32>, &str)>>`; rustc adds that it implements
    /// `Borrow<dyn Lookup<...>>`): `Borrow` must hand out a reference to a value
    /// inside the key, and a key holds no view. This is the borrowed form
    /// `HashMap::get` asks for.
    ///
    /// ```
    /// use std::collections::{HashMap, HashSet};
    /// use ndarray::{array, Array2, ArrayD, IxDyn};
    /// use tensor_key::Key;
    ///
    /// let x = array![[0.5f32, -0.0], [f32::NAN, 2.0]];
    /// let mut memo: HashMap<Key<(Array2<f32>, String)>, u32> = HashMap::new();
    /// memo.insert(Key::new((x.clone(), "sum".to_string())), 1);
    ///
    /// let q = (x.view(), "sum");
    /// assert_eq!(memo.get(Key::lookup(&q)), Some(&1));
    /// *memo.get_mut(Key::lookup(&q)).unwrap() += 1;
    /// // Canonical floats: another NaN and +0.0 find the same entry.
    /// let y = array![[0.5f32, 0.0], [-f32::NAN, 2.0]];
    /// assert_eq!(memo.remove(Key::lookup(&(y.view(), "sum"))), Some(2));
    ///
    /// let mut seen: HashSet<Key<(ArrayD<u8>, Option<Vec<u32>>)>> = HashSet::new();
    /// let t = ArrayD::<u8>::zeros(IxDyn(&[1, 2, 1, 2, 1, 2]));
    /// seen.insert(Key::new((t.clone(), Some(vec![7, 8]))));
    /// assert!(seen.contains(Key::lookup(&(t.view(), Some(&[7u32, 8][..])))));
    /// assert!(!seen.contains(Key::lookup(&(t.view(), None::<&[u32]>))));
    /// ```
    #[inline]
    pub fn lookup<'q, Q: Lookup<T> + 'q>(query: &'q Q) -> &'q (dyn Lookup<T> + 'q) {
        query
    }
}

/// Hashes exactly like `Key<T>`'s `Hash`: the canonical encoding of the
/// borrowed form, which is the key's encoding, through [`FrozenKey::key_hash`].
impl<T: KeyBorrow + ?Sized> Hash for dyn Lookup<T> + '_ {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key_ref().key_hash(state);
    }
}

/// Exact canonical equality of the two borrowed forms.
impl<T: KeyBorrow + ?Sized> PartialEq for dyn Lookup<T> + '_ {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.key_ref().key_eq(&other.key_ref())
    }
}

impl<T: KeyBorrow + ?Sized> Eq for dyn Lookup<T> + '_ {}

impl<T: KeyBorrow + ?Sized> fmt::Debug for dyn Lookup<T> + '_
where
    for<'a> T::Ref<'a>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lookup").field(&self.key_ref()).finish()
    }
}

/// What lets `HashMap<Key<T>, V>::get` take a [`Key::lookup`] query.
impl<'q, T: KeyBorrow + 'q> Borrow<dyn Lookup<T> + 'q> for Key<T> {
    #[inline]
    fn borrow(&self) -> &(dyn Lookup<T> + 'q) {
        self
    }
}

impl<T: KeyBorrow> Lookup<T> for Key<T> {
    #[inline]
    fn key_ref(&self) -> T::Ref<'_> {
        self.get().as_key_ref()
    }
}

impl<T: KeyBorrow> KeyBorrow for Key<T> {
    type Ref<'a>
        = T::Ref<'a>
    where
        Self: 'a;
    #[inline]
    fn as_key_ref(&self) -> T::Ref<'_> {
        self.get().as_key_ref()
    }
    #[inline]
    fn reborrow<'s, 'l: 's>(r: &'s T::Ref<'l>) -> T::Ref<'s>
    where
        Self: 'l,
    {
        T::reborrow(r)
    }
}

impl<T: KeyBorrow, Q: Lookup<T> + ?Sized> Lookup<Key<T>> for &Q {
    #[inline]
    fn key_ref(&self) -> T::Ref<'_> {
        (**self).key_ref()
    }
}

// ---------------------------------------------------------------------------
// Tensors

/// The borrowed form of an ndarray array (and of a [`FrozenTensor`] and, with
/// feature `nalgebra`, of a nalgebra matrix): the elements' memory, extents
/// and strides, borrowed without copying and without allocating at any rank. It encodes, hashes and compares exactly like the
/// array it was made from.
///
/// Make one with [`KeyBorrow::as_key_ref`] or `From<&ArrayBase>`; lookups make
/// them for you from views.
///
/// ```
/// use ndarray::{array, s};
/// use tensor_key::{FrozenKey, KeyBorrow, TensorKeyRef};
///
/// let a = array![[1u16, 2, 3], [4, 5, 6]];
/// let reversed = a.slice(s![.., ..;-1]);
/// let r: TensorKeyRef<'_, u16> = reversed.as_key_ref();
/// assert_eq!(r.shape(), &[2, 3]);
/// assert_eq!(r.encoding(), reversed.to_owned().encoding());
/// assert!(TensorKeyRef::from(&a).key_eq(&a.as_key_ref()));
/// ```
pub struct TensorKeyRef<'a, A> {
    repr: Repr<'a, A>,
}

enum Repr<'a, A> {
    /// An ndarray array: its own shape and strides, borrowed.
    Array(TensorRef<'a, A>),
    /// A nalgebra matrix, whose shape and strides are computed, so held here.
    #[cfg(feature = "nalgebra")]
    Matrix {
        ptr: *const A,
        shape: [usize; 2],
        strides: [isize; 2],
        _elements: std::marker::PhantomData<&'a A>,
    },
}

impl<A> Clone for TensorKeyRef<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for TensorKeyRef<'_, A> {}
impl<A> Clone for Repr<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for Repr<'_, A> {}

// SAFETY: a `TensorKeyRef<'a, A>` only reads `A`s borrowed for `'a`, like
// `&'a [A]`, which is `Send` and `Sync` when `A: Sync`.
unsafe impl<A: Sync> Send for TensorKeyRef<'_, A> {}
// SAFETY: as above.
unsafe impl<A: Sync> Sync for TensorKeyRef<'_, A> {}

impl<A> TensorKeyRef<'_, A> {
    /// The extents.
    ///
    /// ```
    /// use ndarray::Array3;
    /// use tensor_key::TensorKeyRef;
    /// let a = Array3::<f64>::zeros((2, 3, 4));
    /// assert_eq!(TensorKeyRef::from(&a).shape(), &[2, 3, 4]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        match &self.repr {
            Repr::Array(t) => t.shape(),
            #[cfg(feature = "nalgebra")]
            Repr::Matrix { shape, .. } => shape,
        }
    }

    /// Runs `f` on the elements as the kernels see them.
    #[inline]
    fn with_tensor<R>(&self, f: impl FnOnce(TensorRef<'_, A>) -> R) -> R {
        match &self.repr {
            Repr::Array(t) => f(*t),
            #[cfg(feature = "nalgebra")]
            Repr::Matrix {
                ptr,
                shape,
                strides,
                ..
            } => {
                // SAFETY: built by `of_matrix` from a matrix borrowed for `'a`,
                // which outlives this borrow of `self`: see there.
                f(unsafe { TensorRef::from_raw(*ptr, shape, strides) })
            }
        }
    }
}

impl<'a, A, S: KeyStorage<Elem = A>, D: Dimension> From<&'a ArrayBase<S, D>>
    for TensorKeyRef<'a, A>
{
    #[inline]
    fn from(array: &'a ArrayBase<S, D>) -> Self {
        TensorKeyRef {
            repr: Repr::Array(TensorRef::of_array(array)),
        }
    }
}

impl<A> fmt::Debug for TensorKeyRef<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TensorKeyRef")
            .field("shape", &self.shape())
            .finish_non_exhaustive()
    }
}

/// Exactly the encoding and equality of the array it borrows (the same code
/// runs for both), also as an element.
impl<A: FrozenKey> FrozenKey for TensorKeyRef<'_, A> {
    #[inline]
    fn encode(&self, enc: &mut Encoder<'_>) {
        self.with_tensor(|t| t.encode(enc));
    }
    #[inline]
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.with_tensor(|a| other.with_tensor(|b| a.key_eq_with(&b, floats)))
    }
    #[inline]
    fn __element_block(count: usize, enc: &mut Encoder<'_>, i: Internal) {
        <TensorRef<'_, A> as FrozenKey>::__element_block(count, enc, i);
    }
    #[inline]
    fn __encode_element(&self, enc: &mut Encoder<'_>, i: Internal) {
        self.with_tensor(|t| t.__encode_element(enc, i));
    }
}

impl<'b, A: FrozenKey> KeyBorrow for TensorKeyRef<'b, A> {
    type Ref<'a>
        = TensorKeyRef<'a, A>
    where
        Self: 'a;
    #[inline]
    fn as_key_ref(&self) -> TensorKeyRef<'_, A> {
        *self
    }
    #[inline]
    fn reborrow<'s, 'l: 's>(r: &'s TensorKeyRef<'l, A>) -> TensorKeyRef<'s, A>
    where
        Self: 'l,
    {
        *r
    }
}

impl<A: FrozenKey> Lookup<TensorKeyRef<'_, A>> for TensorKeyRef<'_, A> {
    #[inline]
    fn key_ref(&self) -> TensorKeyRef<'_, A> {
        *self
    }
}

impl<A: FrozenKey, S: KeyStorage<Elem = A>, D: Dimension> KeyBorrow for ArrayBase<S, D> {
    type Ref<'a>
        = TensorKeyRef<'a, A>
    where
        Self: 'a;
    #[inline]
    fn as_key_ref(&self) -> TensorKeyRef<'_, A> {
        TensorKeyRef::from(self)
    }
    #[inline]
    fn reborrow<'s, 'l: 's>(r: &'s TensorKeyRef<'l, A>) -> TensorKeyRef<'s, A>
    where
        Self: 'l,
    {
        *r
    }
}

impl<A: FrozenKey, D: Dimension> KeyBorrow for FrozenTensor<A, D> {
    type Ref<'a>
        = TensorKeyRef<'a, A>
    where
        Self: 'a;
    #[inline]
    fn as_key_ref(&self) -> TensorKeyRef<'_, A> {
        TensorKeyRef::from(self.as_array())
    }
    #[inline]
    fn reborrow<'s, 'l: 's>(r: &'s TensorKeyRef<'l, A>) -> TensorKeyRef<'s, A>
    where
        Self: 'l,
    {
        *r
    }
}

/// Lookups of a tensor key type `$key` (with generics `$gen`) by arrays of any
/// storage and dimension, references to them, frozen tensors and
/// `TensorKeyRef`s.
macro_rules! tensor_lookups {
    ($([$($gen:tt)*] $key:ty;)*) => {$(
        impl<$($gen)*, S2: KeyStorage<Elem = A>, D2: Dimension> Lookup<$key> for ArrayBase<S2, D2> {
            #[inline]
            fn key_ref(&self) -> TensorKeyRef<'_, A> {
                TensorKeyRef::from(self)
            }
        }
        impl<$($gen)*, S2: KeyStorage<Elem = A>, D2: Dimension> Lookup<$key> for &ArrayBase<S2, D2> {
            #[inline]
            fn key_ref(&self) -> TensorKeyRef<'_, A> {
                TensorKeyRef::from(*self)
            }
        }
        impl<$($gen)*, D2: Dimension> Lookup<$key> for FrozenTensor<A, D2> {
            #[inline]
            fn key_ref(&self) -> TensorKeyRef<'_, A> {
                TensorKeyRef::from(self.as_array())
            }
        }
        impl<$($gen)*, D2: Dimension> Lookup<$key> for &FrozenTensor<A, D2> {
            #[inline]
            fn key_ref(&self) -> TensorKeyRef<'_, A> {
                TensorKeyRef::from(self.as_array())
            }
        }
        impl<$($gen)*> Lookup<$key> for TensorKeyRef<'_, A> {
            #[inline]
            fn key_ref(&self) -> TensorKeyRef<'_, A> {
                *self
            }
        }
    )*};
}

tensor_lookups! {
    [A: FrozenKey, S: KeyStorage<Elem = A>, D: Dimension] ArrayBase<S, D>;
    [A: FrozenKey, D: Dimension] FrozenTensor<A, D>;
}

// ---------------------------------------------------------------------------
// Scalars and other values that are their own borrowed form

/// `Ref = Self` (a copy), looked up by the value or a reference to it.
macro_rules! by_value {
    ($($t:ty),* $(,)?) => {$(
        impl KeyBorrow for $t {
            type Ref<'a> = $t;
            #[inline]
            fn as_key_ref(&self) -> $t {
                *self
            }
            #[inline]
            fn reborrow<'s, 'l: 's>(r: &'s $t) -> $t {
                *r
            }
        }
        impl Lookup<$t> for $t {
            #[inline]
            fn key_ref(&self) -> $t {
                *self
            }
        }
        impl Lookup<$t> for &$t {
            #[inline]
            fn key_ref(&self) -> $t {
                **self
            }
        }
    )*};
}

by_value!(
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    Complex<f32>,
    Complex<f64>,
    (),
);

#[cfg(feature = "half")]
by_value!(half::f16, half::bf16);

/// `Ref = &Self`, looked up by the value or a reference to it.
macro_rules! by_reference {
    ($([$($gen:tt)*] $t:ty;)*) => {$(
        impl<$($gen)*> KeyBorrow for $t {
            type Ref<'a> = &'a $t where Self: 'a;
            #[inline]
            fn as_key_ref(&self) -> &$t {
                self
            }
            #[inline]
            fn reborrow<'s, 'l: 's>(r: &'s &'l $t) -> &'s $t where Self: 'l {
                r
            }
        }
        impl<$($gen)*> Lookup<$t> for $t {
            #[inline]
            fn key_ref(&self) -> &$t {
                self
            }
        }
        impl<$($gen)*> Lookup<$t> for &$t {
            #[inline]
            fn key_ref(&self) -> &$t {
                self
            }
        }
    )*};
}

by_reference! {
    [T: FrozenKey, const N: usize] [T; N];
    [T: FrozenKey] VecDeque<T>;
    [K: FrozenKey, V: FrozenKey] BTreeMap<K, V>;
    [T: FrozenKey] BTreeSet<T>;
}

// ---------------------------------------------------------------------------
// Strings and sequences

/// `Ref = &$target`, looked up by each of `$query` (all of which deref to it).
macro_rules! by_slice {
    (@key [$($gen:tt)*] $key:ty => $target:ty) => {
        impl<$($gen)*> KeyBorrow for $key {
            type Ref<'a> = &'a $target where Self: 'a;
            #[inline]
            fn as_key_ref(&self) -> &$target {
                self
            }
            #[inline]
            fn reborrow<'s, 'l: 's>(r: &'s &'l $target) -> &'s $target where Self: 'l {
                r
            }
        }
    };
    (@lookup [$($gen:tt)*] $key:ty => $target:ty: $query:ty) => {
        impl<$($gen)*> Lookup<$key> for $query {
            #[inline]
            fn key_ref(&self) -> &$target {
                self
            }
        }
    };
    ($($gens:tt $key:ty => $target:ty: $($query:ty),*;)*) => {$(
        by_slice!(@key $gens $key => $target);
        $(by_slice!(@lookup $gens $key => $target: $query);)*
    )*};
}

by_slice! {
    [] str => str: str, &str, String, &String;
    [] String => str: str, &str, String, &String;
    [T: FrozenKey] [T] => [T]: [T], &[T], Vec<T>, &Vec<T>;
    [T: FrozenKey] Vec<T> => [T]: [T], &[T], Vec<T>, &Vec<T>;
}

impl<T: FrozenKey, const N: usize> Lookup<[T]> for [T; N] {
    #[inline]
    fn key_ref(&self) -> &[T] {
        self
    }
}
impl<T: FrozenKey, const N: usize> Lookup<[T]> for &[T; N] {
    #[inline]
    fn key_ref(&self) -> &[T] {
        *self
    }
}
impl<T: FrozenKey, const N: usize> Lookup<Vec<T>> for [T; N] {
    #[inline]
    fn key_ref(&self) -> &[T] {
        self
    }
}
impl<T: FrozenKey, const N: usize> Lookup<Vec<T>> for &[T; N] {
    #[inline]
    fn key_ref(&self) -> &[T] {
        *self
    }
}

// ---------------------------------------------------------------------------
// Option, tuples, Bitwise

impl<T: KeyBorrow> KeyBorrow for Option<T> {
    type Ref<'a>
        = Option<T::Ref<'a>>
    where
        Self: 'a;
    #[inline]
    fn as_key_ref(&self) -> Option<T::Ref<'_>> {
        self.as_ref().map(T::as_key_ref)
    }
    #[inline]
    fn reborrow<'s, 'l: 's>(r: &'s Option<T::Ref<'l>>) -> Option<T::Ref<'s>>
    where
        Self: 'l,
    {
        r.as_ref().map(T::reborrow)
    }
}

impl<T: KeyBorrow, Q: Lookup<T>> Lookup<Option<T>> for Option<Q> {
    #[inline]
    fn key_ref(&self) -> Option<T::Ref<'_>> {
        self.as_ref().map(Q::key_ref)
    }
}

impl<T: KeyBorrow> KeyBorrow for Bitwise<T> {
    type Ref<'a>
        = Bitwise<T::Ref<'a>>
    where
        Self: 'a;
    #[inline]
    fn as_key_ref(&self) -> Bitwise<T::Ref<'_>> {
        Bitwise(self.0.as_key_ref())
    }
    #[inline]
    fn reborrow<'s, 'l: 's>(r: &'s Bitwise<T::Ref<'l>>) -> Bitwise<T::Ref<'s>>
    where
        Self: 'l,
    {
        Bitwise(T::reborrow(&r.0))
    }
}

impl<T: KeyBorrow, Q: Lookup<T>> Lookup<Bitwise<T>> for Bitwise<Q> {
    #[inline]
    fn key_ref(&self) -> Bitwise<T::Ref<'_>> {
        Bitwise(self.0.key_ref())
    }
}

macro_rules! tuple_lookup {
    ($(($($t:ident $q:ident $i:tt),+);)*) => {$(
        impl<$($t: KeyBorrow),+> KeyBorrow for ($($t,)+) {
            type Ref<'a> = ($($t::Ref<'a>,)+) where Self: 'a;
            #[inline]
            fn as_key_ref(&self) -> Self::Ref<'_> {
                ($(self.$i.as_key_ref(),)+)
            }
            #[inline]
            fn reborrow<'s, 'l: 's>(r: &'s Self::Ref<'l>) -> Self::Ref<'s> where Self: 'l {
                ($($t::reborrow(&r.$i),)+)
            }
        }
        impl<$($t: KeyBorrow, $q: Lookup<$t>),+> Lookup<($($t,)+)> for ($($q,)+) {
            #[inline]
            fn key_ref(&self) -> ($($t::Ref<'_>,)+) {
                ($(self.$i.key_ref(),)+)
            }
        }
    )*};
}

tuple_lookup! {
    (A QA 0);
    (A QA 0, B QB 1);
    (A QA 0, B QB 1, C QC 2);
    (A QA 0, B QB 1, C QC 2, D QD 3);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5, G QG 6);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5, G QG 6, H QH 7);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5, G QG 6, H QH 7, I QI 8);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5, G QG 6, H QH 7, I QI 8, J QJ 9);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5, G QG 6, H QH 7, I QI 8, J QJ 9, K QK 10);
    (A QA 0, B QB 1, C QC 2, D QD 3, E QE 4, F QF 5, G QG 6, H QH 7, I QI 8, J QJ 9, K QK 10, L QL 11);
}

// ---------------------------------------------------------------------------
// Pointers: the borrowed form of what they point to

macro_rules! pointer_lookup {
    (@key [$($gen:tt)*] $ptr:ty => $t:ident) => {
        impl<$($gen)*> KeyBorrow for $ptr {
            type Ref<'a> = $t::Ref<'a> where Self: 'a;
            #[inline]
            fn as_key_ref(&self) -> $t::Ref<'_> {
                (**self).as_key_ref()
            }
            #[inline]
            fn reborrow<'s, 'l: 's>(r: &'s $t::Ref<'l>) -> $t::Ref<'s> where Self: 'l {
                $t::reborrow(r)
            }
        }
        impl<$($gen)*, Q: Lookup<$t> + ?Sized> Lookup<$ptr> for &Q {
            #[inline]
            fn key_ref(&self) -> $t::Ref<'_> {
                (**self).key_ref()
            }
        }
    };
    (@same [$($gen:tt)*] $ptr:ty => $t:ident, $same:ident) => {
        impl<$($gen)*, Q: Lookup<$t> + ?Sized> Lookup<$ptr> for $same<Q> {
            #[inline]
            fn key_ref(&self) -> $t::Ref<'_> {
                (**self).key_ref()
            }
        }
    };
    ($($gens:tt $ptr:ty => $t:ident $(, $same:ident)?;)*) => {$(
        pointer_lookup!(@key $gens $ptr => $t);
        $(pointer_lookup!(@same $gens $ptr => $t, $same);)?
    )*};
}

pointer_lookup! {
    ['k, T: KeyBorrow + ?Sized] &'k T => T;
    [T: KeyBorrow + ?Sized] Box<T> => T, Box;
    [T: KeyBorrow + ?Sized] Rc<T> => T, Rc;
    [T: KeyBorrow + ?Sized] Arc<T> => T, Arc;
    ['k, T: KeyBorrow + ToOwned + ?Sized] Cow<'k, T> => T;
}

// ---------------------------------------------------------------------------
// nalgebra matrices: the same borrowed form as arrays, so each looks the
// other up (they share encodings).

#[cfg(feature = "nalgebra")]
mod matrices {
    use super::{KeyBorrow, Lookup, Repr, TensorKeyRef};
    use crate::{FrozenKey, FrozenTensor, KeyStorage, MatrixKeyStorage};
    use nalgebra::{Dim, Matrix};
    use ndarray::{ArrayBase, Dimension};
    use std::marker::PhantomData;

    impl<'a, T> TensorKeyRef<'a, T> {
        /// The matrix as a rank-2 tensor of shape `(nrows, ncols)`.
        fn of_matrix<R: Dim, C: Dim, S: MatrixKeyStorage<T, R, C>>(
            m: &'a Matrix<T, R, C, S>,
        ) -> Self {
            let (rows, cols) = m.shape();
            let (row_stride, col_stride) = m.strides();
            // nalgebra strides are in elements and never exceed the storage.
            // `MatrixKeyStorage` is implemented only for nalgebra's owned
            // storage and read-only views, whose `RawStorage` contract (an
            // unsafe trait) places element `(i, j)` at
            // `ptr + i * row_stride + j * col_stride` for `i < rows`,
            // `j < cols`, initialized and borrowed as long as `m` (for `'a`);
            // the element count fits the allocation, so it is at most
            // `isize::MAX`. That is `TensorRef::from_raw`'s contract, which
            // `with_tensor` relies on.
            TensorKeyRef {
                repr: Repr::Matrix {
                    ptr: m.data.ptr(),
                    shape: [rows, cols],
                    strides: [row_stride as isize, col_stride as isize],
                    _elements: PhantomData,
                },
            }
        }
    }

    impl<'a, T, R: Dim, C: Dim, S: MatrixKeyStorage<T, R, C>> From<&'a Matrix<T, R, C, S>>
        for TensorKeyRef<'a, T>
    {
        #[inline]
        fn from(m: &'a Matrix<T, R, C, S>) -> Self {
            TensorKeyRef::of_matrix(m)
        }
    }

    impl<T: FrozenKey, R: Dim, C: Dim, S: MatrixKeyStorage<T, R, C>> KeyBorrow for Matrix<T, R, C, S> {
        type Ref<'a>
            = TensorKeyRef<'a, T>
        where
            Self: 'a;
        #[inline]
        fn as_key_ref(&self) -> TensorKeyRef<'_, T> {
            TensorKeyRef::of_matrix(self)
        }
        #[inline]
        fn reborrow<'s, 'l: 's>(r: &'s TensorKeyRef<'l, T>) -> TensorKeyRef<'s, T>
        where
            Self: 'l,
        {
            *r
        }
    }

    /// Lookups of the tensor key type `$key` by matrices of any storage and
    /// shape type, and references to them.
    macro_rules! by_matrices {
        ($([$($gen:tt)*] $key:ty;)*) => {$(
            impl<$($gen)*, R2: Dim, C2: Dim, S2: MatrixKeyStorage<T, R2, C2>> Lookup<$key>
                for Matrix<T, R2, C2, S2>
            {
                #[inline]
                fn key_ref(&self) -> TensorKeyRef<'_, T> {
                    TensorKeyRef::of_matrix(self)
                }
            }
            impl<$($gen)*, R2: Dim, C2: Dim, S2: MatrixKeyStorage<T, R2, C2>> Lookup<$key>
                for &Matrix<T, R2, C2, S2>
            {
                #[inline]
                fn key_ref(&self) -> TensorKeyRef<'_, T> {
                    TensorKeyRef::of_matrix(*self)
                }
            }
        )*};
    }

    by_matrices! {
        [T: FrozenKey, R: Dim, C: Dim, S: MatrixKeyStorage<T, R, C>] Matrix<T, R, C, S>;
        [T: FrozenKey, S: KeyStorage<Elem = T>, D: Dimension] ArrayBase<S, D>;
        [T: FrozenKey, D: Dimension] FrozenTensor<T, D>;
    }

    // Matrix keys looked up by arrays, frozen tensors and `TensorKeyRef`s.
    tensor_lookups! {
        [A: FrozenKey, R: Dim, C: Dim, S: MatrixKeyStorage<A, R, C>] Matrix<A, R, C, S>;
    }
}
