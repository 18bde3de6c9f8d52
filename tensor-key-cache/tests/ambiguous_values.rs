//! Values MessagePack cannot write unambiguously: `Some(x)` where `x` is
//! written as nil (`()`, `None`, ...) reads back as `None`. Such values are
//! computed and returned but never stored, so a later lookup is never a wrong
//! value; every other value, `Option`s included, is still stored.

mod common;

use common::watched;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use tensor_key_cache::{Cache, MemoryStore, Stats, Warning};

/// Computes `value` for `key` twice through the cache: both results must be
/// `value`. Returns how often `f` ran.
fn twice<V>(cache: &Cache<MemoryStore>, key: u64, value: &V) -> usize
where
    V: Serialize + for<'de> Deserialize<'de> + Clone + PartialEq + Debug,
{
    let calls = Cell::new(0);
    for round in 0..2 {
        let got: V = cache.get_or_compute(&key, |_| {
            calls.set(calls.get() + 1);
            value.clone()
        });
        assert_eq!(&got, value, "key {key}, round {round}");
    }
    calls.get()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Unit;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Wrapper(Option<u8>);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Record {
    name: String,
    done: Option<()>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Circle { r: Option<Option<u8>> },
    Pair(u8, Option<()>),
    Boxed(Option<Wrapper>),
}

#[test]
fn some_of_a_nil_value_is_returned_right_and_not_stored() {
    let (cache, seen) = watched(MemoryStore::new());
    let mut key = 0;
    let check = |n: usize| {
        assert_eq!(cache.stats().encode_errors, n as u64);
        assert_eq!(cache.stats().writes, 0);
        assert_eq!(seen.lock().unwrap().len(), n);
        let last = seen.lock().unwrap()[n - 1].clone();
        match last {
            Warning::Encode { reason, .. } => assert!(reason.contains("nil"), "{reason}"),
            w => panic!("{w:?}"),
        }
    };
    // Each is computed both times (a hit would read back `None`).
    macro_rules! unstorable {
        ($n:expr, $v:expr) => {{
            key += 1;
            assert_eq!(twice(&cache, key, &$v), 2, "{:?}", $v);
            check($n);
        }};
    }
    unstorable!(2, Some(()));
    unstorable!(4, Some(None::<u8>));
    unstorable!(6, Some(Some(None::<()>)));
    unstorable!(8, Some(Wrapper(None)));
    unstorable!(
        10,
        Record {
            name: "a".into(),
            done: Some(())
        }
    );
    unstorable!(12, vec![None, Some(()), None]);
    unstorable!(14, vec![Some(None), Some(Some(1u8))]);
    unstorable!(
        16,
        vec![Record {
            name: "b".into(),
            done: Some(())
        }]
    );
    unstorable!(18, (1u8, [Some(())]));
    unstorable!(20, BTreeMap::from([("k".to_owned(), Some(()))]));
    unstorable!(22, BTreeMap::from([(Some(()), 1u8)]));
    unstorable!(24, Shape::Circle { r: Some(None) });
    unstorable!(26, Shape::Pair(1, Some(())));
    unstorable!(28, Shape::Boxed(Some(Wrapper(None))));
    unstorable!(30, Some(Shape::Pair(1, Some(()))));

    // The warning says where.
    let path = |i: usize| match &seen.lock().unwrap()[i] {
        Warning::Encode { reason, .. } => reason.clone(),
        w => panic!("{w:?}"),
    };
    assert!(path(9).contains(".done"), "{}", path(9));
    assert!(path(11).contains("[1]"), "{}", path(11));
    assert!(path(25).contains(".1"), "{}", path(25));
    assert_eq!(cache.stats().hits, 0);
}

#[test]
fn values_that_read_back_as_written_are_still_stored() {
    let cache = Cache::new(MemoryStore::new());
    let mut key = 100;
    macro_rules! stored {
        ($v:expr) => {{
            key += 1;
            assert_eq!(twice(&cache, key, &$v), 1, "{:?}", $v);
        }};
    }
    stored!(None::<u8>);
    stored!(Some(3u8));
    stored!(None::<()>);
    stored!(None::<Option<u8>>);
    stored!(Some(Some(3u8)));
    stored!(());
    stored!(Unit);
    stored!(Some(Unit)); // written as `[]`, not nil
    stored!(Some(vec![(); 2]));
    stored!(vec![None, Some(3u8)]);
    stored!(Wrapper(None));
    stored!(Some(Wrapper(Some(0))));
    stored!(Record {
        name: "c".into(),
        done: None
    });
    stored!(Shape::Circle { r: None });
    stored!(Shape::Circle { r: Some(Some(2)) });
    stored!(Shape::Pair(1, None));
    stored!(BTreeMap::from([("k".to_owned(), None::<()>)]));
    let n = key - 100;
    assert_eq!(
        cache.stats(),
        Stats {
            hits: n,
            misses: n,
            writes: n,
            ..Stats::default()
        }
    );
}

/// `insert` refuses such a value the same way: not stored, not an error.
#[test]
fn insert_does_not_store_them_either() {
    let cache = Cache::new(MemoryStore::new());
    cache.insert(&1u8, &Some(())).unwrap();
    assert_eq!(cache.get::<_, Option<()>>(&1u8), None);
    assert_eq!(cache.stats().encode_errors, 1);
    cache.insert(&1u8, &None::<()>).unwrap();
    assert_eq!(cache.get::<_, Option<()>>(&1u8), Some(None));
}
