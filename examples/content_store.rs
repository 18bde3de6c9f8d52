//! A content-addressed tensor store on disk: each tensor is saved under its
//! [`KeyDigest`] and found again by that digest, in this run or a later one.
//!
//! Run with `cargo run --release --example content_store -- [DIR]`. Without
//! `DIR` the store lives in a fresh directory under the system's temp dir. The
//! first run with a `DIR` stores six tensors and prints their digests; a second
//! run with the same `DIR` finds them ("found 6 of 6 from a previous run"),
//! because a digest names the same value in every process. Each run also writes
//! a truncated and a bit-flipped copy of a stored file into `DIR`, shows that
//! loading them fails with a clear error, removes them, and then checks in
//! memory that every truncation and every single-bit flip of a file, and a set of
//! malformed headers, are refused. It exits non-zero if any check fails.
//!
//! The loader never panics on file content: it checks lengths before slicing,
//! uses checked arithmetic on the header's numbers, and compares the size the
//! shape implies with the file's size before allocating anything. The tests
//! (`cargo test --example content_store`) cover the same ground.
//!
//! # File format (version 1)
//!
//! A file `<digest hex>.tk` holds, in order (all integers little-endian):
//!
//! | bytes  | field                                                          |
//! |--------|----------------------------------------------------------------|
//! | 8      | magic `TKSTORE\0`                                              |
//! | 2      | format version, `u16` = 1                                      |
//! | 1      | dtype: 1 = `f32`, 2 = `f64`, 3 = `i32`, 4 = `u8`               |
//! | 1      | ndim, 0 to 32                                                  |
//! | 8·ndim | shape: each extent a `u64`                                     |
//! | 32     | the tensor's key digest (`FrozenKey::digest`), its name        |
//! | n·size | elements in logical row-major order; floats by their raw bits  |
//! | 32     | SHA-256 of every byte before it                                |
//!
//! On load the file's size must be exactly what its header implies, the
//! trailing SHA-256 must match (any damaged byte, NaN payloads included), the
//! digest recomputed from the decoded tensor must equal the stored one, and that
//! must equal the digest it was looked up by (the file name).

use ndarray::{ArrayD, IxDyn, ShapeBuilder, s};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tensor_key::{FrozenKey, KeyDigest};

const MAGIC: [u8; 8] = *b"TKSTORE\0";
const VERSION: u16 = 1;
const MAX_NDIM: u8 = 32;
/// Files larger than this are refused before they are read.
const MAX_FILE_BYTES: u64 = 1 << 32;
/// Magic, version, dtype, ndim.
const FIXED_HEADER: usize = 8 + 2 + 1 + 1;
const DIGEST_BYTES: usize = 32;
const CHECKSUM_BYTES: usize = 32;

// ---------------------------------------------------------------------------
// Tensors of the supported element types

/// A tensor of one of the stored element types.
#[derive(Clone, Debug)]
enum Tensor {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
    I32(ArrayD<i32>),
    U8(ArrayD<u8>),
}

/// An element type the file format knows.
trait Elem: Copy + FrozenKey {
    const TAG: u8;
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    /// Reads from exactly `SIZE` bytes.
    fn get(bytes: &[u8]) -> Self;
    fn wrap(a: ArrayD<Self>) -> Tensor;
}

macro_rules! elem {
    ($t:ty, $tag:expr, $variant:ident, $bits:ty, $to:expr, $from:expr) => {
        impl Elem for $t {
            const TAG: u8 = $tag;
            const SIZE: usize = size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                let bits: $bits = $to(self);
                out.extend_from_slice(&bits.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                let mut b = [0u8; size_of::<$t>()];
                b.copy_from_slice(bytes);
                $from(<$bits>::from_le_bytes(b))
            }
            fn wrap(a: ArrayD<Self>) -> Tensor {
                Tensor::$variant(a)
            }
        }
    };
}
elem!(f32, 1, F32, u32, f32::to_bits, f32::from_bits);
elem!(f64, 2, F64, u64, f64::to_bits, f64::from_bits);
elem!(i32, 3, I32, i32, |x| x, |x| x);
elem!(u8, 4, U8, u8, |x| x, |x| x);

/// Applies `$body` to the array inside a `Tensor`, whatever its element type.
macro_rules! with_array {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            Tensor::F32($a) => $body,
            Tensor::F64($a) => $body,
            Tensor::I32($a) => $body,
            Tensor::U8($a) => $body,
        }
    };
}

