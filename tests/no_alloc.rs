//! Encoding, hashing, `key_eq` and `digest` of tensors in any layout allocate
//! nothing: a counting global allocator proves it.

use ndarray::{
    Array, Array2, ArrayD, ArrayViewD, Dimension, Ix0, Ix1, Ix2, Ix3, Ix4, Ix5, Ix6, IxDyn,
    ShapeBuilder, s,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};
use tensor_key::{Bitwise, FrozenKey, KeySink};

struct Counting;

thread_local! {
    // Per thread, so the test harness's own threads do not disturb the count.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: delegates to the system allocator; the counter is a const-initialized
// thread-local `Cell`, which itself never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// A sink that only counts bytes, so the sink itself allocates nothing.
struct CountingSink(usize);

impl KeySink for CountingSink {
    fn write(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

fn assert_no_allocation<K: FrozenKey + ?Sized>(name: &str, a: &K, b: &K) {
    let state = foldhash::quality::FixedState::with_seed(3);
    let n = allocations_during(|| {
        let mut sink = CountingSink(0);
        a.encode_into(&mut sink);
        assert!(sink.0 > 0);
        let mut h = std::hash::DefaultHasher::new();
        a.key_hash(&mut h);
        let mut f = state.build_hasher();
        b.key_hash(&mut f);
        std::hint::black_box((h.finish(), f.finish()));
        assert!(a.key_eq(b));
        std::hint::black_box(a.digest());
        std::hint::black_box(Bitwise(a).digest());
    });
    assert_eq!(n, 0, "{name}: {n} allocations");
}

#[test]
fn the_counter_sees_allocations() {
    // Guards against a counter that never counts.
    let n = allocations_during(|| {
        std::hint::black_box(vec![1u8; 10]);
    });
    assert!(n >= 1);
}

#[test]
fn tensors_of_any_layout_allocate_nothing() {
    let mut c = Array::from_shape_fn((300, 257), |(i, j)| (i * 257 + j) as f32);
    c[[7, 7]] = f32::NAN;
    c[[200, 3]] = -0.0;
    let mut f = Array2::<f32>::zeros((300, 257).f());
    f.assign(&c);
    let big = Array::from_shape_fn((600, 514), |(i, j)| (i * 514 + j) as f32);
    let stepped = big.slice(s![..;2, ..;2]);
    let reversed_store = c.slice(s![..;-1, ..;-1]).as_standard_layout().into_owned();
    let reversed = reversed_store.slice(s![..;-1, ..;-1]);
    let row = Array::from_shape_fn(257, |j| j as f32);
    let broadcast = row.broadcast((300, 257)).unwrap();
    let dynamic: ArrayD<f32> = c.clone().into_dyn();
    let halves = Array::from_shape_fn((1000, 3), |(i, j)| (i + j) as u64);

    assert_no_allocation("C order", &c, &f);
    assert_no_allocation("Fortran order", &f, &c);
    assert_no_allocation("stepped", &stepped, &stepped.to_owned().view());
    assert_no_allocation("reversed", &reversed, &c.view());
    assert_no_allocation("transposed", &c.t(), &f.t());
    assert_no_allocation("broadcast", &broadcast, &broadcast.to_owned().view());
    assert_no_allocation("dynamic", &dynamic.view(), &f.view().into_dyn());
    assert_no_allocation(
        "0-d",
        &ArrayD::from_elem(IxDyn(&[]), 1.5f64),
        &ArrayD::from_elem(IxDyn(&[]), 1.5f64),
    );
    assert_no_allocation("u64", &halves.view(), &halves.t().t());
    assert_no_allocation("tuple", &(c.view(), 3u32, "x"), &(f.view(), 3u32, "x"));
}

#[test]
fn view_lookups_allocate_nothing() {
    use std::collections::HashMap;
    use tensor_key::{Freeze, FrozenTensor, TensorQuery};
    let a = Array::from_shape_fn((128, 96), |(i, j)| (i * 96 + j) as f32);
    let mut map: HashMap<FrozenTensor<f32, ndarray::Ix2>, u32> = HashMap::new();
    map.insert(a.freeze(), 1);
    let mut f = Array2::<f32>::zeros((128, 96).f());
    f.assign(&a);
    let missing = Array2::<f32>::zeros((128, 96));
    let n = allocations_during(|| {
        assert_eq!(map.get(TensorQuery::new(f.view()).as_key()), Some(&1));
        assert_eq!(map.get(TensorQuery::new(a.t().t()).as_key()), Some(&1));
        assert_eq!(map.get(TensorQuery::new(missing.view()).as_key()), None);
    });
    assert_eq!(n, 0, "{n} allocations during view lookups");
}

/// The shape used at each rank: small extents, with 1s in the middle so that
/// axis dropping and merging are exercised.
fn grid_shape(rank: usize) -> Vec<usize> {
    [3, 2, 1, 4, 2, 3, 1, 2][..rank].to_vec()
}

/// Calls `check(family, view, standard)` for every layout family at one shape,
/// each view paired with a C-order copy of the same values: C order, Fortran
/// order, permuted axes, reversed and stepped, broadcast (zero strides) and
/// empty. The views keep their strides (`to_owned` would not).
fn for_each_layout_family(
    shape: &[usize],
    mut check: impl FnMut(&str, ArrayViewD<'_, f32>, ArrayViewD<'_, f32>),
) {
    let rank = shape.len();
    let value = |i: &[usize]| -> f32 {
        let n = i.iter().fold(0usize, |acc, &x| acc * 7 + x);
        match n % 11 {
            3 => f32::NAN,
            5 => -0.0,
            _ => n as f32,
        }
    };
    let c = ArrayD::from_shape_fn(IxDyn(shape), |i| value(i.slice()));
    let mut f = ArrayD::<f32>::zeros(IxDyn(shape).f());
    f.assign(&c);
    let mut axes: Vec<usize> = (0..rank).collect();
    axes.rotate_left(rank.min(1));
    let permuted = c.view().permuted_axes(IxDyn(&axes));
    let doubled: Vec<usize> = shape.iter().map(|&n| 2 * n).collect();
    let store = ArrayD::from_shape_fn(IxDyn(&doubled), |i| value(i.slice()));
    let stepped = store.slice_each_axis(|_| ndarray::Slice::new(0, None, -2));
    let mut base_shape = shape.to_vec();
    if let Some(first) = base_shape.first_mut() {
        *first = 1;
    }
    let base = ArrayD::from_shape_fn(IxDyn(&base_shape), |i| value(i.slice()));
    let broadcast = base.broadcast(IxDyn(shape)).unwrap();
    let mut empty_shape = shape.to_vec();
    if let Some(last) = empty_shape.last_mut() {
        *last = 0;
    }
    let empty = ArrayD::<f32>::zeros(IxDyn(&empty_shape));
    for (family, view) in [
        ("C order", c.view()),
        ("Fortran order", f.view()),
        ("permuted", permuted),
        ("reversed and stepped", stepped),
        ("broadcast", broadcast),
        ("empty", empty.view()),
    ] {
        let standard = view.as_standard_layout().into_owned();
        check(family, view, standard.view());
    }
}

/// Encoding, hashing, `key_eq` and digests through every dimension type that
/// ndarray has for `rank` (fixed `Ix0`..`Ix6` and `IxDyn`), and through
/// `Key` and `FrozenTensor` wrappers.
#[test]
fn every_rank_and_layout_allocates_nothing() {
    for rank in 0..=8 {
        for_each_layout_family(&grid_shape(rank), |family, view, standard| {
            let name = format!("rank {rank}, {family}");
            assert_no_allocation(&format!("{name}, IxDyn view"), &view, &standard);
            let owned = view.to_owned();
            assert_no_allocation(
                &format!("{name}, IxDyn array"),
                &owned,
                &standard.to_owned(),
            );
            let key = tensor_key::Key::new(view.clone());
            assert_no_allocation(
                &format!("{name}, Key of a view"),
                &key,
                &tensor_key::Key::new(standard.clone()),
            );
            let frozen = tensor_key::FrozenTensor::new(view.to_owned());
            let frozen_f = {
                let mut f = ArrayD::<f32>::zeros(IxDyn(view.shape()).f());
                f.assign(&view);
                tensor_key::FrozenTensor::new(f)
            };
            assert_no_allocation(&format!("{name}, FrozenTensor"), &frozen, &frozen_f);
            macro_rules! fixed {
                ($($n:literal => $ix:ty),*) => {$(
                    if rank == $n {
                        let v = view.clone().into_dimensionality::<$ix>().unwrap();
                        let s = standard.clone().into_dimensionality::<$ix>().unwrap();
                        assert_no_allocation(&format!("{name}, fixed rank"), &v, &s);
                    }
                )*};
            }
            fixed!(0 => Ix0, 1 => Ix1, 2 => Ix2, 3 => Ix3, 4 => Ix4, 5 => Ix5, 6 => Ix6);
        });
    }
}

#[test]
fn small_tensors_allocate_nothing() {
    let a = Array2::from_shape_fn(
        (4, 4),
        |(i, j)| if i == j { f32::NAN } else { (i * 4 + j) as f32 },
    );
    let mut f = Array2::<f32>::zeros((4, 4).f());
    f.assign(&a);
    let n = allocations_during(|| {
        let x = tensor_key::SmallTensor::<f32, 16>::from_array(&f).unwrap();
        let y = tensor_key::SmallTensor::<f32, 16>::from_array(&a).unwrap();
        assert_no_allocation("SmallTensor", &x, &y);
        assert_eq!(std::hint::black_box(x), y);
    });
    assert_eq!(n, 0, "{n} allocations");
}

/// Looking a dynamic-rank tensor up by a view of another layout allocates
/// nothing at any rank, above 8 too, nor at sizes that take the bulk paths
/// (the lookup traits compare without making views): through `TensorQuery`,
/// and through `Key` of the tensor, of a tuple with a string, of `Bitwise`
/// and of `FrozenTensor`.
#[test]
#[allow(clippy::type_complexity)]
fn dynamic_rank_lookups_allocate_nothing() {
    use std::collections::{HashMap, HashSet};
    use tensor_key::{Freeze, FrozenTensor, Key, TensorQuery};
    let large = [
        vec![2, 1, 2, 1, 2, 1, 2, 1, 2, 3],
        vec![40, 120],
        vec![2, 3, 700],
    ];
    for shape in (0..=8).map(grid_shape).chain(large) {
        for_each_layout_family(&shape, |family, view, standard| {
            let mut frozen: HashSet<FrozenTensor<f32, IxDyn>> = HashSet::new();
            frozen.insert(standard.freeze());
            let mut keyed: HashMap<Key<ArrayD<f32>>, u8> = HashMap::new();
            keyed.insert(Key::new(standard.to_owned()), 1);
            let mut tagged: HashSet<Key<(ArrayD<f32>, String)>> = HashSet::new();
            tagged.insert(Key::new((standard.to_owned(), "s".to_owned())));
            let mut bitwise: HashSet<Key<Bitwise<ArrayD<f32>>>> = HashSet::new();
            bitwise.insert(Key::new(Bitwise(standard.to_owned())));
            let mut frozen_keys: HashSet<Key<FrozenTensor<f32, IxDyn>>> = HashSet::new();
            frozen_keys.insert(Key::new(standard.freeze()));
            let query = TensorQuery::new(view.clone());
            let n = allocations_during(|| {
                assert!(frozen.contains(query.as_key()));
                assert_eq!(keyed.get(Key::lookup(&view)), Some(&1));
                assert!(tagged.contains(Key::lookup(&(&view, "s"))));
                assert!(bitwise.contains(Key::lookup(&Bitwise(&view))));
                assert!(frozen_keys.contains(Key::lookup(&view)));
            });
            assert_eq!(n, 0, "shape {shape:?}, {family}: {n} allocations");
        });
    }
}

/// A derived key with a borrowed form (`NodeRef`).
#[derive(tensor_key::FrozenKey)]
#[frozen_key(borrowed)]
struct Node {
    weights: Array2<f32>,
    shape: ArrayD<u16>,
    name: String,
    tags: Vec<u8>,
}

/// Borrowed lookups of composite keys (`Key::lookup`) allocate nothing: a tuple
/// of a transposed 2-d view and a `&str`, a dynamic-rank view of rank 6 in
/// another layout, options of slices, and a derived key's borrowed form (in a
/// `Key` or as the map key itself), against keys that own everything.
#[test]
#[allow(clippy::type_complexity)]
fn composite_borrowed_lookups_allocate_nothing() {
    use ndarray::ArrayView2;
    use std::collections::{HashMap, HashSet};
    use tensor_key::{Key, KeyBorrow};

    let a = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f32 - 3.5);
    let fortran = {
        let mut f = Array2::<f32>::zeros((5, 7).f());
        f.assign(&a);
        f
    };
    let mut memo: HashMap<Key<(Array2<f32>, String)>, u32> = HashMap::new();
    memo.insert(Key::new((a.clone(), "sum".to_owned())), 1);
    memo.insert(Key::new((a.t().to_owned(), "sum".to_owned())), 2);

    let shape = [2usize, 1, 3, 2, 1, 2];
    let d = ArrayD::from_shape_fn(IxDyn(&shape), |i| i.slice().iter().sum::<usize>() as u16);
    let mut reversed = d.clone();
    reversed.invert_axis(ndarray::Axis(0));
    let reversed = reversed.as_standard_layout().into_owned();
    let mut dynamic: HashSet<Key<(ArrayD<u16>, Option<Vec<u32>>)>> = HashSet::new();
    dynamic.insert(Key::new((d.clone(), Some(vec![1, 2, 3]))));

    // Views made outside the counted region: making an `IxDyn` view of rank
    // above 4 allocates (ndarray copies the shape); the lookup must not.
    let fview: ArrayView2<'_, f32> = fortran.view();
    let mut back = reversed.view();
    back.invert_axis(ndarray::Axis(0));
    let tail = [1u32, 2, 3];
    let node = || Node {
        weights: a.clone(),
        shape: d.clone(),
        name: "conv".to_owned(),
        tags: vec![3, 4],
    };
    let nodes: HashSet<Key<Node>> = HashSet::from([Key::new(node())]);
    let plain_nodes: HashSet<Node> = HashSet::from([node()]);
    let node_ref = NodeRef {
        weights: fview.as_key_ref(),
        shape: back.as_key_ref(),
        name: "conv",
        tags: &[3, 4],
    };
    // The rank-6 view goes in by reference: cloning it would allocate too.
    let n = allocations_during(|| {
        assert_eq!(memo.get(Key::lookup(&(fview, "sum"))), Some(&1));
        assert_eq!(memo.get(Key::lookup(&(a.t(), "sum"))), Some(&2));
        assert_eq!(memo.get(Key::lookup(&(fview, "max"))), None);
        assert!(memo.contains_key(Key::lookup(&(&a, "sum"))));
        assert!(dynamic.contains(Key::lookup(&(&back, Some(&tail[..])))));
        assert!(!dynamic.contains(Key::lookup(&(&back, Some(&tail[..2])))));
        assert!(!dynamic.contains(Key::lookup(&(&back, None::<&[u32]>))));
        assert!(nodes.contains(Key::lookup(&node_ref)));
        assert!(plain_nodes.contains(Key::lookup(&node_ref)));
        assert!(!nodes.contains(Key::lookup(&NodeRef {
            name: "pool",
            ..node_ref
        })));
    });
    assert_eq!(n, 0, "{n} allocations");
}
