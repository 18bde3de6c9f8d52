//! Hashing, digests, equality and lookups of f32 tensors, each beside its
//! baselines in the same run: raw bytes into the same hasher, raw `sha2`, and
//! what Rust users do today (`mapv(OrderedFloat)` + ndarray `Hash`, or a
//! `(shape, Vec<u32>)` key).
//!
//! `cargo bench --bench hashing`; set `TK_BENCH_QUICK=1` to skip the 16M size
//! and shorten measurements. `scripts/bench.sh` runs it and writes BENCHMARKS.md.

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use ndarray::{Array2, ArrayView2, Ix2, ShapeBuilder, s};
use ordered_float::OrderedFloat;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher, RandomState};
use std::hint::black_box;
use std::time::Duration;
use tensor_key::{Freeze, FrozenKey, FrozenTensor, Key, SmallTensor, TensorQuery};

fn quick() -> bool {
    std::env::var_os("TK_BENCH_QUICK").is_some()
}

/// (rows, cols) of the benchmarked tensors: 16, 4096, 1M and 16M elements.
fn shapes() -> Vec<(usize, usize)> {
    let mut v = vec![(4, 4), (64, 64), (1024, 1024)];
    if !quick() {
        v.push((4096, 4096));
    }
    v
}

/// Deterministic values with no NaN or -0.0 (the common case); one NaN and
/// one -0.0 are planted in the "dirty" variant.
fn values(rows: usize, cols: usize) -> Array2<f32> {
    let mut x = 0x2545_F491u32;
    Array2::from_shape_simple_fn((rows, cols), || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x >> 8) as f32 / 65536.0 - 64.0
    })
}

/// The same logical tensor in several layouts, and its raw bytes.
struct Inputs {
    c: Array2<f32>,
    c_copy: Array2<f32>,
    fortran: Array2<f32>,
    transposed_store: Array2<f32>,
    stepped_rows_store: Array2<f32>,
    stepped_store: Array2<f32>,
    bytes: Vec<u8>,
}

impl Inputs {
    fn new(rows: usize, cols: usize) -> Self {
        let c = values(rows, cols);
        let mut fortran = Array2::<f32>::zeros((rows, cols).f());
        fortran.assign(&c);
        let transposed_store = c.t().as_standard_layout().into_owned();
        let mut stepped_rows_store = Array2::<f32>::zeros((2 * rows, cols));
        stepped_rows_store.slice_mut(s![..;2, ..]).assign(&c);
        let mut stepped_store = Array2::<f32>::zeros((rows, 2 * cols));
        stepped_store.slice_mut(s![.., ..;2]).assign(&c);
        let bytes = c.iter().flat_map(|x| x.to_le_bytes()).collect();
        Inputs {
            c_copy: c.clone(),
            c,
            fortran,
            transposed_store,
            stepped_rows_store,
            stepped_store,
            bytes,
        }
    }
    fn transposed(&self) -> ArrayView2<'_, f32> {
        self.transposed_store.t()
    }
    /// Every other row of a taller array: rows stay contiguous.
    fn stepped_rows(&self) -> ArrayView2<'_, f32> {
        self.stepped_rows_store.slice(s![..;2, ..])
    }
    /// Every other column of a wider array: no element is next to the next one.
    fn stepped_cols(&self) -> ArrayView2<'_, f32> {
        self.stepped_store.slice(s![.., ..;2])
    }
    fn layouts(&self) -> [(&'static str, ArrayView2<'_, f32>); 5] {
        [
            ("contiguous", self.c.view()),
            ("fortran", self.fortran.view()),
            ("transposed", self.transposed()),
            ("stepped_rows", self.stepped_rows()),
            ("stepped_cols", self.stepped_cols()),
        ]
    }
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    let big = n >= 1 << 20;
    group.sample_size(if big { 10 } else { 50 });
    group.warm_up_time(Duration::from_millis(if quick() { 200 } else { 500 }));
    group.measurement_time(Duration::from_millis(match (quick(), big) {
        (true, _) => 600,
        (false, false) => 1500,
        (false, true) => 3000,
    }));
    group.throughput(Throughput::Bytes(4 * n as u64));
}