impl Tensor {
    fn digest(&self) -> KeyDigest {
        with_array!(self, a => a.digest())
    }

    fn shape(&self) -> &[usize] {
        with_array!(self, a => a.shape())
    }

    fn dtype(&self) -> &'static str {
        match self {
            Tensor::F32(_) => "f32",
            Tensor::F64(_) => "f64",
            Tensor::I32(_) => "i32",
            Tensor::U8(_) => "u8",
        }
    }

    /// Same element type, shape and element bits (stricter than key equality).
    fn bit_identical(&self, other: &Tensor) -> bool {
        encode(self) == encode(other)
    }
}

// ---------------------------------------------------------------------------
// Errors

/// Why a stored tensor could not be loaded (or saved).
#[derive(Debug)]
enum StoreError {
    /// Reading or writing the file failed.
    Io { path: PathBuf, source: io::Error },
    /// The file is larger than any file this store writes.
    TooLarge { bytes: u64 },
    /// The file ends before the header, or the data its shape needs, is complete.
    Truncated { needed: u64, found: u64 },
    /// The file is longer than its header says.
    TrailingBytes { expected: u64, found: u64 },
    /// The file does not start with `TKSTORE\0`.
    BadMagic,
    /// A format version this program cannot read.
    UnsupportedVersion(u16),
    /// An unknown element type tag.
    UnknownDtype(u8),
    /// More axes than the format allows.
    TooManyAxes(u8),
    /// The shape's element count or byte size does not fit in 64 bits, or an
    /// array of that shape cannot exist in memory.
    ShapeOverflow { shape: Vec<u64> },
    /// The trailing SHA-256 does not match the file's bytes.
    ChecksumMismatch,
    /// The decoded tensor's digest is not the digest stored in the file.
    DigestMismatch {
        stored: KeyDigest,
        computed: KeyDigest,
    },
    /// The file holds another tensor than the one asked for (renamed or misplaced).
    WrongName {
        requested: KeyDigest,
        found: KeyDigest,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            StoreError::TooLarge { bytes } => {
                write!(
                    f,
                    "file of {bytes} bytes exceeds the limit of {MAX_FILE_BYTES}"
                )
            }
            StoreError::Truncated { needed, found } => write!(
                f,
                "file is truncated: its header needs {needed} bytes, the file has {found}"
            ),
            StoreError::TrailingBytes { expected, found } => write!(
                f,
                "file has {found} bytes but its header describes {expected}"
            ),
            StoreError::BadMagic => write!(f, "not a tensor store file (bad magic bytes)"),
            StoreError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "unsupported format version {v} (this program reads {VERSION})"
                )
            }
            StoreError::UnknownDtype(t) => write!(f, "unknown element type tag {t}"),
            StoreError::TooManyAxes(n) => {
                write!(f, "{n} axes, more than the format's limit of {MAX_NDIM}")
            }
            StoreError::ShapeOverflow { shape } => {
                write!(f, "shape {shape:?} is too large to exist")
            }
            StoreError::ChecksumMismatch => {
                write!(f, "checksum mismatch: the file is corrupt")
            }
            StoreError::DigestMismatch { stored, computed } => write!(
                f,
                "content does not match its digest: stored {stored}, computed {computed}"
            ),
            StoreError::WrongName { requested, found } => {
                write!(f, "asked for tensor {requested}, the file holds {found}")
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Encoding and decoding

fn encode(t: &Tensor) -> Vec<u8> {
    fn body<E: Elem>(a: &ArrayD<E>, out: &mut Vec<u8>) {
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.push(E::TAG);
        out.push(u8::try_from(a.ndim()).expect("at most 32 axes"));
        for &n in a.shape() {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        out.extend_from_slice(a.digest().as_bytes());
        out.reserve(a.len() * E::SIZE + CHECKSUM_BYTES);
        for &x in a.iter() {
            x.put(out); // logical row-major order, whatever the layout
        }
    }
    let mut out = Vec::new();
    with_array!(t, a => body(a, &mut out));
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// A cursor that never reads past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let found = self.bytes.len() as u64;
        let end = self.pos.checked_add(n).ok_or(StoreError::Truncated {
            needed: u64::MAX,
            found,
        })?;
        let chunk = self.bytes.get(self.pos..end).ok_or(StoreError::Truncated {
            needed: end as u64,
            found,
        })?;
        self.pos = end;
        Ok(chunk)
    }

    fn u64(&mut self) -> Result<u64, StoreError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
}

/// Decodes and verifies a file's bytes. Never panics, whatever the bytes.
fn decode(bytes: &[u8]) -> Result<Tensor, StoreError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(StoreError::BadMagic);
    }
    let fixed = r.take(FIXED_HEADER - MAGIC.len())?;
    let version = u16::from_le_bytes([fixed[0], fixed[1]]);
    let (dtype, ndim) = (fixed[2], fixed[3]);
    if version != VERSION {
        return Err(StoreError::UnsupportedVersion(version));
    }
    let size: u64 = match dtype {
        1 | 3 => 4,
        2 => 8,
        4 => 1,
        _ => return Err(StoreError::UnknownDtype(dtype)),
    };
    if ndim > MAX_NDIM {
        return Err(StoreError::TooManyAxes(ndim));
    }
    let shape = (0..ndim)
        .map(|_| r.u64())
        .collect::<Result<Vec<u64>, _>>()?;

    // The size the header implies, in checked arithmetic, against the real size.
    let overflow = || StoreError::ShapeOverflow {
        shape: shape.clone(),
    };
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &n| acc.checked_mul(n))
        .ok_or_else(overflow)?;
    let payload = count.checked_mul(size).ok_or_else(overflow)?;
    let expected = (r.pos as u64)
        .checked_add((DIGEST_BYTES + CHECKSUM_BYTES) as u64)
        .and_then(|n| n.checked_add(payload))
        .ok_or_else(overflow)?;
    let found = bytes.len() as u64;
    if expected > found {
        return Err(StoreError::Truncated {
            needed: expected,
            found,
        });
    }
    if expected < found {
        return Err(StoreError::TrailingBytes { expected, found });
    }

    // Integrity of every byte, before any of them is interpreted further.
    let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    if Sha256::digest(content).as_slice() != checksum {
        return Err(StoreError::ChecksumMismatch);
    }

    let mut stored = [0u8; DIGEST_BYTES];
    stored.copy_from_slice(r.take(DIGEST_BYTES)?);
    let stored = KeyDigest::from_bytes(stored);
    // `payload <= found` now, so it fits in usize.
    let data = r.take(payload as usize)?;
    let dims = shape
        .iter()
        .map(|&n| usize::try_from(n).map_err(|_| overflow()))
        .collect::<Result<Vec<usize>, _>>()?;

    fn build<E: Elem>(dims: Vec<usize>, data: &[u8]) -> Option<Tensor> {
        let elems = data.chunks_exact(E::SIZE).map(E::get).collect();
        // ndarray refuses shapes whose non-zero extents overflow isize.
        ArrayD::from_shape_vec(IxDyn(&dims), elems)
            .ok()
            .map(E::wrap)
    }
    let tensor = match dtype {
        1 => build::<f32>(dims, data),
        2 => build::<f64>(dims, data),
        3 => build::<i32>(dims, data),
        _ => build::<u8>(dims, data),
    }
    .ok_or_else(overflow)?;

    let computed = tensor.digest();
    if computed != stored {
        return Err(StoreError::DigestMismatch { stored, computed });
    }
    Ok(tensor)
}

