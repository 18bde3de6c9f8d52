//! Temporary file names of the directory store: left-overs of a crashed
//! writer with this process id, and two stores of one process on the same
//! directory, never make a write fail. One test in its own binary, so that the
//! process's temporary-file counter starts at 0.

use std::sync::{Arc, Barrier};
use tensor_key::FrozenKey;
use tensor_key_cache::{Cache, DirStore};

#[test]
fn temporary_names_never_collide() {
    let dir = tempfile::tempdir().unwrap();

    // A crashed run with the same process id (a container's pid 1, say) left
    // the temporary files of its first writes of this key.
    let store = DirStore::open(dir.path()).unwrap();
    let path = store.path_for(&42u32.digest());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    for n in 0..4 {
        let stale = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
        std::fs::write(stale, b"partial").unwrap();
    }
    let cache = Cache::new(store);
    assert_eq!(cache.get_or_compute(&42u32, |_| 1u32), 1);
    assert_eq!(cache.get_or_compute(&42u32, |_| 2u32), 1);
    let s = cache.stats();
    assert_eq!(
        (s.writes, s.store_errors, s.hits),
        (1, 0, 1),
        "{:?}",
        cache.last_error()
    );

    // Two stores of this process on one directory, writing the same key at once.
    for round in 0..100u32 {
        let caches: Vec<_> = (0..2)
            .map(|_| Arc::new(Cache::new(DirStore::open(dir.path()).unwrap())))
            .collect();
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = caches
            .iter()
            .map(|c| {
                let (c, barrier) = (Arc::clone(c), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    c.insert(&round, &vec![round; 1 << 14])
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), Ok(()), "round {round}");
        }
        for c in &caches {
            assert_eq!(c.stats().store_errors, 0);
        }
    }
}
