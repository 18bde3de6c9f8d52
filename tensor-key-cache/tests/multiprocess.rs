//! Several processes write and read the same entries at once: every read is the
//! right value or a miss, and no reader ever sees a torn entry.
//!
//! The parent tests start this test binary again as children that run only the
//! ignored test `child_process`, told what to do by `TKC_CHILD_*` variables.

mod common;

use common::{hammer, spawn_child, stats_line, sum_stats, value_for, wait_children};
use std::path::PathBuf;
use tensor_key_cache::{Cache, DirStore, Store};

const CHILDREN: usize = 4;
const KEYS: u64 = 24;

fn child_work<S: Store>(store: S) {
    let cache = Cache::new(store);
    let rounds = std::env::var("TKC_CHILD_ROUNDS")
        .ok()
        .map(|r| r.parse().unwrap());
    let stop = std::env::var("TKC_CHILD_STOP").ok().map(PathBuf::from);
    hammer(&cache, KEYS, rounds, stop.as_deref());
    let s = cache.stats();
    println!("{}", stats_line(&s));
    if std::env::var("TKC_CHILD_STORE").as_deref() == Ok("dir") {
        assert_eq!(s.store_errors, 0, "{:?}", cache.last_error());
    }
    // Atomic replacement: a reader never sees a partial entry.
    assert_eq!(s.corrupted, 0, "a child read a damaged entry");
    assert_eq!(s.undecodable, 0);
}

/// Runs only as a child of the tests below (it is ignored otherwise).
#[test]
#[ignore = "a child process of the multi-process tests"]
fn child_process() {
    let Ok(store) = std::env::var("TKC_CHILD_STORE") else {
        eprintln!("child_process runs only as a child of the multi-process tests");
        return;
    };
    let target = std::env::var("TKC_CHILD_TARGET").unwrap();
    match store.as_str() {
        "dir" => child_work(DirStore::open(target).unwrap()),
        #[cfg(feature = "redis")]
        "redis" => child_work(
            tensor_key_cache::RedisStore::open(&target)
                .unwrap()
                .with_prefix(std::env::var("TKC_CHILD_PREFIX").unwrap())
                .with_retry_after(std::time::Duration::from_millis(50)),
        ),
        other => panic!("unknown store {other}"),
    }
}

#[test]
fn processes_share_a_directory_store() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("shared").display().to_string();
    let children: Vec<_> = (0..CHILDREN)
        .map(|_| {
            spawn_child(
                "child_process",
                &[
                    ("TKC_CHILD_STORE", "dir".into()),
                    ("TKC_CHILD_TARGET", target.clone()),
                    ("TKC_CHILD_ROUNDS", "12".into()),
                ],
            )
        })
        .collect();
    let total = sum_stats(&wait_children(children));
    assert_eq!(total.corrupted, 0);
    assert!(total.hits > 0, "{total:?}");
    assert_eq!(total.hits + total.misses, CHILDREN as u64 * 12 * KEYS * 2);
    // Every entry is whole, and no temporary file is left.
    let cache = Cache::new(DirStore::open(&target).unwrap());
    for i in 0..KEYS {
        let key = (i, "tensor-key-cache multiprocess test");
        assert_eq!(cache.get::<_, Vec<u64>>(&key), Some(value_for(i)));
    }
    for sub in std::fs::read_dir(&target).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            assert!(name.ends_with(".tkc"), "left over: {name}");
        }
    }
}

#[cfg(feature = "redis")]
mod redis_processes {
    use super::*;
    use common::{OwnRedis, free_port, redis_url};
    use std::time::{Duration, Instant};

    fn prefix(test: &str) -> String {
        format!("tk:test:{}:{test}:", std::process::id())
    }

    fn redis_children(url: &str, prefix: &str, extra: (&str, String)) -> Vec<std::process::Child> {
        (0..CHILDREN)
            .map(|_| {
                spawn_child(
                    "child_process",
                    &[
                        ("TKC_CHILD_STORE", "redis".into()),
                        ("TKC_CHILD_TARGET", url.into()),
                        ("TKC_CHILD_PREFIX", prefix.into()),
                        (extra.0, extra.1.clone()),
                    ],
                )
            })
            .collect()
    }

    fn all_present(url: &str, prefix: &str) -> bool {
        let cache = Cache::new(
            tensor_key_cache::RedisStore::open(url)
                .unwrap()
                .with_prefix(prefix),
        );
        (0..KEYS).all(|i| {
            let key = (i, "tensor-key-cache multiprocess test");
            cache.get::<_, Vec<u64>>(&key) == Some(value_for(i))
        })
    }

    #[test]
    fn processes_share_a_redis_store() {
        let Some(url) = redis_url("processes_share_a_redis_store") else {
            return;
        };
        let prefix = prefix("shared");
        let children = redis_children(&url, &prefix, ("TKC_CHILD_ROUNDS", "12".into()));
        let total = sum_stats(&wait_children(children));
        assert_eq!((total.corrupted, total.store_errors), (0, 0), "{total:?}");
        assert!(total.hits > 0);
        assert!(all_present(&url, &prefix));
    }

    /// The server is killed while the children run, then restarted: they keep
    /// returning right values (computing them), count the failures, and use the
    /// restarted server again.
    #[test]
    fn processes_survive_a_redis_restart() {
        if redis_url("processes_survive_a_redis_restart").is_none() {
            return;
        }
        let mut server = OwnRedis::start(free_port());
        let url = server.url();
        let prefix = prefix("restart");
        let stop_dir = tempfile::tempdir().unwrap();
        let stop = stop_dir.path().join("stop");
        let children = redis_children(
            &url,
            &prefix,
            ("TKC_CHILD_STOP", stop.display().to_string()),
        );
        let wait_until = |what: &str, ok: &dyn Fn() -> bool| {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !ok() {
                assert!(Instant::now() < deadline, "timed out waiting: {what}");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        wait_until("children filled the cache", &|| all_present(&url, &prefix));
        server.kill();
        // Let the children run against the dead server for a while.
        std::thread::sleep(Duration::from_millis(500));
        server.restart();
        // The restarted server starts empty (no persistence); the children
        // fill it again.
        wait_until("children refilled the restarted server", &|| {
            all_present(&url, &prefix)
        });
        std::fs::write(&stop, b"").unwrap();
        let total = sum_stats(&wait_children(children));
        assert!(
            total.store_errors > 0,
            "the outage was not counted: {total:?}"
        );
        assert_eq!(total.corrupted, 0);
    }
}
