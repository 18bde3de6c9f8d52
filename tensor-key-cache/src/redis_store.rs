//! [`RedisStore`]: entries in a Redis (or Valkey) server, for a fleet.

use crate::store::{Store, StoreError, StoreOp};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tensor_key::KeyDigest;

/// Key prefix by default: keys are `tk:v1:<64 hex digits>`.
pub const DEFAULT_PREFIX: &str = "tk:v1:";

/// Entries as Redis strings under `PREFIX<hex digest>` (`tk:v1:` by default),
/// holding the same bytes as a directory store's files, optionally with a TTL
/// (`SET key entry PX ttl_ms`).
///
/// Uses one synchronous connection, opened on first use and shared by the
/// threads of the process (one request at a time). Every request has a timeout
/// ([`with_timeout`](Self::with_timeout), 1 s by default). When the server
/// cannot be reached the operation fails with a [`StoreError`], which the
/// [`Cache`](crate::Cache) counts and reports while it computes the value; the
/// connection is dropped, and for [`with_retry_after`](Self::with_retry_after)
/// (1 s by default) later operations fail at once without waiting on the
/// network again. Then the store reconnects, so a restarted server is used again.
///
/// ```no_run
/// use tensor_key_cache::{Cache, RedisStore};
/// let cache = Cache::new(RedisStore::open("redis://127.0.0.1:6379/")?);
/// let y: f32 = cache.get_or_compute(&[1.0f32, 2.0], |x| x.iter().sum());
/// # Ok::<(), tensor_key_cache::StoreError>(())
/// ```
pub struct RedisStore {
    client: redis::Client,
    prefix: String,
    ttl: Option<Duration>,
    timeout: Duration,
    retry_after: Duration,
    state: Mutex<State>,
}

struct State {
    conn: Option<redis::Connection>,
    /// After a failure: no attempts before this instant, and why.
    down_until: Option<(Instant, String)>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field(
                "server",
                &self.client.get_connection_info().addr().to_string(),
            )
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .field("timeout", &self.timeout)
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

/// The longest TTL sent to Redis, in milliseconds: 2^62 (about 146 million
/// years). Redis refuses a `PX` above `i64::MAX` minus the server's clock in
/// ms; this bound leaves room for any clock.
const MAX_PX: u128 = 1 << 62;

/// The `PX` argument for `ttl`: rounded up to a millisecond and at least one
/// (Redis refuses `PX 0`), or `None` (no expiry) beyond [`MAX_PX`].
fn px(ttl: Duration) -> Option<u64> {
    let ms = ttl.as_nanos().div_ceil(1_000_000).max(1);
    if ms > MAX_PX {
        return None;
    }
    Some(u64::try_from(ms).expect("at most 2^62"))
}

fn error(op: StoreOp, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::new("redis", op, e.to_string())
}

impl RedisStore {
    /// A store for the server at `url` (`redis://host:port/db`). Does not
    /// connect: the first operation does, so a cache can be made while the
    /// server is down.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| error(StoreOp::Connect, &e))?;
        Ok(RedisStore {
            client,
            prefix: DEFAULT_PREFIX.to_owned(),
            ttl: None,
            timeout: Duration::from_secs(1),
            retry_after: Duration::from_secs(1),
            state: Mutex::new(State {
                conn: None,
                down_until: None,
            }),
        })
    }

    /// Keys are `prefix` followed by the digest in lowercase hex.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Entries expire `ttl` after they are written (rounded up to a
    /// millisecond, so zero is one millisecond: Redis refuses `PX 0`).
    ///
    /// A TTL longer than 2<sup>62</sup> ms (about 146 million years, e.g.
    /// [`Duration::MAX`]) means no expiry: Redis takes `PX` as a signed 64-bit
    /// count and refuses one whose expiry time (now + `PX`) overflows, which
    /// would fail every write.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Time limit for connecting and for each request.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// After a failure, operations fail at once for this long before the store
    /// tries the server again. Zero: every operation tries.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The Redis key of the entry for `digest`.
    #[must_use]
    pub fn key_for(&self, digest: &KeyDigest) -> String {
        format!("{}{}", self.prefix, digest.to_hex())
    }

    /// Checks that the server answers.
    ///
    /// # Errors
    /// When it does not.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.run(StoreOp::Connect, |conn| {
            redis::cmd("PING").query::<String>(conn).map(drop)
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> Result<redis::Connection, StoreError> {
        let conn = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(|e| error(StoreOp::Connect, &e))?;
        conn.set_read_timeout(Some(self.timeout))
            .and_then(|()| conn.set_write_timeout(Some(self.timeout)))
            .map_err(|e| error(StoreOp::Connect, &e))?;
        Ok(conn)
    }

    fn run<T>(
        &self,
        op: StoreOp,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut state = self.lock();
        if let Some((until, why)) = &state.down_until {
            let now = Instant::now();
            if now < *until {
                return Err(error(
                    op,
                    &format!(
                        "server unreachable ({why}), next attempt in {} ms",
                        (*until - now).as_millis()
                    ),
                ));
            }
            state.down_until = None;
        }
        let conn = match &mut state.conn {
            Some(conn) => conn,
            slot @ None => match self.connect() {
                Ok(conn) => slot.insert(conn),
                Err(e) => {
                    state.down_until = Some((Instant::now() + self.retry_after, e.message.clone()));
                    return Err(e);
                }
            },
        };
        match f(conn) {
            Ok(v) => Ok(v),
            Err(e) => {
                // A reply error (wrong type, ...) leaves the connection usable;
                // anything else may have left it mid-reply: start afresh.
                if !matches!(e.kind(), redis::ErrorKind::Server(_)) {
                    state.conn = None;
                    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                        state.down_until = Some((Instant::now() + self.retry_after, e.to_string()));
                    }
                }
                Err(error(op, &e))
            }
        }
    }
}

impl Store for RedisStore {
    fn get(&self, digest: &KeyDigest) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.key_for(digest);
        self.run(StoreOp::Get, |conn| {
            redis::cmd("GET").arg(&key).query::<Option<Vec<u8>>>(conn)
        })
    }

    fn put(&self, digest: &KeyDigest, entry: &[u8]) -> Result<(), StoreError> {
        let key = self.key_for(digest);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key).arg(entry);
        if let Some(ms) = self.ttl.and_then(px) {
            cmd.arg("PX").arg(ms);
        }
        self.run(StoreOp::Put, |conn| cmd.query::<()>(conn))
    }

    fn remove(&self, digest: &KeyDigest) -> Result<(), StoreError> {
        let key = self.key_for(digest);
        self.run(StoreOp::Remove, |conn| {
            redis::cmd("DEL").arg(&key).query::<()>(conn)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn px_rounds_up_and_drops_what_redis_cannot_express() {
        assert_eq!(px(Duration::ZERO), Some(1));
        assert_eq!(px(Duration::from_nanos(1)), Some(1));
        assert_eq!(px(Duration::from_nanos(1_000_001)), Some(2));
        assert_eq!(px(Duration::from_millis(300)), Some(300));
        assert_eq!(px(Duration::from_millis(1 << 62)), Some(1 << 62));
        let just_over = Duration::from_millis(1 << 62) + Duration::from_nanos(1);
        assert_eq!(px(just_over), None);
        assert_eq!(px(Duration::from_millis(i64::MAX as u64)), None);
        assert_eq!(px(Duration::MAX), None);
    }
}