// ---------------------------------------------------------------------------
// The store

struct Store {
    dir: PathBuf,
}

impl Store {
    fn open(dir: &Path) -> Result<Store, StoreError> {
        fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Store {
            dir: dir.to_path_buf(),
        })
    }

    fn path_of(&self, digest: &KeyDigest) -> PathBuf {
        self.dir.join(format!("{digest}.tk"))
    }

    /// Saves `t` under its digest (atomically: a temporary file, then a rename).
    fn put(&self, t: &Tensor) -> Result<KeyDigest, StoreError> {
        let digest = t.digest();
        let path = self.path_of(&digest);
        let tmp = self
            .dir
            .join(format!(".{digest}.tk.tmp{}", std::process::id()));
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        fs::write(&tmp, encode(t)).map_err(io_err(&tmp))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        Ok(digest)
    }

    /// The tensor named `digest`, verified; `None` if the store does not hold it.
    fn get(&self, digest: &KeyDigest) -> Result<Option<Tensor>, StoreError> {
        match load_file(&self.path_of(digest), Some(digest)) {
            Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                Ok(None)
            }
            other => other.map(Some),
        }
    }
}

/// Loads and verifies one file; `expected` is the digest it was looked up by.
fn load_file(path: &Path, expected: Option<&KeyDigest>) -> Result<Tensor, StoreError> {
    let io_err = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(io_err)?;
    let bytes = file.metadata().map_err(io_err)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(StoreError::TooLarge { bytes });
    }
    let mut content = Vec::new();
    // `take` guards against a file that grows while it is read.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut content)
        .map_err(io_err)?;
    let tensor = decode(&content)?;
    if let Some(&requested) = expected {
        let found = tensor.digest();
        if found != requested {
            return Err(StoreError::WrongName { requested, found });
        }
    }
    Ok(tensor)
}

