//! The Redis store against a real server: `TK_REDIS_URL` (these tests skip,
//! saying so, when it is unset), or a redis-server of the test's own.
#![cfg(feature = "redis")]

mod common;

use common::{OwnRedis, free_port, redis_url, value_for, watched};
use std::time::Duration;
use tensor_key::FrozenKey;
use tensor_key_cache::format::HEADER_LEN;
use tensor_key_cache::{Cache, RedisStore, Stats, Store, StoreOp, Warning};

fn store(url: &str, test: &str) -> RedisStore {
    RedisStore::open(url)
        .unwrap()
        .with_prefix(format!("tk:test:{}:{test}:", std::process::id()))
}

fn raw(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

#[test]
fn hit_after_miss_under_the_documented_key() {
    let Some(url) = redis_url("hit_after_miss_under_the_documented_key") else {
        return;
    };
    let cache = Cache::new(store(&url, "hit"));
    let key = ndarray::Array2::from_shape_fn((4, 4), |(i, j)| (i * 4 + j) as f32);
    let calls = std::cell::Cell::new(0);
    for _ in 0..3 {
        let v: Vec<f32> = cache.get_or_compute(&key, |k| {
            calls.set(calls.get() + 1);
            k.iter().copied().collect()
        });
        assert_eq!(v.len(), 16);
    }
    assert_eq!(calls.get(), 1);
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.writes, s.store_errors), (2, 1, 1, 0));
    // The documented key and bytes.
    let redis_key = format!(
        "tk:test:{}:hit:{}",
        std::process::id(),
        key.digest().to_hex()
    );
    assert_eq!(cache.store().key_for(&key.digest()), redis_key);
    let bytes: Vec<u8> = redis::cmd("GET")
        .arg(&redis_key)
        .query(&mut raw(&url))
        .unwrap();
    assert_eq!(&bytes[..4], b"TKC\x01");
    assert_eq!(&bytes[24..56], key.digest().as_bytes());
    // The default prefix.
    let plain = RedisStore::open(&url).unwrap();
    assert_eq!(
        plain.key_for(&key.digest()),
        format!("tk:v1:{}", key.digest().to_hex())
    );
    cache.remove(&key).unwrap();
    assert_eq!(cache.get::<_, Vec<f32>>(&key), None);
}

#[test]
fn damaged_entries_and_other_types_are_misses() {
    let Some(url) = redis_url("damaged_entries_and_other_types_are_misses") else {
        return;
    };
    let (cache, seen) = watched(store(&url, "damage"));
    let key = "damaged";
    let d = key.digest();
    cache.insert(key, &value_for(3)).unwrap();
    let good = cache.store().get(&d).unwrap().unwrap();
    let mut flipped = good.clone();
    flipped[HEADER_LEN + 5] ^= 0x10;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"garbage".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("flipped", flipped),
        ("empty", Vec::new()),
    ];
    for (what, bad) in cases {
        cache.store().put(&d, &bad).unwrap();
        assert_eq!(cache.get::<_, Vec<u64>>(key), None, "{what}");
        let v: Vec<u64> = cache.get_or_compute(key, |_| value_for(3));
        assert_eq!(v, value_for(3), "{what}");
        assert_eq!(cache.get::<_, Vec<u64>>(key), Some(value_for(3)), "{what}");
    }
    assert_eq!(cache.get::<_, String>(key), None);
    let s = cache.stats();
    assert_eq!((s.corrupted, s.undecodable, s.store_errors), (8, 1, 0));
    assert_eq!(seen.lock().unwrap().len(), 9);
    assert!(matches!(
        seen.lock().unwrap()[8],
        Warning::Undecodable { .. }
    ));
}

#[test]
fn ttl_is_set_on_the_server() {
    let Some(url) = redis_url("ttl_is_set_on_the_server") else {
        return;
    };
    let cache = Cache::new(store(&url, "ttl").with_ttl(Duration::from_millis(300)));
    cache.insert("short-lived", &1u32).unwrap();
    let redis_key = cache.store().key_for(&"short-lived".digest());
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&redis_key)
        .query(&mut raw(&url))
        .unwrap();
    assert!(pttl > 0 && pttl <= 300, "PTTL {pttl}");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(cache.get::<_, u32>("short-lived"), None);
    // Without a TTL: no expiry.
    let lasting = Cache::new(store(&url, "ttl"));
    lasting.insert("lasting", &2u32).unwrap();
    let pttl: i64 = redis::cmd("PTTL")
        .arg(lasting.store().key_for(&"lasting".digest()))
        .query(&mut raw(&url))
        .unwrap();
    assert_eq!(pttl, -1);
    lasting.remove("lasting").unwrap();
}