/// Hash with a given hasher: ours in every layout, beside raw bytes and the
/// workarounds.
fn hashing<B: BuildHasher>(c: &mut Criterion, name: &str, state: B) {
    let mut group = c.benchmark_group(name);
    for (rows, cols) in shapes() {
        let n = rows * cols;
        let inputs = Inputs::new(rows, cols);
        configure(&mut group, n);
        group.bench_with_input(BenchmarkId::new("raw_bytes", n), &inputs, |b, i| {
            b.iter(|| {
                let mut h = state.build_hasher();
                h.write(black_box(&i.bytes));
                h.finish()
            })
        });
        for (layout, view) in inputs.layouts() {
            group.bench_with_input(BenchmarkId::new(layout, n), &view, |b, v| {
                b.iter(|| {
                    let mut h = state.build_hasher();
                    black_box(v).key_hash(&mut h);
                    h.finish()
                })
            });
        }
        group.bench_with_input(BenchmarkId::new("ordered_float", n), &inputs, |b, i| {
            b.iter(|| state.hash_one(black_box(&i.c).mapv(OrderedFloat)))
        });
        group.bench_with_input(BenchmarkId::new("shape_vec_u32", n), &inputs, |b, i| {
            b.iter(|| {
                let a = black_box(&i.c);
                let key = (
                    a.shape().to_vec(),
                    a.iter().map(|x| x.to_bits()).collect::<Vec<u32>>(),
                );
                state.hash_one(&key)
            })
        });
    }
    group.finish();
}

fn hash_sip(c: &mut Criterion) {
    hashing(
        c,
        "sip",
        std::hash::BuildHasherDefault::<DefaultHasher>::default(),
    );
}

fn hash_foldhash(c: &mut Criterion) {
    hashing(c, "foldhash", foldhash::fast::FixedState::with_seed(0x5eed));
}

fn digest(c: &mut Criterion) {
    let mut group = c.benchmark_group("digest");
    for (rows, cols) in shapes() {
        let n = rows * cols;
        let inputs = Inputs::new(rows, cols);
        configure(&mut group, n);
        group.bench_with_input(BenchmarkId::new("raw_sha2", n), &inputs, |b, i| {
            b.iter(|| Sha256::digest(black_box(&i.bytes)))
        });
        for (layout, view) in inputs.layouts() {
            group.bench_with_input(BenchmarkId::new(layout, n), &view, |b, v| {
                b.iter(|| black_box(v).digest())
            });
        }
    }
    group.finish();
}

fn equality(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_eq");
    for (rows, cols) in shapes() {
        let n = rows * cols;
        let inputs = Inputs::new(rows, cols);
        let bits: Vec<u32> = inputs.c.iter().map(|x| x.to_bits()).collect();
        let bits_copy = bits.clone();
        configure(&mut group, n);
        group.bench_function(BenchmarkId::new("raw_u32_eq", n), |b| {
            b.iter(|| black_box(&bits) == black_box(&bits_copy))
        });
        group.bench_function(BenchmarkId::new("contiguous", n), |b| {
            b.iter(|| black_box(&inputs.c).key_eq(black_box(&inputs.c_copy)))
        });
        group.bench_function(BenchmarkId::new("fortran", n), |b| {
            b.iter(|| black_box(&inputs.c.view()).key_eq(black_box(&inputs.fortran.view())))
        });
    }
    group.finish();
}

/// 100k 4x4 keys in a HashMap with foldhash (the fast hasher a user of small
/// keys picks); look up present keys.
fn small_keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup_4x4");
    group.sample_size(30);
    group.measurement_time(Duration::from_millis(if quick() { 800 } else { 2000 }));
    let count = 100_000;
    let tensors: Vec<Array2<f32>> = (0..count)
        .map(|i| Array2::from_shape_fn((4, 4), |(r, c)| (i * 16 + r * 4 + c) as f32 * 0.5))
        .collect();
    let probes: Vec<usize> = (0..1000).map(|i| (i * 7919) % count).collect();
    group.throughput(Throughput::Elements(probes.len() as u64));
    let state = foldhash::fast::FixedState::with_seed(0x5eed);

    let mut arrays: HashMap<[u32; 16], usize, _> = HashMap::with_hasher(state.clone());
    let array_keys: Vec<[u32; 16]> = tensors
        .iter()
        .map(|t| std::array::from_fn(|k| t.as_slice().unwrap()[k].to_bits()))
        .collect();
    for (i, k) in array_keys.iter().enumerate() {
        arrays.insert(*k, i);
    }
    group.bench_function("u32x16_baseline", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&p| arrays[black_box(&array_keys[p])])
                .sum::<usize>()
        })
    });

    let mut keyed: HashMap<Key<Array2<f32>>, usize, _> = HashMap::with_hasher(state.clone());
    let key_probes: Vec<Key<Array2<f32>>> = tensors.iter().map(|t| Key::new(t.clone())).collect();
    for (i, t) in tensors.iter().enumerate() {
        keyed.insert(Key::new(t.clone()), i);
    }
    group.bench_function("key_array2", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&p| keyed[black_box(&key_probes[p])])
                .sum::<usize>()
        })
    });

    // The inline key type for small tensors: no heap pointer to follow.
    let mut small: HashMap<SmallTensor<f32, 16>, usize, _> = HashMap::with_hasher(state.clone());
    let small_probes: Vec<SmallTensor<f32, 16>> = tensors
        .iter()
        .map(|t| SmallTensor::from_array(t).unwrap())
        .collect();
    for (i, k) in small_probes.iter().enumerate() {
        small.insert(*k, i);
    }
    group.bench_function("small_tensor", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&p| small[black_box(&small_probes[p])])
                .sum::<usize>()
        })
    });

    let mut frozen: HashMap<FrozenTensor<f32, Ix2>, usize, _> = HashMap::with_hasher(state.clone());
    for (i, t) in tensors.iter().enumerate() {
        frozen.insert(t.freeze(), i);
    }
    group.bench_function("frozen_view_query", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|&p| frozen[TensorQuery::new(black_box(tensors[p].view())).as_key()])
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Re-hashing a frozen tensor reads its cached fingerprint.
fn frozen_rehash(c: &mut Criterion) {
    let mut group = c.benchmark_group("frozen_rehash");
    let (rows, cols) = *shapes().last().unwrap();
    let n = rows * cols;
    let frozen = values(rows, cols).into_frozen();
    let state = RandomState::new();
    state.hash_one(&frozen);
    group.bench_function(BenchmarkId::new("cached", n), |b| {
        b.iter(|| state.hash_one(black_box(&frozen)))
    });
    group.finish();
}

