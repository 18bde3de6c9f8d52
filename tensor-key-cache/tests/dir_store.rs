//! The directory store: hits and misses, damage of every kind is a miss and a
//! warning, size bound, TTL, wrong value types, store failures.

mod common;

use common::{value_for, watched};
use ndarray::{Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fs;
use std::time::Duration;
use tensor_key::FrozenKey;
use tensor_key_cache::format::{self, EntryError, HEADER_LEN};
use tensor_key_cache::{Cache, DirStore, Stats, Store, StoreOp, Warning};

fn tensor(seed: u32) -> Array2<f32> {
    Array2::from_shape_fn((4, 4), |(i, j)| {
        (seed * 100 + (i * 4 + j) as u32) as f32 * 0.5
    })
}

fn sums(a: &Array2<f32>) -> Vec<f32> {
    a.rows().into_iter().map(|r| r.sum()).collect()
}

#[test]
fn hit_after_miss_in_this_and_another_store_instance() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(DirStore::open(dir.path()).unwrap());
    let calls = Cell::new(0);
    let f = |a: &Array2<f32>| {
        calls.set(calls.get() + 1);
        sums(a)
    };
    let x = tensor(1);
    assert_eq!(cache.get_or_compute(&x, f), sums(&x));
    assert_eq!(cache.get_or_compute(&x, f), sums(&x));
    // Same values, Fortran layout: same digest, a hit.
    let mut fortran = Array2::zeros(x.raw_dim().f());
    fortran.assign(&x);
    assert_eq!(cache.get_or_compute(&fortran, f), sums(&x));
    assert_eq!(calls.get(), 1);
    // Another tensor: a miss.
    let y = tensor(2);
    assert_eq!(cache.get_or_compute(&y, f), sums(&y));
    assert_eq!(calls.get(), 2);
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.writes), (2, 2, 2));
    assert_eq!((s.corrupted, s.undecodable, s.store_errors), (0, 0, 0));

    let path = cache.store().path_for(&x.digest());
    let hex = x.digest().to_hex();
    assert!(
        path.ends_with(format!("{}/{hex}.tkc", &hex[..2])),
        "{path:?}"
    );
    let bytes = fs::read(&path).unwrap();
    let entry = format::decode_entry(&x.digest(), &bytes).unwrap();
    assert_eq!(rmp_serde_payload::<Vec<f32>>(entry.payload), sums(&x));

    let other = Cache::new(DirStore::open(dir.path()).unwrap());
    assert_eq!(other.get::<_, Vec<f32>>(&x), Some(sums(&x)));
    assert_eq!(other.get::<_, Vec<f32>>(&tensor(3)), None);
    assert_eq!((other.stats().hits, other.stats().misses), (1, 1));
    other.remove(&x).unwrap();
    assert_eq!(other.get::<_, Vec<f32>>(&x), None);
}

fn rmp_serde_payload<V: for<'de> Deserialize<'de>>(payload: &[u8]) -> V {
    // The payload is plain MessagePack, readable without this crate.
    rmp_serde::from_slice(payload).unwrap()
}

fn damage_cases(good: &[u8], other_key_entry: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let flip = |i: usize| {
        let mut b = good.to_vec();
        b[i] ^= 0x01;
        b
    };
    let mut other_version = good.to_vec();
    other_version[3] = 2;
    vec![
        ("empty file", Vec::new()),
        (
            "garbage",
            b"this is not a cache entry at all, just text".repeat(5),
        ),
        ("truncated header", good[..40].to_vec()),
        ("truncated payload", good[..good.len() - 1].to_vec()),
        ("header only", good[..HEADER_LEN].to_vec()),
        ("trailing byte", [good, &[0][..]].concat()),
        ("flipped magic", flip(0)),
        ("flipped payload format", flip(4)),
        ("flipped time", flip(9)),
        ("flipped length", flip(16)),
        ("flipped digest", flip(30)),
        ("flipped checksum", flip(60)),
        ("flipped first payload byte", flip(HEADER_LEN)),
        ("flipped last payload byte", flip(good.len() - 1)),
        ("another key's entry", other_key_entry.to_vec()),
        ("other format version", other_version),
    ]
}

