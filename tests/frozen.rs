//! `FrozenTensor`: immutable shared storage, cached fingerprint and digest,
//! equality fast paths, and view lookups.

use ndarray::{ArcArray, Array, Array2, Ix2, ShapeBuilder, array, s};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Barrier};
use tensor_key::{Freeze, FrozenKey, FrozenTensor, TensorQuery};

/// A hasher that records how many bytes it was given.
#[derive(Default)]
struct ByteCounter(usize);

impl Hasher for ByteCounter {
    fn write(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    fn finish(&self) -> u64 {
        self.0 as u64
    }
}

fn sample() -> Array2<f32> {
    Array::from_shape_fn((64, 33), |(i, j)| (i as f32) - (j as f32) * 0.5)
}

#[test]
fn freezing_keeps_the_key_and_owned_arrays_are_not_copied() {
    let a = sample();
    let ptr = a.as_ptr();
    let digest = a.digest();
    let frozen = a.into_frozen();
    assert_eq!(
        frozen.as_array().as_ptr(),
        ptr,
        "into_frozen copied the elements"
    );
    assert_eq!(frozen.digest(), digest);
    assert_eq!(frozen.encoding(), sample().encoding());

    let shared = ArcArray::from(sample());
    let ptr = shared.as_ptr();
    let frozen_shared: FrozenTensor<f32, Ix2> = shared.into();
    assert_eq!(
        frozen_shared.as_array().as_ptr(),
        ptr,
        "unshared ArcArray was copied"
    );
    assert_eq!(frozen_shared, frozen);
}

#[test]
fn a_frozen_view_does_not_follow_its_source() {
    let mut a = sample();
    let frozen = a.view_mut().freeze();
    a[[0, 0]] = 1e9;
    assert_eq!(frozen.get([0, 0]), Some(&0.0));
    assert_eq!(frozen.get([99, 0]), None);
    assert_eq!(frozen.thaw(), sample());
    assert_eq!(frozen.view(), sample().view());
    assert_eq!(
        (
            frozen.shape(),
            frozen.ndim(),
            frozen.len(),
            frozen.is_empty()
        ),
        (&[64, 33][..], 2, 64 * 33, false)
    );
    // Thawing gives an independent copy.
    let mut thawed = frozen.thaw();
    thawed[[1, 1]] = 7.0;
    assert_ne!(frozen.get([1, 1]), Some(&7.0));
}

#[test]
fn hash_is_a_cached_fingerprint() {
    let frozen = sample().into_frozen();
    let mut counter = ByteCounter::default();
    frozen.hash(&mut counter);
    assert_eq!(
        counter.0, 8,
        "Hash should write only the 64-bit fingerprint"
    );
    let big = Array::<f32, _>::zeros((512, 512)).into_frozen();
    let mut counter = ByteCounter::default();
    big.hash(&mut counter);
    assert_eq!(counter.0, 8);
    assert_eq!(frozen.fingerprint(), frozen.clone().fingerprint());
    assert_eq!(frozen.fingerprint(), sample().freeze().fingerprint());
    assert_ne!(frozen.fingerprint(), big.fingerprint());
}

#[test]
fn equality_is_canonical_and_layout_free() {
    let a = array![[f32::NAN, -0.0], [1.0, 2.0]];
    let b = array![[-f32::NAN, 0.0], [1.0, 2.0]];
    let mut f = Array2::<f32>::zeros((2, 2).f());
    f.assign(&b);
    let (fa, ff) = (a.freeze(), f.into_frozen());
    assert_eq!(fa, ff);
    assert!(fa.key_eq(&ff));
    assert_eq!(fa.fingerprint(), ff.fingerprint());
    assert_eq!(fa.digest(), ff.digest());
    assert_eq!(fa.clone(), fa);
    assert!(fa.ptr_eq(&fa.clone()) && !fa.ptr_eq(&ff));
    let other = array![[1.0f32, 2.0], [3.0, 4.0]].into_frozen();
    assert_ne!(fa, other);
    // Fingerprints are computed at freezing: unequal tensors are told apart
    // by them, and fingerprints of equal tensors agree.
    let fresh = array![[1.0f32, 2.0], [3.0, 5.0]].into_frozen();
    assert_ne!(other, fresh);
    assert_ne!(other.fingerprint(), fresh.fingerprint());
    assert_eq!(
        other.fingerprint(),
        array![[1.0f32, 2.0], [3.0, 4.0]].freeze().fingerprint()
    );
}

#[test]
fn maps_are_queried_with_views_of_any_layout() {
    let a = sample();
    let mut map: HashMap<FrozenTensor<f32, Ix2>, usize> = HashMap::new();
    map.insert(a.view().freeze(), 1);
    map.insert(array![[1.0f32]].into_frozen(), 2);

    let fortran = {
        let mut f = Array2::<f32>::zeros((64, 33).f());
        f.assign(&a);
        f
    };
    assert_eq!(map.get(TensorQuery::new(a.view()).as_key()), Some(&1));
    assert_eq!(map.get(TensorQuery::new(fortran.view()).as_key()), Some(&1));
    let stored_reversed = a.slice(s![..;-1, ..;-1]).as_standard_layout().into_owned();
    assert_eq!(
        map.get(TensorQuery::new(stored_reversed.slice(s![..;-1, ..;-1])).as_key()),
        Some(&1)
    );
    assert_eq!(
        map.get(TensorQuery::new(a.slice(s![..63, ..])).as_key()),
        None
    );
    *map.get_mut(TensorQuery::new(array![[1.0f32]].view()).as_key())
        .unwrap() += 10;
    assert_eq!(map[&array![[1.0f32]].into_frozen()], 12);
    assert_eq!(map.remove(TensorQuery::new(a.view()).as_key()), Some(1));
    assert_eq!(map.len(), 1);

    let set: HashSet<FrozenTensor<f32, Ix2>> = [a.view().freeze()].into();
    assert!(set.contains(TensorQuery::new(fortran.view()).as_key()));
}

#[test]
fn fingerprint_and_digest_are_computed_once_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FrozenTensor<f32, Ix2>>();