/// Redis takes `PX` as a positive signed 64-bit count and refuses one whose
/// expiry time (now + PX) overflows: a TTL too long for that means no expiry,
/// and every write still succeeds. Zero is rounded up to a millisecond.
#[test]
fn very_long_ttls_mean_no_expiry_and_zero_is_a_millisecond() {
    let Some(url) = redis_url("very_long_ttls_mean_no_expiry_and_zero_is_a_millisecond") else {
        return;
    };
    let pttl = |cache: &Cache<RedisStore>, key: &str| -> i64 {
        redis::cmd("PTTL")
            .arg(cache.store().key_for(&key.digest()))
            .query(&mut raw(&url))
            .unwrap()
    };
    let day = Duration::from_secs(86_400);
    let cases = [
        (Duration::MAX, None),
        (Duration::from_millis(u64::MAX), None),
        (Duration::from_millis(i64::MAX as u64), None),
        (Duration::from_millis((1 << 62) + 1), None),
        (Duration::from_millis(1 << 62), Some(1u64 << 62)),
        (day * 365 * 1000, Some(day.as_millis() as u64 * 365 * 1000)),
    ];
    for (ttl, expected) in cases {
        let cache = Cache::new(store(&url, "long-ttl").with_ttl(ttl));
        cache.insert("long", &1u32).unwrap();
        assert_eq!(cache.get::<_, u32>("long"), Some(1), "{ttl:?}");
        assert_eq!(
            cache.stats().store_errors,
            0,
            "{ttl:?}: {:?}",
            cache.last_error()
        );
        let left = pttl(&cache, "long");
        match expected {
            None => assert_eq!(left, -1, "{ttl:?}: no expiry"),
            Some(ms) => assert!(
                left > 0 && left as u64 <= ms && left as u64 > ms - 60_000,
                "{ttl:?}: PTTL {left}"
            ),
        }
        cache.remove("long").unwrap();
    }
    for ttl in [Duration::ZERO, Duration::from_nanos(1)] {
        let cache = Cache::new(store(&url, "zero-ttl").with_ttl(ttl));
        cache.insert("brief", &1u32).unwrap();
        assert_eq!(
            cache.stats().store_errors,
            0,
            "{ttl:?}: {:?}",
            cache.last_error()
        );
        assert!(pttl(&cache, "brief") <= 1, "{ttl:?}");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(cache.get::<_, u32>("brief"), None, "{ttl:?}");
    }
}

/// Needs no server: nothing listens on the port.
#[test]
fn an_unreachable_server_is_reported_and_values_still_computed() {
    let url = format!("redis://127.0.0.1:{}/", free_port());
    let (cache, seen) = watched(
        RedisStore::open(&url)
            .unwrap()
            .with_timeout(Duration::from_millis(500)),
    );
    for i in 0..5u64 {
        let v: Vec<u64> = cache.get_or_compute(&i, |i| value_for(*i));
        assert_eq!(v, value_for(i));
    }
    let s = cache.stats();
    assert_eq!(
        s,
        Stats {
            misses: 5,
            store_errors: 10,
            ..Stats::default()
        }
    );
    let first = seen.lock().unwrap()[0].clone();
    match first {
        Warning::Store(e) => {
            assert_eq!((e.store, e.op), ("redis", StoreOp::Connect));
            assert!(
                e.to_string().starts_with("redis store: connect failed: "),
                "{e}"
            );
        }
        w => panic!("{w:?}"),
    }
    // Later operations within the retry interval fail at once, saying why.
    let last = cache.last_error().unwrap();
    assert_eq!(last.op, StoreOp::Put);
    assert!(last.message.contains("server unreachable ("), "{last}");
    assert!(cache.store().ping().is_err());
    assert!(RedisStore::open("http://not-redis").is_err());
}

/// A server of the test's own is killed and restarted: values keep coming,
/// failures are counted, and the restarted server is used again.
#[test]
fn a_killed_server_is_survived_and_a_restarted_one_used_again() {
    if redis_url("a_killed_server_is_survived_and_a_restarted_one_used_again").is_none() {
        return;
    }
    let mut server = OwnRedis::start(free_port());
    let cache = Cache::new(
        RedisStore::open(&server.url())
            .unwrap()
            .with_timeout(Duration::from_millis(500))
            .with_retry_after(Duration::ZERO),
    );
    let run = |cache: &Cache<RedisStore>| {
        for i in 0..10u64 {
            let v: Vec<u64> = cache.get_or_compute(&i, |i| value_for(*i));
            assert_eq!(v, value_for(i));
        }
    };
    run(&cache);
    run(&cache);
    let up = cache.stats();
    assert_eq!(
        (up.hits, up.misses, up.writes, up.store_errors),
        (10, 10, 10, 0)
    );

    server.kill();
    run(&cache);
    let down = cache.stats();
    assert_eq!(down.hits, up.hits);
    assert_eq!(down.misses, up.misses + 10);
    assert_eq!(down.writes, up.writes);
    assert_eq!(down.store_errors, 20, "a get and a put per key");
    assert!(cache.last_error().is_some());

    server.restart();
    run(&cache); // empty server: misses, written again
    run(&cache); // hits
    let again = cache.stats();
    assert_eq!(
        again.store_errors,
        down.store_errors,
        "{:?}",
        cache.last_error()
    );
    assert_eq!(again.writes, down.writes + 10);
    assert_eq!(again.hits, down.hits + 10);
}