#[test]
fn damaged_entries_are_misses_and_warnings_never_wrong_values() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, seen) = watched(DirStore::open(dir.path()).unwrap());
    let key = tensor(7);
    let other = tensor(8);
    let expected = value_for(5);
    cache.insert(&key, &expected).unwrap();
    cache.insert(&other, &value_for(6)).unwrap();
    let path = cache.store().path_for(&key.digest());
    let good = fs::read(&path).unwrap();
    let other_entry = fs::read(cache.store().path_for(&other.digest())).unwrap();

    for (what, bad) in damage_cases(&good, &other_entry) {
        fs::write(&path, &bad).unwrap();
        let before = cache.stats();
        seen.lock().unwrap().clear();
        assert_eq!(cache.get::<_, Vec<u64>>(&key), None, "{what}: not a miss");
        let after = cache.stats();
        assert_eq!(after.misses, before.misses + 1, "{what}");
        assert_eq!(
            after.corrupted + after.undecodable,
            before.corrupted + before.undecodable + 1,
            "{what}: not counted"
        );
        let warnings = seen.lock().unwrap().clone();
        assert_eq!(warnings.len(), 1, "{what}: {warnings:?}");
        match &warnings[0] {
            Warning::Corrupted { digest, .. } | Warning::Undecodable { digest, .. } => {
                assert_eq!(*digest, key.digest(), "{what}");
            }
            w => panic!("{what}: {w:?}"),
        }
        // The memoized call computes the right value and repairs the entry.
        let v: Vec<u64> = cache.get_or_compute(&key, |_| value_for(5));
        assert_eq!(v, expected, "{what}");
        assert_eq!(
            fs::read(&path).unwrap().len(),
            good.len(),
            "{what}: not repaired"
        );
        assert_eq!(
            cache.get::<_, Vec<u64>>(&key),
            Some(expected.clone()),
            "{what}"
        );
    }
    let s = cache.stats();
    // Each case is read twice before the repair (get, then get_or_compute);
    // only the other format version is undecodable rather than damaged.
    assert_eq!(s.undecodable, 2);
    assert_eq!(s.corrupted, 30);
    assert_eq!(s.store_errors, 0);
}

#[test]
fn every_single_bit_flip_and_every_truncation_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(DirStore::open(dir.path()).unwrap());
    let key = "bit flips";
    cache.insert(key, &vec![1.5f32, -2.0, f32::MAX]).unwrap();
    let path = cache.store().path_for(&key.digest());
    let good = fs::read(&path).unwrap();
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut bad = good.clone();
            bad[i] ^= 1 << bit;
            fs::write(&path, &bad).unwrap();
            assert_eq!(cache.get::<_, Vec<f32>>(key), None, "byte {i} bit {bit}");
        }
    }
    for cut in 0..good.len() {
        fs::write(&path, &good[..cut]).unwrap();
        assert_eq!(cache.get::<_, Vec<f32>>(key), None, "cut at {cut}");
    }
    let s = cache.stats();
    assert_eq!(s.hits, 0);
    // Only flips of the version byte (to another version) are not damage.
    assert_eq!(s.corrupted + s.undecodable, s.misses);
    assert_eq!(s.undecodable, 8);
    fs::write(&path, &good).unwrap();
    assert_eq!(
        cache.get::<_, Vec<f32>>(key),
        Some(vec![1.5f32, -2.0, f32::MAX])
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Summary {
    mean: f64,
    label: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct OtherSummary {
    count: u32,
    names: Vec<String>,
}

#[test]
fn a_value_of_another_type_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, seen) = watched(DirStore::open(dir.path()).unwrap());
    let key = tensor(3);
    let summary = Summary {
        mean: 2.5,
        label: "x".into(),
    };
    cache.insert(&key, &summary).unwrap();
    assert_eq!(cache.get::<_, Summary>(&key), Some(summary));
    assert_eq!(cache.get::<_, OtherSummary>(&key), None);
    assert_eq!(cache.get::<_, Vec<f32>>(&key), None);
    assert_eq!(cache.get::<_, String>(&key), None);
    assert_eq!(cache.get::<_, u64>(&key), None);
    // A prefix of the payload decodes as something (the map's length), but the
    // rest is left over: still a miss.
    assert_eq!(cache.get::<_, (f64,)>(&key), None);
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.undecodable, s.corrupted), (1, 5, 5, 0));
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|w| matches!(w, Warning::Undecodable { .. }))
    );
    // get_or_compute with another type computes, and replaces the entry.
    let other: OtherSummary = cache.get_or_compute(&key, |_| OtherSummary {
        count: 1,
        names: vec!["a".into()],
    });
    assert_eq!(other.count, 1);
    assert_eq!(cache.get::<_, Summary>(&key), None);
}

