//! [`DirStore`]: one file per entry under a directory, shared by processes.

use crate::format;
use crate::store::{Store, StoreError, StoreOp};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tensor_key::KeyDigest;

/// File name extension of entries.
pub const EXTENSION: &str = "tkc";

/// After this many writes a process rescans the directory even if its own
/// estimate of the total size is under the bound, to see other processes'
/// writes.
const RESCAN_EVERY_PUTS: u64 = 64;

/// Temporary files older than this are left-overs of a crashed writer.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The embedded store: one file per entry, `ROOT/ab/abcdef….tkc` (the digest in
/// lowercase hex, its first two characters as a subdirectory).
///
/// * **Atomic writes.** An entry is written to a temporary file in the same
///   subdirectory and renamed over the final name, so readers, in this process
///   or any other, see a whole entry or none. Processes writing the same entry
///   at once each rename a whole file; the last rename wins, and both files hold
///   the same value for a deterministic function.
/// * **Size bound** ([`with_max_bytes`](Self::with_max_bytes)): when the entries
///   exceed the bound, the least recently used ones (oldest modification time;
///   a hit sets it to now) are deleted until the total is at most 90% of the
///   bound. Each process checks after its own writes (its estimate, plus a
///   rescan every 64 writes), so with several writers the directory can exceed
///   the bound by what the others wrote since; [`evict`](Self::evict) enforces
///   it at once. The eviction after a write is best effort: a write that
///   succeeded is reported as such even if the eviction after it could not
///   list the directory, and files it could not delete are left (call
///   [`evict`](Self::evict) to see both in its result).
/// * **TTL** ([`with_ttl`](Self::with_ttl)): an entry older than the TTL
///   (by the write time in its header) is a miss and is deleted.
///
/// ```
/// use tensor_key_cache::{Cache, DirStore};
/// let dir = tempfile::tempdir()?;
/// let store = DirStore::open(dir.path())?.with_max_bytes(64 << 20);
/// let cache = Cache::new(store);
/// let n: u64 = cache.get_or_compute(&"answer", |_| 42);
/// assert_eq!(n, 42);
/// assert!(cache.store().total_bytes()? > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DirStore {
    root: PathBuf,
    max_bytes: Option<u64>,
    ttl: Option<Duration>,
    sync: bool,
    /// This process's estimate of the total entry bytes (`u64::MAX`: unknown).
    estimate: AtomicU64,
    puts: AtomicU64,
    evicting: Mutex<()>,
}

/// What [`DirStore::evict`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvictReport {
    /// Entries deleted because they were over the size bound or expired.
    pub removed: u64,
    /// Total bytes of the entries left.
    pub bytes_left: u64,
}

