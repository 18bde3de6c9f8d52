//! Shared by the integration tests: deterministic values, child processes, a
//! private redis-server.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tensor_key_cache::{Cache, Stats, Store, Warning};

/// The value every process computes for key `i`: sizes from a few hundred
/// bytes to tens of kilobytes, so that a torn write would show.
pub fn value_for(i: u64) -> Vec<u64> {
    let len = 50 + (i as usize % 7) * 1500;
    (0..len as u64)
        .map(|j| i.wrapping_mul(1_000_003) ^ j)
        .collect()
}

/// A cache whose warnings are collected.
pub fn watched<S: Store>(store: S) -> (Cache<S>, Arc<Mutex<Vec<Warning>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let cache = Cache::new(store).with_warning_hook(move |w| log.lock().unwrap().push(w.clone()));
    (cache, seen)
}

/// One child's work: `rounds` passes over `keys` keys (or passes until the file
/// `stop` exists), alternating lookups, memoized computations and overwrites,
/// checking every value. Panics (so the child fails) on a wrong value.
pub fn hammer<S: Store>(cache: &Cache<S>, keys: u64, rounds: Option<u64>, stop: Option<&Path>) {
    let computed = AtomicU64::new(0);
    let mut round = 0u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match (rounds, stop) {
            (Some(r), _) if round >= r => break,
            (_, Some(stop)) if stop.exists() => break,
            _ => {}
        }
        assert!(Instant::now() < deadline, "child ran for two minutes");
        for k in 0..keys {
            let i = (k + round * 7 + u64::from(std::process::id())) % keys;
            let key = (i, "tensor-key-cache multiprocess test");
            let v: Vec<u64> = cache.get_or_compute(&key, |k| {
                computed.fetch_add(1, Ordering::Relaxed);
                value_for(k.0)
            });
            assert_eq!(v, value_for(i), "wrong value for key {i}");
            if let Some(v) = cache.get::<_, Vec<u64>>(&key) {
                assert_eq!(v, value_for(i), "wrong value read for key {i}");
            }
            if (i + round).is_multiple_of(3) {
                // Rewrite the entry while other processes read it.
                let _ = cache.insert(&key, &value_for(i));
            }
        }
        round += 1;
    }
}

pub fn stats_line(s: &Stats) -> String {
    format!(
        "STATS {} {} {} {} {} {}",
        s.hits, s.misses, s.writes, s.store_errors, s.corrupted, s.undecodable
    )
}

/// Sums the `STATS` lines of children's outputs.
pub fn sum_stats(outputs: &[String]) -> Stats {
    let mut total = Stats::default();
    for out in outputs {
        // The line may follow the harness's "test child_process ... ".
        let line = out
            .lines()
            .find_map(|l| l.split_once("STATS ").map(|(_, rest)| rest))
            .unwrap_or_else(|| panic!("no STATS line in child output:\n{out}"));
        let n: Vec<u64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
        total.hits += n[0];
        total.misses += n[1];
        total.writes += n[2];
        total.store_errors += n[3];
        total.corrupted += n[4];
        total.undecodable += n[5];
    }
    total
}

/// Starts this test binary again, running only the ignored test `child`, with
/// `envs`.
pub fn spawn_child(child: &str, envs: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        child,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn child test process")
}

/// Waits for children; panics with their output if any failed. Returns their
/// standard outputs.
pub fn wait_children(children: Vec<Child>) -> Vec<String> {
    let mut outs = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "child failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        outs.push(stdout);
    }
    outs
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Redis server of the tests, from `TK_REDIS_URL`; `None` (and a message
/// saying so) when unset.
pub fn redis_url(test: &str) -> Option<String> {
    match std::env::var("TK_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "SKIPPED {test}: TK_REDIS_URL is unset (e.g. TK_REDIS_URL=redis://127.0.0.1:6390/ with a redis-server there)"
            );
            None
        }
    }
}

#[cfg(feature = "redis")]
/// A redis-server of the test's own, on 127.0.0.1:`port`, killed on drop.
pub struct OwnRedis {
    pub port: u16,
    child: Option<Child>,
}

#[cfg(feature = "redis")]
impl OwnRedis {
    /// Starts `redis-server` (or `$TK_REDIS_SERVER`) and waits until it answers.
    pub fn start(port: u16) -> OwnRedis {
        let bin = std::env::var("TK_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("TK_REDIS_URL is set but `{bin}` cannot be started ({e}): install redis-server or set TK_REDIS_SERVER")
            });
        let mut server = OwnRedis {
            port,
            child: Some(child),
        };
        server.wait_ready();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = redis::Client::open(self.url()).unwrap();
        loop {
            if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("redis-server on port {} exited: {status}", self.port);
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server (SIGKILL) and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        *self = OwnRedis::start(self.port);
    }
}

#[cfg(feature = "redis")]
impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