#[test]
fn size_bound_evicts_the_least_recently_used() {
    let dir = tempfile::tempdir().unwrap();
    let probe = Cache::new(DirStore::open(dir.path().join("probe")).unwrap());
    // Entries of the same size: MessagePack writes every f64 in 9 bytes.
    let value_for = |k: u64| vec![k as f64 + 0.5; 40];
    probe.insert(&0u64, &value_for(0)).unwrap();
    let entry_len = probe.store().total_bytes().unwrap();
    let bound = entry_len * 7 / 2; // room for three and a half entries

    let cache = Cache::new(
        DirStore::open(dir.path().join("bounded"))
            .unwrap()
            .with_max_bytes(bound),
    );
    let keys: Vec<u64> = vec![0, 7, 14, 21, 28];
    for &k in &keys[..3] {
        cache.insert(&k, &value_for(k)).unwrap();
    }
    assert_eq!(cache.store().total_bytes().unwrap(), 3 * entry_len);
    // Use the oldest: it becomes the most recently used.
    assert_eq!(cache.get::<_, Vec<f64>>(&keys[0]), Some(value_for(0)));
    cache.insert(&keys[3], &value_for(keys[3])).unwrap();
    // Four entries exceed the bound; eviction goes down to 90% of it: one goes,
    // the least recently used (keys[1]).
    assert_eq!(cache.store().total_bytes().unwrap(), 3 * entry_len);
    let present = |k: u64| cache.store().path_for(&k.digest()).exists();
    assert!(present(keys[0]) && !present(keys[1]) && present(keys[2]) && present(keys[3]));
    assert_eq!(cache.get::<_, Vec<f64>>(&keys[1]), None);
    cache.insert(&keys[4], &value_for(keys[4])).unwrap();
    assert!(!present(keys[2]), "now keys[2] is the least recently used");
    assert!(present(keys[0]) && present(keys[3]) && present(keys[4]));
    assert!(cache.store().total_bytes().unwrap() <= bound);

    // evict() enforces a smaller bound at once.
    let tight = DirStore::open(dir.path().join("bounded"))
        .unwrap()
        .with_max_bytes(entry_len);
    let report = tight.evict().unwrap();
    assert_eq!(report.removed, 3);
    assert_eq!(report.bytes_left, 0);
}

#[test]
fn entries_expire_after_the_ttl() {
    let dir = tempfile::tempdir().unwrap();
    let long = Cache::new(
        DirStore::open(dir.path())
            .unwrap()
            .with_ttl(Duration::from_secs(3600)),
    );
    long.insert("a", &1u32).unwrap();
    long.insert("b", &2u32).unwrap();
    assert_eq!(long.get::<_, u32>("a"), Some(1));
    std::thread::sleep(Duration::from_millis(30));
    // The same directory with a TTL the entries are older than.
    let short = Cache::new(
        DirStore::open(dir.path())
            .unwrap()
            .with_ttl(Duration::from_millis(10)),
    );
    assert_eq!(short.get::<_, u32>("a"), None);
    assert_eq!(short.stats().corrupted, 0, "expiry is not damage");
    assert!(!short.store().path_for(&"a".digest()).exists(), "deleted");
    assert_eq!(long.get::<_, u32>("b"), Some(2));
    let report = short.store().evict().unwrap();
    assert_eq!((report.removed, report.bytes_left), (1, 0));
    assert_eq!(long.get::<_, u32>("b"), None);
    // A fresh entry is a hit even for the short TTL store, right after writing
    // (unless this machine stalls for 10 ms in between: then a miss, which is
    // still a correct answer, so only the value is checked).
    let v: u32 = short.get_or_compute("c", |_| 3);
    assert_eq!(v, 3);
}