    let frozen = Array::from_shape_fn((300, 300), |(i, j)| (i * 300 + j) as f32).into_frozen();
    let expected_digest = frozen.as_array().digest();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let state = std::hash::RandomState::new();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (frozen, barrier, state) = (frozen.clone(), Arc::clone(&barrier), &state);
                scope.spawn(move || {
                    barrier.wait();
                    (
                        frozen.fingerprint(),
                        state.hash_one(&frozen),
                        frozen.digest(),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        assert_eq!(*r, results[0]);
    }
    assert_eq!(results[0].2, expected_digest);
    // A separately built tensor with the same values has the same fingerprint.
    let twin = frozen.thaw().into_frozen();
    assert_eq!(twin.fingerprint(), results[0].0);
    assert_eq!(state.hash_one(&twin), results[0].1);
}

thread_local! {
    static COMPARED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// An element that counts how often it is compared.
#[derive(Clone)]
struct Counted(u32);

impl FrozenKey for Counted {
    fn encode(&self, enc: &mut tensor_key::Encoder<'_>) {
        self.0.encode(enc);
    }
    fn key_eq_with(&self, other: &Self, _: tensor_key::FloatPolicy) -> bool {
        COMPARED.with(|c| c.set(c.get() + 1));
        self.0 == other.0
    }
}

fn comparisons(f: impl FnOnce() -> bool) -> (bool, usize) {
    COMPARED.with(|c| c.set(0));
    let r = f();
    (r, COMPARED.with(std::cell::Cell::get))
}

/// The documented fast paths: clones are equal without looking at the data,
/// and tensors with different fingerprints are unequal without looking at it;
/// only otherwise are the elements compared.
#[test]
fn equality_fast_paths_do_not_look_at_the_elements() {
    let counted = |last: u32| {
        FrozenTensor::new(Array::from_shape_fn((8, 8), |(i, j)| {
            Counted(if (i, j) == (7, 7) {
                last
            } else {
                (i * 8 + j) as u32
            })
        }))
    };
    let a = counted(63);
    let clone = a.clone();
    assert_eq!(comparisons(|| a == clone), (true, 0), "clones");
    assert_eq!(
        comparisons(|| a.key_eq(&clone)),
        (true, 0),
        "clones, key_eq"
    );
    let other = counted(64);
    assert_ne!(a.fingerprint(), other.fingerprint());
    assert_eq!(comparisons(|| a != other), (true, 0), "fingerprints differ");
    // The counter works: equal tensors in other storage are compared.
    assert_eq!(comparisons(|| a == counted(63)), (true, 64));
}

/// Run as a child process by `fingerprints_are_keyed_per_process`; does
/// nothing in a normal test run.
#[test]
fn child_prints_fingerprint_and_digest() {
    if std::env::var_os("TK_PRINT_FINGERPRINT").is_some() {
        let f = sample().into_frozen();
        println!("fingerprint={} digest={}", f.fingerprint(), f.digest());
    }
}

/// Fingerprints are keyed per process (another process has another one for
/// the same tensor), while digests name the tensor in every process.
#[test]
fn fingerprints_are_keyed_per_process() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_prints_fingerprint_and_digest",
            "--nocapture",
        ])
        .env("TK_PRINT_FINGERPRINT", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint="))
        .expect("the child printed its fingerprint");
    let (fingerprint, digest) = line.split_once(" digest=").unwrap();
    let here = sample().into_frozen();
    assert_eq!(digest, here.digest().to_string());
    assert_ne!(
        fingerprint.parse::<u64>().unwrap(),
        here.fingerprint(),
        "the same fingerprint in two processes: not keyed per process"
    );
}
