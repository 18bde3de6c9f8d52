//! Cache hit latency, next to the time to compute the key's digest.
//!
//! ```sh
//! cargo run --release -p tensor-key-cache --example cache_bench
//! TK_REDIS_URL=redis://127.0.0.1:6379/ cargo run --release -p tensor-key-cache --features redis --example cache_bench
//! ```
//!
//! Prints a Markdown table of medians: for a 4×4 and a 1M-element f32 key and
//! a value of 16 f32, the digest alone, a hit by digest (store read, checks and
//! decoding), and a whole `get_or_compute` hit (digest plus hit). Redis rows
//! appear when `TK_REDIS_URL` is set (and the example is built with `redis`).

use ndarray::{Array1, Array2};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tensor_key::FrozenKey;
use tensor_key_cache::{Cache, DirStore, Store};

/// Median over `samples` of the mean time of `batch` calls.
fn median(samples: usize, batch: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..batch.max(3) {
        f();
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            t.elapsed() / u32::try_from(batch).unwrap()
        })
        .collect();
    times.sort();
    times[samples / 2]
}

fn show(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else {
        format!("{:.2} ms", ns as f64 / 1e6)
    }
}

struct Key {
    name: &'static str,
    samples: usize,
    batch: usize,
}

fn rows<S: Store, K: FrozenKey>(store_name: &str, cache: &Cache<S>, key: &K, spec: &Key) -> String {
    let value: Vec<f32> = (0..16).map(|i| i as f32 * 0.25).collect();
    let digest = key.digest();
    cache
        .insert_by_digest(&digest, &value)
        .expect("store works");
    let by_digest = median(spec.samples, spec.batch, || {
        let v: Option<Vec<f32>> = cache.get_by_digest(black_box(&digest));
        assert_eq!(v.as_deref(), Some(&value[..]));
    });
    let whole = median(spec.samples, spec.batch, || {
        let v: Vec<f32> = cache.get_or_compute(black_box(key), |_| unreachable!("a hit"));
        black_box(v);
    });
    assert_eq!(cache.stats().store_errors, 0, "{:?}", cache.last_error());
    format!(
        "| {} | {store_name} | {} | {} |\n",
        spec.name,
        show(by_digest),
        show(whole)
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let small = Array2::from_shape_fn((4, 4), |(i, j)| (i * 4 + j) as f32);
    let large = Array1::from_shape_fn(1 << 20, |i| i as f32 * 1e-3);
    let small_spec = Key {
        name: "4×4 f32",
        samples: 301,
        batch: 100,
    };
    let large_spec = Key {
        name: "1M f32",
        samples: 31,
        batch: 1,
    };

    let mut out = String::from("| key | digest only |\n|---|---|\n");
    let d_small = median(small_spec.samples, small_spec.batch, || {
        black_box(black_box(&small).digest());
    });
    let d_large = median(large_spec.samples, large_spec.batch, || {
        black_box(black_box(&large).digest());
    });
    out += &format!("| {} | {} |\n", small_spec.name, show(d_small));
    out += &format!("| {} | {} |\n\n", large_spec.name, show(d_large));

    out += "| key | store | hit by digest | `get_or_compute` hit (digest + hit) |\n|---|---|---|---|\n";
    let dir = std::env::temp_dir().join(format!("tk-cache-bench-{}", std::process::id()));
    let cache = Cache::new(DirStore::open(&dir)?);
    out += &rows("directory", &cache, &small, &small_spec);
    out += &rows("directory", &cache, &large, &large_spec);
    std::fs::remove_dir_all(&dir)?;

    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("TK_REDIS_URL") {
        let store = tensor_key_cache::RedisStore::open(&url)?
            .with_prefix(format!("tk:bench:{}:", std::process::id()));
        store.ping()?;
        let cache = Cache::new(store);
        out += &rows("Redis (loopback)", &cache, &small, &small_spec);
        out += &rows("Redis (loopback)", &cache, &large, &large_spec);
        cache.remove(&small)?;
        cache.remove(&large)?;
    }
    print!("{out}");
    Ok(())
}