// ---------------------------------------------------------------------------
// The demonstration

/// Six tensors, the same in every run (so their digests are too), with the
/// digests SPEC.md gives for three of them.
fn samples() -> Vec<(&'static str, Tensor, Option<&'static str>)> {
    let grid = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| 4.0 * i as f32 + j as f32 - 2.5);
    let grid_view = grid.slice(s![1.., ..;2]).to_owned().into_dyn();
    let mut weights = ArrayD::<f64>::zeros(IxDyn(&[8, 8]).f());
    for ((i, j), w) in [(0usize, 0usize), (1, 2), (5, 7)]
        .into_iter()
        .zip([0.25, -1.5, 3.0])
    {
        weights[[i, j]] = w;
    }
    weights[[2, 3]] = f64::NAN;
    weights[[4, 4]] = -0.0;
    let image = ArrayD::from_shape_fn(IxDyn(&[4, 5, 3]), |ix| {
        (ix[0] * 50 + ix[1] * 10 + ix[2]) as u8
    });
    vec![
        (
            "grid[1.., ..;2] (2x2 f32)",
            Tensor::F32(grid_view),
            Some("6c977273ceb84ae7dfee61319caf5e0d9bf94234995c4682f57e9875faa58211"),
        ),
        (
            "scalar 2.0 (0-d f32)",
            Tensor::F32(ndarray::arr0(2.0f32).into_dyn()),
            Some("7b30d3b52a5c66b177ee44b964be2d3fb4cc8c17de653078397112678f83ae6c"),
        ),
        (
            "empty (0x3 f32)",
            Tensor::F32(ArrayD::zeros(IxDyn(&[0, 3]))),
            Some("25fda898d1faac8f34d9830e8584d1f3ee9addf68c7df2b1a5d8dee70be32066"),
        ),
        (
            "weights (8x8 f64, Fortran order, NaN, -0.0)",
            Tensor::F64(weights),
            None,
        ),
        (
            "counts (100 i32)",
            Tensor::I32(ArrayD::from_shape_fn(IxDyn(&[100]), |ix| {
                ix[0] as i32 * 7 - 300
            })),
            None,
        ),
        ("image (4x5x3 u8)", Tensor::U8(image), None),
    ]
}