impl DirStore {
    /// A store rooted at `root`, created if missing. No size bound, no TTL.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn open(root: impl AsRef<Path>) -> io::Result<Self> {
        let root = root.as_ref().to_path_buf();
        fs::create_dir_all(&root)?;
        Ok(DirStore {
            root,
            max_bytes: None,
            ttl: None,
            sync: false,
            estimate: AtomicU64::new(u64::MAX),
            puts: AtomicU64::new(0),
            evicting: Mutex::new(()),
        })
    }

    /// Bounds the total size of the entry files (see the type docs).
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = Some(max_bytes);
        self
    }

    /// Entries older than `ttl` are misses (and get deleted).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Flush each entry to disk (`fsync`) before it becomes visible: entries
    /// then survive a power loss. Off by default; without it a crash can leave an
    /// entry empty or damaged, which reads as a miss.
    #[must_use]
    pub fn with_sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// The root directory.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of the entry for `digest` (it may not exist).
    #[must_use]
    pub fn path_for(&self, digest: &KeyDigest) -> PathBuf {
        let hex = digest.to_hex();
        self.root.join(&hex[..2]).join(format!("{hex}.{EXTENSION}"))
    }

    /// Total size of the entry files, in bytes.
    ///
    /// # Errors
    /// When the directory cannot be listed.
    pub fn total_bytes(&self) -> io::Result<u64> {
        Ok(self.scan()?.iter().map(|f| f.len).sum())
    }

    /// Deletes expired entries (with a TTL), then the least recently used ones
    /// until the total is at most 90% of the size bound (with one), and stale
    /// temporary files of crashed writers.
    ///
    /// # Errors
    /// When the directory cannot be listed. Files that vanish meanwhile (another
    /// process evicting) are not errors.
    pub fn evict(&self) -> io::Result<EvictReport> {
        let _one_at_a_time = self
            .evicting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut files = self.scan()?;
        let mut report = EvictReport::default();
        if let Some(ttl) = self.ttl {
            let now = format::now_ms();
            files.retain(|f| {
                let expired = read_written_at(&f.path).is_some_and(|at| expired(at, now, ttl));
                // A file that cannot be deleted (a read-only directory) is
                // still there and still counts.
                !expired || !remove_counted(&f.path, &mut report)
            });
        }
        let mut total: u64 = files.iter().map(|f| f.len).sum();
        if let Some(max) = self.max_bytes
            && total > max
        {
            let target = max - max / 10;
            files.sort_by(|a, b| {
                a.modified
                    .cmp(&b.modified)
                    .then_with(|| a.path.cmp(&b.path))
            });
            for f in &files {
                if total <= target {
                    break;
                }
                if remove_counted(&f.path, &mut report) {
                    total = total.saturating_sub(f.len);
                }
            }
        }
        report.bytes_left = total;
        self.estimate.store(total, Ordering::Relaxed);
        Ok(report)
    }

    fn scan(&self) -> io::Result<Vec<FileInfo>> {
        let mut files = Vec::new();
        for sub in fs::read_dir(&self.root)? {
            let sub = sub?;
            let name = sub.file_name();
            let name = name.to_string_lossy();
            if name.len() != 2 || !sub.file_type()?.is_dir() {
                continue;
            }
            let entries = match fs::read_dir(sub.path()) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if path.extension().is_some_and(|e| e == EXTENSION) {
                    files.push(FileInfo {
                        path,
                        len: meta.len(),
                        modified,
                    });
                } else if entry.file_name().to_string_lossy().ends_with(".tmp")
                    && modified.elapsed().is_ok_and(|age| age > STALE_TEMP)
                {
                    remove_quietly(&path);
                }
            }
        }
        Ok(files)
    }

    /// A temporary file name next to `final_path`, unique in this process
    /// (one counter for every store, so that two stores on one directory do
    /// not collide); `write_atomically` skips names left by a crashed process
    /// that had the same process id.
    fn temp_path(final_path: &Path) -> PathBuf {
        static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = final_path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        final_path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
    }

    fn write_atomically(&self, path: &Path, entry: &[u8]) -> io::Result<()> {
        let dir = path.parent().expect("entry paths have a parent");
        let mut attempts = 0;
        let (tmp, mut file) = loop {
            let tmp = Self::temp_path(path);
            let created = match File::create_new(&tmp) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir_all(dir)?;
                    File::create_new(&tmp)
                }
                other => other,
            };
            match created {
                Ok(file) => break (tmp, file),
                // A left-over of a crashed writer with our process id.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 16 => {
                    attempts += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let written = (|| {
            file.write_all(entry)?;
            // An explicit, fine-grained time: the LRU order does not depend on
            // the file system's timestamp granularity.
            file.set_modified(SystemTime::now())?;
            if self.sync {
                file.sync_all()?;
            }
            drop(file);
            fs::rename(&tmp, path)
        })();
        if written.is_err() {
            remove_quietly(&tmp);
        }
        written
    }

    fn after_put(&self, len: u64) {
        let Some(max) = self.max_bytes else { return };
        let puts = self.puts.fetch_add(1, Ordering::Relaxed) + 1;
        let before = self.estimate.load(Ordering::Relaxed);
        let estimate = if before == u64::MAX {
            u64::MAX
        } else {
            before.saturating_add(len)
        };
        self.estimate.store(estimate, Ordering::Relaxed);
        if estimate > max || puts.is_multiple_of(RESCAN_EVERY_PUTS) {
            // Best effort: a failed eviction leaves the entry written.
            let _ = self.evict();
        }
    }
}

#[derive(Debug)]
struct FileInfo {
    path: PathBuf,
    len: u64,
    modified: SystemTime,
}

fn expired(written_at_ms: u64, now_ms: u64, ttl: Duration) -> bool {
    u128::from(now_ms.saturating_sub(written_at_ms)) > ttl.as_millis()
}

fn read_written_at(path: &Path) -> Option<u64> {
    let mut head = [0u8; 16];
    File::open(path).ok()?.read_exact(&mut head).ok()?;
    format::written_at_ms(&head)
}

/// Deletes an entry file for eviction, counting it in `report` when this
/// call deleted it; true when the file is gone (deleted here or by another
/// process), false when it could not be deleted.
fn remove_counted(path: &Path, report: &mut EvictReport) -> bool {
    match fs::remove_file(path) {
        Ok(()) => {
            report.removed += 1;
            true
        }
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    }
}

/// Deletes a file; true when this call deleted it.
fn remove_quietly(path: &Path) -> bool {
    fs::remove_file(path).is_ok()
}

fn err(op: StoreOp, path: &Path, e: &io::Error) -> StoreError {
    StoreError::new("dir", op, format!("{}: {e}", path.display()))
}

impl Store for DirStore {
    fn get(&self, digest: &KeyDigest) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path_for(digest);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(StoreOp::Get, &path, &e)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| err(StoreOp::Get, &path, &e))?;
        if let (Some(ttl), Some(at)) = (self.ttl, format::written_at_ms(&bytes))
            && expired(at, format::now_ms(), ttl)
        {
            remove_quietly(&path);
            return Ok(None);
        }
        if self.max_bytes.is_some() {
            // Recently used: eviction goes by modification time. Best effort.
            let _ = file.set_modified(SystemTime::now());
        }
        Ok(Some(bytes))
    }

    fn put(&self, digest: &KeyDigest, entry: &[u8]) -> Result<(), StoreError> {
        let path = self.path_for(digest);
        self.write_atomically(&path, entry)
            .map_err(|e| err(StoreOp::Put, &path, &e))?;
        self.after_put(entry.len() as u64);
        Ok(())
    }

    fn remove(&self, digest: &KeyDigest) -> Result<(), StoreError> {
        let path = self.path_for(digest);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(err(StoreOp::Remove, &path, &e)),
        }
    }
}
