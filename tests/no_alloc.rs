//! Encoding, hashing, `key_eq` and `digest` of tensors in any layout allocate
//! nothing: a counting global allocator proves it.

use ndarray::{Array, Array2, ArrayD, IxDyn, ShapeBuilder, s};
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