/// Builds a file from raw parts with a correct trailing checksum, so a loader's
/// checks beyond the checksum can be reached.
fn raw_file(dtype: u8, ndim: u8, shape: &[u64], rest: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&[dtype, ndim]);
    for n in shape {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(rest);
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// A damaged file: what was done to it, its bytes, and the error it must give.
type Case = (&'static str, Vec<u8>, fn(&StoreError) -> bool);

/// Malformed files and the error each must give.
fn malformed_files(good: &[u8]) -> Vec<Case> {
    let mut wrong_magic = good.to_vec();
    wrong_magic[0] = b'X';
    let mut wrong_version = good.to_vec();
    wrong_version[8] = 2;
    let mut tampered = good.to_vec();
    // Change an element and recompute the checksum: only the digest can tell.
    let last_element = tampered.len() - CHECKSUM_BYTES - 1;
    tampered[last_element] ^= 0x10;
    tampered.truncate(tampered.len() - CHECKSUM_BYTES);
    let checksum = Sha256::digest(&tampered);
    tampered.extend_from_slice(&checksum);
    let mut extra = good.to_vec();
    extra.push(0);
    vec![
        ("wrong magic", wrong_magic, |e| {
            matches!(e, StoreError::BadMagic)
        }),
        ("version 2", wrong_version, |e| {
            matches!(e, StoreError::UnsupportedVersion(_))
        }),
        ("empty file", Vec::new(), |e| {
            matches!(e, StoreError::Truncated { .. })
        }),
        ("a trailing byte", extra, |e| {
            matches!(e, StoreError::TrailingBytes { .. })
        }),
        ("element changed, checksum recomputed", tampered, |e| {
            matches!(e, StoreError::DigestMismatch { .. })
        }),
        ("dtype 9", raw_file(9, 0, &[], &[0; 36]), |e| {
            matches!(e, StoreError::UnknownDtype(9))
        }),
        ("255 axes", raw_file(1, 255, &[], &[]), |e| {
            matches!(e, StoreError::TooManyAxes(255))
        }),
        (
            "shape [2^32, 2^32, 2^32]",
            raw_file(1, 3, &[1 << 32; 3], &[0; 36]),
            |e| matches!(e, StoreError::ShapeOverflow { .. }),
        ),
        (
            "shape [u64::MAX] of f64",
            raw_file(2, 1, &[u64::MAX], &[0; 36]),
            |e| matches!(e, StoreError::ShapeOverflow { .. }),
        ),
        (
            "shape [2^40, 2^20] (claims 4 PiB)",
            raw_file(1, 2, &[1 << 40, 1 << 20], &[0; 36]),
            |e| matches!(e, StoreError::Truncated { .. }),
        ),
        (
            "shape [0, 2^63, 4]: empty, but no such array",
            raw_file(1, 3, &[0, 1 << 63, 4], &[0; 32]),
            |e| matches!(e, StoreError::ShapeOverflow { .. }),
        ),
    ]
}

/// Every check of the loader against damaged input, in memory. Returns the
/// number of failed checks and prints a summary.
fn self_check(good: &[u8]) -> usize {
    let mut failures = 0;
    match decode(good) {
        Ok(_) => {}
        Err(e) => {
            println!("  FAIL: the intact file is refused: {e}");
            failures += 1;
        }
    }
    let mut truncations = 0;
    for len in 0..good.len() {
        match decode(&good[..len]) {
            Err(StoreError::Truncated { .. } | StoreError::BadMagic) => truncations += 1,
            other => {
                println!("  FAIL: truncation to {len} bytes gave {other:?}");
                failures += 1;
            }
        }
    }
    let mut flips = 0;
    let mut damaged = good.to_vec();
    for bit in 0..good.len() * 8 {
        damaged[bit / 8] ^= 1 << (bit % 8);
        match decode(&damaged) {
            Err(_) => flips += 1,
            Ok(_) => {
                println!("  FAIL: flipping bit {bit} went unnoticed");
                failures += 1;
            }
        }
        damaged[bit / 8] ^= 1 << (bit % 8);
    }
    println!("  {truncations} of {} truncations refused", good.len());
    println!("  {flips} of {} single-bit flips refused", good.len() * 8);
    for (what, bytes, expected) in malformed_files(good) {
        match decode(&bytes) {
            Err(e) if expected(&e) => println!("  {what}: refused: {e}"),
            other => {
                println!("  FAIL: {what}: gave {other:?}");
                failures += 1;
            }
        }
    }
    failures
}

fn run() -> Result<usize, StoreError> {
    let mut args = std::env::args().skip(1);
    let (dir, given) = match (args.next(), args.next()) {
        (Some(dir), None) if !dir.starts_with('-') => (PathBuf::from(dir), true),
        (None, None) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let name = format!("tensor-key-store-{}-{nanos}", std::process::id());
            (std::env::temp_dir().join(name), false)
        }
        _ => {
            eprintln!("usage: content_store [DIR]");
            std::process::exit(2);
        }
    };
    let store = Store::open(&dir)?;
    println!("store: {}", dir.display());
    let mut failures = 0;

    // 1. Find what a previous run stored; store the rest.
    let samples = samples();
    let mut found = 0;
    for (name, tensor, spec_digest) in &samples {
        let digest = tensor.digest();
        if let Some(spec) = spec_digest
            && digest.to_hex() != *spec
        {
            println!("FAIL: {name}: digest {digest} differs from SPEC.md's {spec}");
            failures += 1;
        }
        match store.get(&digest)? {
            Some(loaded) => {
                found += 1;
                let same = loaded.bit_identical(tensor);
                println!(
                    "found  {digest}  {name}{}",
                    if same { "" } else { "  MISMATCH" }
                );
                failures += usize::from(!same);
            }
            None => {
                store.put(tensor)?;
                println!("stored {digest}  {name}");
            }
        }
    }
    println!("found {found} of {} from a previous run", samples.len());

    // 2. Everything is found by digest now, bit for bit.
    let mut reloaded = 0;
    for (_, tensor, _) in &samples {
        match store.get(&tensor.digest())? {
            Some(t) if t.bit_identical(tensor) && t.shape() == tensor.shape() => reloaded += 1,
            _ => failures += 1,
        }
    }
    println!(
        "reloaded {reloaded} of {} by digest, bit for bit",
        samples.len()
    );
    if !given {
        println!(
            "(to find them again: cargo run --release --example content_store -- {})",
            dir.display()
        );
    }

    // 3. Damaged copies on disk are refused with a clear error.
    println!();
    println!("damaged copies in the store directory:");
    let (_, weights, _) = &samples[3];
    let digest = weights.digest();
    let good = fs::read(store.path_of(&digest)).map_err(|source| StoreError::Io {
        path: store.path_of(&digest),
        source,
    })?;
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x01;
    let (_, other, _) = &samples[4];
    let other_digest = other.digest();
    let cases: [Case; 3] = [
        ("truncated", good[..good.len() - 100].to_vec(), |e| {
            matches!(e, StoreError::Truncated { .. })
        }),
        ("bit-flipped", flipped, |e| {
            matches!(e, StoreError::ChecksumMismatch)
        }),
        // An intact file under another tensor's name.
        ("misnamed", good.clone(), |e| {
            matches!(e, StoreError::WrongName { .. })
        }),
    ];
    for (what, bytes, expected) in cases {
        let path = dir.join(format!("damaged-{what}.tk"));
        fs::write(&path, &bytes).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let asked = if what == "misnamed" {
            other_digest
        } else {
            digest
        };
        let result = load_file(&path, Some(&asked));
        let _ = fs::remove_file(&path);
        match result {
            Err(e) if expected(&e) => println!("  {what} ({} bytes): refused: {e}", bytes.len()),
            other => {
                println!("  FAIL: {what}: gave {other:?}");
                failures += 1;
            }
        }
    }

    // 4. Every truncation and bit flip of a small file, and malformed headers.
    println!();
    let (name, small, _) = &samples[0];
    let bytes = encode(small);
    println!(
        "self-check of the loader on the {}-byte file of {name} ({}):",
        bytes.len(),
        small.dtype()
    );
    failures += self_check(&bytes);
    Ok(failures)
}

fn main() -> ExitCode {
    match run() {
        Ok(0) => {
            println!();
            println!("OK");
            ExitCode::SUCCESS
        }
        Ok(n) => {
            println!();
            println!("{n} check(s) FAILED");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_samples() -> Vec<Tensor> {
        samples().into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn round_trip_is_bit_exact() {
        for t in all_samples() {
            let back = decode(&encode(&t)).expect("intact file");
            assert!(back.bit_identical(&t), "{}", t.dtype());
            assert_eq!(back.shape(), t.shape());
            assert_eq!(back.digest(), t.digest());
        }
    }

    #[test]
    fn nan_payloads_survive() {
        let t = Tensor::F32(ArrayD::from_elem(IxDyn(&[2]), f32::from_bits(0xFFC0_1234)));
        let Tensor::F32(a) = decode(&encode(&t)).unwrap() else {
            panic!("wrong dtype")
        };
        assert!(a.iter().all(|x| x.to_bits() == 0xFFC0_1234));
    }

    #[test]
    fn every_truncation_and_bit_flip_is_refused() {
        for t in all_samples() {
            assert_eq!(self_check(&encode(&t)), 0, "{}", t.dtype());
        }
    }

    #[test]
    fn malformed_headers_give_their_errors() {
        let good = encode(&all_samples()[0]);
        for (what, bytes, expected) in malformed_files(&good) {
            let e = decode(&bytes).expect_err(what);
            assert!(expected(&e), "{what}: {e:?}");
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn store_round_trip_and_refusals_on_disk() {
        let dir = std::env::temp_dir().join(format!(
            "tensor-key-store-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let store = Store::open(&dir).unwrap();
        let samples = all_samples();
        for t in &samples {
            assert!(store.get(&t.digest()).unwrap().is_none());
            assert_eq!(store.put(t).unwrap(), t.digest());
            assert!(store.path_of(&t.digest()).is_file());
            assert!(store.get(&t.digest()).unwrap().unwrap().bit_identical(t));
        }
        // A file moved to another tensor's name.
        let (a, b) = (samples[0].digest(), samples[1].digest());
        fs::copy(store.path_of(&a), store.path_of(&b)).unwrap();
        assert!(matches!(store.get(&b), Err(StoreError::WrongName { .. })));
        // A truncated file.
        let bytes = fs::read(store.path_of(&a)).unwrap();
        fs::write(store.path_of(&a), &bytes[..bytes.len() - 1]).unwrap();
        assert!(matches!(store.get(&a), Err(StoreError::Truncated { .. })));
        fs::remove_dir_all(&dir).unwrap();
    }
}