/// Looking up 64x64 tensors with a borrowed view of another layout.
fn view_lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("view_lookup");
    let n = 64 * 64;
    configure(&mut group, n);
    let keys: Vec<Array2<f32>> = (0..256).map(|i| values(64, 64) + i as f32).collect();
    let map: HashMap<FrozenTensor<f32, Ix2>, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.freeze(), i))
        .collect();
    let query = keys[17].t().as_standard_layout().into_owned();
    let bytes: Vec<u8> = keys[17].iter().flat_map(|x| x.to_le_bytes()).collect();
    let state = RandomState::new();
    group.bench_function(BenchmarkId::new("raw_bytes_sip", n), |b| {
        b.iter(|| {
            let mut h = state.build_hasher();
            h.write(black_box(&bytes));
            h.finish()
        })
    });
    group.bench_function(BenchmarkId::new("transposed_view", n), |b| {
        b.iter(|| map[TensorQuery::new(black_box(query.t())).as_key()])
    });
    group.finish();
}

/// A rank-6 tensor behind a permuted view (no axis contiguous in logical
/// order), hashed and compared through a fixed dimension type and through
/// `IxDyn`: the dynamic form must take the same paths at the same speed.
fn rank6(c: &mut Criterion) {
    let mut group = c.benchmark_group("rank6");
    let extents = [8usize, 4, 8, 4, 8, 4];
    let n: usize = extents.iter().product();
    configure(&mut group, n);
    let store = ndarray::Array::from_shape_fn(extents, |(a, b, c, d, e, f)| {
        (a * 7 + b * 5 + c * 3 + d * 2 + e + f) as f32
    });
    let fixed = store.view().permuted_axes([5, 3, 1, 0, 2, 4]);
    let dynamic = fixed.into_dyn();
    let fixed_copy = fixed.as_standard_layout().into_owned();
    let dynamic_copy = fixed_copy.clone().into_dyn();
    let state = RandomState::new();
    group.bench_function(BenchmarkId::new("sip_ix6", n), |b| {
        b.iter(|| {
            let mut h = state.build_hasher();
            black_box(&fixed).key_hash(&mut h);
            h.finish()
        })
    });
    group.bench_function(BenchmarkId::new("sip_ixdyn", n), |b| {
        b.iter(|| {
            let mut h = state.build_hasher();
            black_box(&dynamic).key_hash(&mut h);
            h.finish()
        })
    });
    // Views made outside the timed loop: making an `IxDyn` view above rank 4
    // allocates (ndarray clones the dimension), which is not ours to time.
    let (fixed_copy, dynamic_copy) = (fixed_copy.view(), dynamic_copy.view());
    group.bench_function(BenchmarkId::new("key_eq_ix6", n), |b| {
        b.iter(|| black_box(&fixed).key_eq(black_box(&fixed_copy)))
    });
    group.bench_function(BenchmarkId::new("key_eq_ixdyn", n), |b| {
        b.iter(|| black_box(&dynamic).key_eq(black_box(&dynamic_copy)))
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    hash_sip(&mut c);
    hash_foldhash(&mut c);
    digest(&mut c);
    equality(&mut c);
    small_keys(&mut c);
    frozen_rehash(&mut c);
    view_lookup(&mut c);
    rank6(&mut c);
    c.final_summary();
}