#[test]
fn store_failures_are_counted_and_the_value_still_computed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let (cache, seen) = watched(DirStore::open(&root).unwrap());
    // The store's directory is replaced by a regular file: nothing can be
    // read or written under it.
    fs::remove_dir(&root).unwrap();
    fs::write(&root, b"not a directory").unwrap();
    let v: Vec<u64> = cache.get_or_compute(&9u64, |_| value_for(9));
    assert_eq!(v, value_for(9));
    let s = cache.stats();
    assert_eq!(
        s,
        Stats {
            misses: 1,
            store_errors: 2,
            ..Stats::default()
        }
    );
    let e = cache.last_error().expect("last error kept");
    assert_eq!((e.store, e.op), ("dir", StoreOp::Put));
    assert!(e.to_string().starts_with("dir store: put failed: "), "{e}");
    let warnings = seen.lock().unwrap().clone();
    assert_eq!(warnings.len(), 2);
    assert!(matches!(&warnings[0], Warning::Store(e) if e.op == StoreOp::Get));
    assert!(cache.insert(&9u64, &1u8).is_err());
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn threads_share_a_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(DirStore::open(dir.path()).unwrap());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| common::hammer(&cache, 16, Some(3), None));
        }
    });
    let s = cache.stats();
    assert_eq!((s.corrupted, s.undecodable, s.store_errors), (0, 0, 0));
    assert!(s.hits > 0);
    for i in 0..16u64 {
        let key = (i, "tensor-key-cache multiprocess test");
        assert_eq!(cache.get::<_, Vec<u64>>(&key), Some(value_for(i)));
    }
}

#[test]
fn stores_behind_references_and_smart_pointers() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path()).unwrap();
    Cache::new(&store).insert("k", &1u8).unwrap();
    let boxed: Box<dyn Store> = Box::new(DirStore::open(dir.path()).unwrap());
    assert_eq!(Cache::new(boxed).get::<_, u8>("k"), Some(1));
    let arc = std::sync::Arc::new(store);
    assert_eq!(Cache::new(arc).get::<_, u8>("k"), Some(1));
    assert!(
        EntryError::UnsupportedVersion(2)
            .to_string()
            .contains("version 2"),
        "readable errors"
    );
}

/// `try_get_or_compute`: an `Ok` value is stored and read back like
/// `get_or_compute`'s; an error of `f` is returned and not cached, so the next
/// call computes again.
#[test]
fn a_failed_computation_is_returned_and_not_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(DirStore::open(dir.path()).unwrap());
    let calls = Cell::new(0);
    let failing = |_: &u32| -> Result<u64, String> {
        calls.set(calls.get() + 1);
        Err("no".into())
    };
    assert_eq!(cache.try_get_or_compute(&1u32, failing), Err("no".into()));
    assert_eq!(cache.try_get_or_compute(&1u32, failing), Err("no".into()));
    assert_eq!(calls.get(), 2, "an error was cached");
    assert_eq!(cache.get::<_, u64>(&1u32), None);
    assert!(!cache.store().path_for(&1u32.digest()).exists());
    let s = cache.stats();
    assert_eq!((s.writes, s.encode_errors, s.store_errors), (0, 0, 0));

    let ok = |k: &u32| -> Result<u64, String> {
        calls.set(calls.get() + 1);
        Ok(u64::from(*k) * 10)
    };
    assert_eq!(cache.try_get_or_compute(&1u32, ok), Ok(10));
    assert_eq!(cache.try_get_or_compute(&1u32, failing), Ok(10), "a hit");
    assert_eq!(calls.get(), 3);
    assert_eq!(cache.stats().writes, 1);
}

/// `evict` deletes the temporary files that crashed writers left (older than
/// an hour), but not one a live writer may still be renaming, nor entries
/// when there is no bound or TTL.
#[test]
fn evict_deletes_stale_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path()).unwrap();
    Cache::new(&store).insert(&5u8, &1u8).unwrap();
    let entry = store.path_for(&5u8.digest());
    let name = entry.file_name().unwrap().to_string_lossy().into_owned();
    let stale = entry.with_file_name(format!(".{name}.999999.0.tmp"));
    let fresh = entry.with_file_name(format!(".{name}.999999.1.tmp"));
    fs::write(&stale, b"partial").unwrap();
    fs::write(&fresh, b"partial").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let report = store.evict().unwrap();
    assert!(
        !stale.exists(),
        "a crashed writer's temporary file was kept"
    );
    assert!(fresh.exists(), "a live writer's temporary file was deleted");
    assert!(entry.exists());
    assert_eq!(report.removed, 0, "temporary files are not entries");
    assert_eq!(Cache::new(&store).get::<_, u8>(&5u8), Some(1));
}
