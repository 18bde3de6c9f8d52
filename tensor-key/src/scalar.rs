//! Fixed-width scalars (integers, floats, complex numbers, `bool`, `char`) and
//! the bulk path that encodes runs of them through the encoder's buffer.

use crate::encoder::Encoder;
use crate::format::{CHUNK, tag};
use crate::kernels::fixed::{Fixed, at_fixed_rank};
use crate::kernels::scan::{native_bytes, none_dirty};
use crate::kernels::strided::{Band, Banded, Run, TensorRef};
use crate::kernels::transpose::{GROUP, columns_into_rows, prefetch};
use crate::policy::FloatPolicy;
use num_complex::Complex;
use std::mem::MaybeUninit;

/// A fixed-width value whose element encoding is `SIZE` little-endian bytes.
///
/// # Safety
/// Implementors have no padding and no uninitialized bytes, so a slice of them
/// may be viewed as bytes ([`native_bytes`]).
pub(crate) unsafe trait Scalar: Copy {
    /// Width of the element encoding in bytes; divides `CHUNK`.
    const SIZE: usize;
    /// The type tag under a float policy.
    fn tag(floats: FloatPolicy) -> u8;
    /// Writes the element encoding into `out[..SIZE]`.
    fn write_le(self, floats: FloatPolicy, out: &mut [u8]);
    /// Canonical (or bitwise) equality.
    fn eq_under(self, other: Self, floats: FloatPolicy) -> bool;
    /// True when the in-memory bytes of `items` already are their encoding.
    fn native_is_encoding(items: &[Self], floats: FloatPolicy) -> bool;
    /// True when the canonical encoding differs from the bitwise one (a NaN
    /// or a negative zero somewhere in the value).
    fn needs_canonicalizing(self) -> bool;
    /// True when equal bytes in memory mean equal keys and unequal bytes unequal
    /// keys under `floats` (integers always; floats only bit for bit).
    const BYTES_ARE_IDENTITY: bool;

    /// Writes the canonical encoding of a short run into `out` (exactly
    /// `items.len() * SIZE` bytes) in one pass over 16-byte groups, with no
    /// scan first and no copy call: the small-key path.
    #[inline(always)]
    fn encode_small_run(items: &[Self], out: &mut [u8]) {
        if LITTLE_ENDIAN && std::mem::size_of::<Self>() == Self::SIZE && Self::BYTES_ARE_IDENTITY {
            let mut dst = out.chunks_exact_mut(SMALL_GROUP);
            let mut src = native_bytes(items).chunks_exact(SMALL_GROUP);
            for (d, s) in (&mut dst).zip(&mut src) {
                d.copy_from_slice(s);
            }
            dst.into_remainder().copy_from_slice(src.remainder());
        } else {
            for (slot, x) in out.chunks_exact_mut(Self::SIZE).zip(items) {
                x.write_le(FloatPolicy::Canonical, slot);
            }
        }
    }
}

/// Bytes per group of [`Scalar::encode_small_run`]: one SSE register, and a
/// multiple of every scalar width.
const SMALL_GROUP: usize = 16;

/// Canonical equality of two slices of scalars at memcmp speed: equal bits are
/// equal keys, so blocks are compared as bytes first, and only a block whose
/// bytes differ is compared by the canonical rule (NaN payloads, signed zeros).
#[inline]
pub(crate) fn slice_eq<T: Scalar>(a: &[T], b: &[T], floats: FloatPolicy) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if native_bytes(a) == native_bytes(b) {
        return true;
    }
    if T::BYTES_ARE_IDENTITY || floats == FloatPolicy::Bitwise {
        return false;
    }
    a.chunks(EQ_BLOCK).zip(b.chunks(EQ_BLOCK)).all(|(x, y)| {
        native_bytes(x) == native_bytes(y)
            || x.iter().zip(y).fold(true, |eq, (p, q)| {
                eq & p.eq_under(*q, FloatPolicy::Canonical)
            })
    })
}

/// Elements per block of the byte comparison: large enough that the memcmp
/// call is amortized, small enough that a mismatch is re-checked cheaply.
const EQ_BLOCK: usize = 512;

const LITTLE_ENDIAN: bool = cfg!(target_endian = "little");

macro_rules! int_scalar {
    ($($t:ty => $tag:expr, $wire:ty;)*) => {$(
        // SAFETY: primitive integers have no padding.
        unsafe impl Scalar for $t {
            const SIZE: usize = std::mem::size_of::<$wire>();
            const BYTES_ARE_IDENTITY: bool = true;
            #[inline]
            fn tag(_: FloatPolicy) -> u8 {
                $tag
            }
            #[inline]
            fn write_le(self, _: FloatPolicy, out: &mut [u8]) {
                out[..Self::SIZE].copy_from_slice(&(self as $wire).to_le_bytes());
            }
            #[inline]
            fn eq_under(self, other: Self, _: FloatPolicy) -> bool {
                self == other
            }
            #[inline]
            fn native_is_encoding(_: &[Self], _: FloatPolicy) -> bool {
                LITTLE_ENDIAN && std::mem::size_of::<$t>() == Self::SIZE
            }
            #[inline]
            fn needs_canonicalizing(self) -> bool {
                false
            }
        }
    )*};
}

int_scalar! {
    u8 => tag::U8, u8;
    u16 => tag::U16, u16;
    u32 => tag::U32, u32;
    u64 => tag::U64, u64;
    u128 => tag::U128, u128;
    usize => tag::U64, u64;
    i8 => tag::I8, i8;
    i16 => tag::I16, i16;
    i32 => tag::I32, i32;
    i64 => tag::I64, i64;
    i128 => tag::I128, i128;
    isize => tag::I64, i64;
}

// SAFETY: bool is one byte, 0 or 1.
unsafe impl Scalar for bool {
    const SIZE: usize = 1;
    const BYTES_ARE_IDENTITY: bool = true;
    fn tag(_: FloatPolicy) -> u8 {
        tag::BOOL
    }
    #[inline]
    fn write_le(self, _: FloatPolicy, out: &mut [u8]) {
        out[0] = u8::from(self);
    }
    #[inline]
    fn eq_under(self, other: Self, _: FloatPolicy) -> bool {
        self == other
    }
    fn native_is_encoding(_: &[Self], _: FloatPolicy) -> bool {
        true
    }
    #[inline]
    fn needs_canonicalizing(self) -> bool {
        false
    }
}

// SAFETY: char is a u32 holding a Unicode scalar value.
unsafe impl Scalar for char {
    const SIZE: usize = 4;
    const BYTES_ARE_IDENTITY: bool = true;
    fn tag(_: FloatPolicy) -> u8 {
        tag::CHAR
    }
    #[inline]
    fn write_le(self, _: FloatPolicy, out: &mut [u8]) {
        out[..4].copy_from_slice(&u32::from(self).to_le_bytes());
    }
    #[inline]
    fn eq_under(self, other: Self, _: FloatPolicy) -> bool {
        self == other
    }
    fn native_is_encoding(_: &[Self], _: FloatPolicy) -> bool {
        LITTLE_ENDIAN
    }
    #[inline]
    fn needs_canonicalizing(self) -> bool {
        false
    }
}

/// The float operations the canonical rules need, for `f32`, `f64` and (with the
/// `half` feature) `f16`/`bf16`.
pub(crate) trait Float: Copy {
    type Bits: Copy + Eq;
    const CANONICAL_NAN: Self::Bits;
    const NEG_ZERO: Self::Bits;
    const POS_ZERO: Self::Bits;
    fn bits(self) -> Self::Bits;
    fn is_nan(self) -> bool;

    /// The bits that encode `self` under `floats`.
    #[inline]
    fn encoded_bits(self, floats: FloatPolicy) -> Self::Bits {
        match floats {
            FloatPolicy::Bitwise => self.bits(),
            FloatPolicy::Canonical if self.is_nan() => Self::CANONICAL_NAN,
            FloatPolicy::Canonical if self.bits() == Self::NEG_ZERO => Self::POS_ZERO,
            FloatPolicy::Canonical => self.bits(),
        }
    }

    /// The canonical encoding's bits, without branches (selects only).
    #[inline(always)]
    fn canonical_bits(self) -> Self::Bits {
        let bits = self.bits();
        let zeroed = if bits == Self::NEG_ZERO {
            Self::POS_ZERO
        } else {
            bits
        };
        if self.is_nan() {
            Self::CANONICAL_NAN
        } else {
            zeroed
        }
    }

    /// IEEE equality (`-0.0 == 0.0`, NaN unequal to everything).
    fn ieee_eq(self, other: Self) -> bool;

    /// Equality of encoded bits, without computing them: canonically, two floats
    /// are equal when IEEE says so or both are NaN, a branch-free test that
    /// vectorizes.
    #[inline]
    fn eq_under(self, other: Self, floats: FloatPolicy) -> bool {
        match floats {
            FloatPolicy::Bitwise => self.bits() == other.bits(),
            FloatPolicy::Canonical => self.ieee_eq(other) | (self.is_nan() & other.is_nan()),
        }
    }

    /// True if `self` is changed by canonicalization (a NaN or -0.0).
    #[inline(always)]
    fn needs_canonicalizing(self) -> bool {
        self.is_nan() | (self.bits() == Self::NEG_ZERO)
    }

    /// True if no element needs canonicalizing.
    #[inline]
    fn all_canonical(items: &[Self]) -> bool {
        none_dirty(items, Self::needs_canonicalizing)
    }
}

macro_rules! float_scalar {
    ($($t:ty => $tag:expr, $ctag:expr, $bits:ty, $nan:expr;)*) => {$(
        impl Float for $t {
            type Bits = $bits;
            const CANONICAL_NAN: $bits = $nan;
            const NEG_ZERO: $bits = 1 << (<$bits>::BITS - 1);
            const POS_ZERO: $bits = 0;
            #[inline]
            fn bits(self) -> $bits {
                self.to_bits()
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            #[allow(clippy::float_cmp)]
            fn ieee_eq(self, other: Self) -> bool {
                self == other
            }
            /// On the bits alone (a NaN's magnitude exceeds infinity's), so
            /// that scans stay in integer vector registers.
            #[inline(always)]
            fn needs_canonicalizing(self) -> bool {
                let bits = self.to_bits();
                ((bits & !Self::NEG_ZERO) > <$t>::INFINITY.to_bits()) | (bits == Self::NEG_ZERO)
            }
        }

        // SAFETY: IEEE floats are plain bits with no padding.
        unsafe impl Scalar for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const BYTES_ARE_IDENTITY: bool = false;
            #[inline]
            fn tag(floats: FloatPolicy) -> u8 {
                float_tag($tag, floats)
            }
            #[inline]
            fn write_le(self, floats: FloatPolicy, out: &mut [u8]) {
                out[..Self::SIZE].copy_from_slice(&self.encoded_bits(floats).to_le_bytes());
            }
            #[inline]
            fn eq_under(self, other: Self, floats: FloatPolicy) -> bool {
                Float::eq_under(self, other, floats)
            }
            #[inline]
            fn native_is_encoding(items: &[Self], floats: FloatPolicy) -> bool {
                LITTLE_ENDIAN && (floats == FloatPolicy::Bitwise || Float::all_canonical(items))
            }
            #[inline]
            fn needs_canonicalizing(self) -> bool {
                Float::needs_canonicalizing(self)
            }
            /// Branch-free on fixed-size groups, so that it vectorizes.
            #[inline(always)]
            fn encode_small_run(items: &[Self], out: &mut [u8]) {
                const PER_GROUP: usize = SMALL_GROUP / std::mem::size_of::<$t>();
                let (groups, rest) = items.as_chunks::<PER_GROUP>();
                let (slots, rest_slots) = out.as_chunks_mut::<SMALL_GROUP>();
                for (slot, group) in slots.iter_mut().zip(groups) {
                    let bits = group.map(Float::canonical_bits);
                    let (lanes, _) = slot.as_chunks_mut::<{ std::mem::size_of::<$t>() }>();
                    for (lane, b) in lanes.iter_mut().zip(bits) {
                        *lane = b.to_le_bytes();
                    }
                }
                let (lanes, _) = rest_slots.as_chunks_mut::<{ std::mem::size_of::<$t>() }>();
                for (lane, x) in lanes.iter_mut().zip(rest) {
                    *lane = Float::canonical_bits(*x).to_le_bytes();
                }
            }
        }

        // SAFETY: `Complex` is `repr(C)` with two fields of the same float type,
        // so it has no padding.
        unsafe impl Scalar for Complex<$t> {
            const SIZE: usize = 2 * std::mem::size_of::<$t>();
            const BYTES_ARE_IDENTITY: bool = false;
            #[inline]
            fn tag(floats: FloatPolicy) -> u8 {
                float_tag($ctag, floats)
            }
            #[inline]
            fn write_le(self, floats: FloatPolicy, out: &mut [u8]) {
                let half = Self::SIZE / 2;
                self.re.write_le(floats, &mut out[..half]);
                self.im.write_le(floats, &mut out[half..]);
            }
            #[inline]
            fn eq_under(self, other: Self, floats: FloatPolicy) -> bool {
                Float::eq_under(self.re, other.re, floats) && Float::eq_under(self.im, other.im, floats)
            }
            #[inline]
            fn native_is_encoding(items: &[Self], floats: FloatPolicy) -> bool {
                LITTLE_ENDIAN
                    && (floats == FloatPolicy::Bitwise
                        || none_dirty(items, Scalar::needs_canonicalizing))
            }
            #[inline]
            fn needs_canonicalizing(self) -> bool {
                Float::needs_canonicalizing(self.re) | Float::needs_canonicalizing(self.im)
            }
        }
    )*};
}

float_scalar! {
    f32 => tag::F32, tag::C32, u32, 0x7FC0_0000;
    f64 => tag::F64, tag::C64, u64, 0x7FF8_0000_0000_0000;
}

#[cfg(feature = "half")]
macro_rules! half_scalar {
    ($($t:ty => $tag:expr, $nan:expr;)*) => {$(
        impl Float for $t {
            type Bits = u16;
            const CANONICAL_NAN: u16 = $nan;
            const NEG_ZERO: u16 = 0x8000;
            const POS_ZERO: u16 = 0;
            #[inline]
            fn bits(self) -> u16 {
                self.to_bits()
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn ieee_eq(self, other: Self) -> bool {
                self == other
            }
            #[inline(always)]
            fn needs_canonicalizing(self) -> bool {
                let bits = self.to_bits();
                ((bits & 0x7FFF) > <$t>::INFINITY.to_bits()) | (bits == 0x8000)
            }
        }

        // SAFETY: `f16` and `bf16` are `repr(transparent)` over `u16`.
        unsafe impl Scalar for $t {
            const SIZE: usize = 2;
            const BYTES_ARE_IDENTITY: bool = false;
            #[inline]
            fn tag(floats: FloatPolicy) -> u8 {
                float_tag($tag, floats)
            }
            #[inline]
            fn write_le(self, floats: FloatPolicy, out: &mut [u8]) {
                out[..2].copy_from_slice(&self.encoded_bits(floats).to_le_bytes());
            }
            #[inline]
            fn eq_under(self, other: Self, floats: FloatPolicy) -> bool {
                Float::eq_under(self, other, floats)
            }
            #[inline]
            fn native_is_encoding(items: &[Self], floats: FloatPolicy) -> bool {
                LITTLE_ENDIAN && (floats == FloatPolicy::Bitwise || Float::all_canonical(items))
            }
            #[inline]
            fn needs_canonicalizing(self) -> bool {
                Float::needs_canonicalizing(self)
            }
        }
    )*};
}

#[cfg(feature = "half")]
half_scalar! {
    half::f16 => tag::F16, 0x7E00;
    half::bf16 => tag::BF16, 0x7FC0;
}

/// The tag of a float type under a policy.
#[inline]
pub(crate) fn float_tag(canonical: u8, floats: FloatPolicy) -> u8 {
    match floats {
        FloatPolicy::Canonical => canonical,
        FloatPolicy::Bitwise => canonical | tag::BITWISE,
    }
}

/// Writes the element-block header of `count` scalars: the tag, and a piece
/// boundary when the block is large, so that its data starts a piece and full
/// pieces can go to the sink straight from memory.
#[inline]
pub(crate) fn block_header<T: Scalar>(count: usize, enc: &mut Encoder<'_>) {
    enc.put_tag(T::tag(enc.floats()));
    if count.saturating_mul(T::SIZE) >= CHUNK {
        enc.end_piece();
    }
}

/// Writes one scalar's element encoding (no tag).
#[inline]
pub(crate) fn put_scalar<T: Scalar>(x: T, enc: &mut Encoder<'_>) {
    let mut bytes = [0u8; 16];
    x.write_le(enc.floats(), &mut bytes);
    enc.put(&bytes[..T::SIZE]);
}

/// Writes the elements of a tensor (or sequence) in logical row-major order,
/// inside an element block, choosing the path by the strides: one slice for C
/// order, banded transposes when an outer axis has unit stride (Fortran order,
/// transposes, permuted axes), and otherwise run by run along the innermost
/// axis.
pub(crate) fn put_elements<T: Scalar>(t: TensorRef<'_, T>, enc: &mut Encoder<'_>) {
    if let Some(items) = t.as_standard_slice() {
        return put_slice(items, enc);
    }
    if let Some(banded) = t.banded()
        && put_bands(&banded, enc)
    {
        return;
    }
    t.for_each_run(|run| match run.as_slice() {
        Some(items) => put_slice(items, enc),
        None => put_strided(run, enc),
    });
}

/// The length of a small tensor's whole encoding (header, tag, elements) when
/// it may be written in one pass: rank at most 8 and elements under a piece,
/// so that no piece boundary of the general path falls inside the elements.
#[inline]
fn small_tensor_len<T: Scalar>(t: &TensorRef<'_, T>) -> Option<usize> {
    let rank = t.shape().len();
    if rank > 8 {
        return None;
    }
    let body = t.len().checked_mul(T::SIZE).filter(|&b| b < CHUNK)?;
    Some(1 + 8 + 8 * rank + 1 + body)
}

/// Writes a small tensor's whole encoding into `out` (exactly
/// [`small_tensor_len`] bytes) in one pass.
#[inline]
fn write_small_tensor<T: Scalar>(t: TensorRef<'_, T>, floats: FloatPolicy, out: &mut [u8]) {
    let shape = t.shape();
    let head = 1 + 8 + 8 * shape.len() + 1;
    out[0] = tag::TENSOR;
    out[1..9].copy_from_slice(&(shape.len() as u64).to_le_bytes());
    for (slot, &n) in out[9..head - 1].chunks_exact_mut(8).zip(shape) {
        slot.copy_from_slice(&(n as u64).to_le_bytes());
    }
    out[head - 1] = T::tag(floats);
    let elements = &mut out[head..];
    match t.as_standard_slice() {
        Some(items) if T::native_is_encoding(items, floats) => {
            elements.copy_from_slice(native_bytes(items));
        }
        Some(items) => {
            for (slot, x) in elements.chunks_exact_mut(T::SIZE).zip(items) {
                x.write_le(floats, slot);
            }
        }
        None => {
            let mut slots = elements.chunks_exact_mut(T::SIZE);
            t.for_each_run(|run| {
                // The run first: `zip` pulls from its first iterator first,
                // so no slot is consumed after the run ends.
                for (x, slot) in run.iter().zip(&mut slots) {
                    x.write_le(floats, slot);
                }
            });
        }
    }
}

/// The fused path for small tensors inside an encoding: when the whole
/// encoding fits in the current piece (see [`small_tensor_len`]), it is written
/// in one pass into the encoder's buffer. Returns false, having written
/// nothing, otherwise. Same bytes, same pieces: only faster.
#[inline]
pub(crate) fn put_small_tensor<T: Scalar>(t: TensorRef<'_, T>, enc: &mut Encoder<'_>) -> bool {
    let Some(n) = small_tensor_len(&t).filter(|&n| n <= enc.room()) else {
        return false;
    };
    let floats = enc.floats();
    write_small_tensor(t, floats, enc.spare(n));
    enc.commit(n);
    true
}

/// A lone small tensor's canonical encoding, built on the stack: what the
/// encoder would hand its sink as one piece, without the encoder. `None` when
/// it does not fit `out` or is not small.
#[inline]
pub(crate) fn small_tensor_encoding<T: Scalar>(
    t: TensorRef<'_, T>,
    out: &mut [u8],
) -> Option<usize> {
    let fixed = at_fixed_rank!(t.shape().len(), R => {
        t.fixed::<R>().and_then(|f| fixed_encoding(f, out))
    })
    .flatten();
    if fixed.is_some() {
        return fixed;
    }
    small_tensor_encoding_general(t, out)
}

/// [`small_tensor_encoding`] past the fixed-rank cases, out of line so that
/// small keys do not pay for its stack frame.
#[inline(never)]
fn small_tensor_encoding_general<T: Scalar>(t: TensorRef<'_, T>, out: &mut [u8]) -> Option<usize> {
    let n = small_tensor_len(&t).filter(|&n| n <= out.len())?;
    write_small_tensor(t, FloatPolicy::Canonical, &mut out[..n]);
    Some(n)
}

/// Elements of a non-contiguous small tensor gathered on the stack.
const GATHERED: usize = 64;

/// [`small_tensor_encoding`] for ranks 1 to 4, with the rank a constant: the
/// header's loops unroll, elements are encoded in 16-byte groups
/// ([`Scalar::encode_small_run`]), and other layouts are first gathered with
/// nested loops. `None`, having written nothing useful, when it does not fit
/// `out` or has over [`GATHERED`] strided elements: the general path takes
/// those.
#[inline(always)]
fn fixed_encoding<T: Scalar, const R: usize>(t: Fixed<'_, T, R>, out: &mut [u8]) -> Option<usize> {
    let shape = t.shape();
    let len = t.len();
    let head = 1 + 8 + 8 * R + 1;
    let n = len.checked_mul(T::SIZE).filter(|&b| b < CHUNK)? + head;
    let (header, elements) = out.get_mut(..n)?.split_at_mut(head);
    header[0] = tag::TENSOR;
    header[1..9].copy_from_slice(&(R as u64).to_le_bytes());
    for k in 0..R {
        header[9 + 8 * k..17 + 8 * k].copy_from_slice(&(shape[k] as u64).to_le_bytes());
    }
    header[head - 1] = T::tag(FloatPolicy::Canonical);
    match t.as_standard_slice() {
        Some(items) => T::encode_small_run(items, elements),
        None => {
            let mut gathered = [t.first()?; GATHERED];
            let count = t.gather(&mut gathered)?;
            T::encode_small_run(&gathered[..count], elements);
        }
    }
    Some(n)
}

/// [`elements_eq`] for small tensors of rank 1 to 4: shapes compared as fixed
/// arrays; elements of other layouts gathered on the stack with nested loops,
/// then compared as 16-byte groups in registers (no `memcmp` call), and by the
/// element rule only when some bits differ. `None` for the general path
/// (larger tensors).
#[inline(always)]
fn fixed_eq<T: Scalar, const R: usize>(
    a: Fixed<'_, T, R>,
    b: Fixed<'_, T, R>,
    floats: FloatPolicy,
) -> Option<bool> {
    if a.shape() != b.shape() {
        return Some(false);
    }
    match (a.as_standard_slice(), b.as_standard_slice()) {
        (Some(x), Some(y)) if x.len() <= SMALL_EQ_BYTES / T::SIZE => {
            Some(short_runs_eq(x, y, floats))
        }
        (Some(_), Some(_)) => None,
        (x, y) => {
            let first = a.first()?;
            let (mut gathered_a, mut gathered_b) = ([first; GATHERED], [first; GATHERED]);
            let x = match x {
                Some(x) => x,
                None => {
                    let n = a.gather(&mut gathered_a)?;
                    &gathered_a[..n]
                }
            };
            let y = match y {
                Some(y) => y,
                None => {
                    let n = b.gather(&mut gathered_b)?;
                    &gathered_b[..n]
                }
            };
            Some(short_runs_eq(x, y, floats))
        }
    }
}

/// Canonical equality of two short runs of the same length, bits first.
#[inline(always)]
fn short_runs_eq<T: Scalar>(x: &[T], y: &[T], floats: FloatPolicy) -> bool {
    let (xs, x_rest) = native_bytes(x).as_chunks::<SMALL_GROUP>();
    let (ys, y_rest) = native_bytes(y).as_chunks::<SMALL_GROUP>();
    let differ = xs.iter().zip(ys).fold(0u128, |acc, (p, q)| {
        acc | (u128::from_ne_bytes(*p) ^ u128::from_ne_bytes(*q))
    });
    // Byte by byte: a slice `==` here would be a `memcmp` call.
    let rest_differ = x_rest
        .iter()
        .zip(y_rest)
        .fold(0u8, |acc, (p, q)| acc | (p ^ q));
    if differ == 0 && rest_differ == 0 {
        return true;
    }
    if T::BYTES_ARE_IDENTITY || floats == FloatPolicy::Bitwise {
        return false;
    }
    x.iter().zip(y).fold(true, |eq, (p, q)| {
        eq & p.eq_under(*q, FloatPolicy::Canonical)
    })
}

/// Largest element bytes [`fixed_eq`] compares in registers.
const SMALL_EQ_BYTES: usize = 256;

/// Canonical equality of the elements of two tensors of the same shape.
#[inline]
pub(crate) fn elements_eq<T: Scalar>(
    a: TensorRef<'_, T>,
    b: TensorRef<'_, T>,
    floats: FloatPolicy,
) -> bool {
    let small = at_fixed_rank!(a.shape().len(), R => {
        a.fixed::<R>()
            .zip(b.fixed())
            .and_then(|(x, y)| fixed_eq(x, y, floats))
    })
    .flatten();
    match small {
        Some(equal) => equal,
        None => elements_eq_general(a, b, floats),
    }
}

/// [`elements_eq`] past the small fixed-rank cases, out of line so that
/// small keys do not pay for its stack frame (tiles and gather buffers).
#[inline(never)]
fn elements_eq_general<T: Scalar>(
    a: TensorRef<'_, T>,
    b: TensorRef<'_, T>,
    floats: FloatPolicy,
) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    if let (Some(x), Some(y)) = (a.as_standard_slice(), b.as_standard_slice()) {
        return slice_eq(x, y, floats);
    }
    let eq = |x: Run<'_, T>, y: Run<'_, T>| match (x.as_slice(), y.as_slice()) {
        (Some(x), Some(y)) => slice_eq(x, y, floats),
        _ => match floats {
            FloatPolicy::Canonical => run_eq_as(x, y, FloatPolicy::Canonical),
            FloatPolicy::Bitwise => run_eq_as(x, y, FloatPolicy::Bitwise),
        },
    };
    // One side banded (Fortran order, transposes), the other C order: bands
    // of the first transposed into a tile, compared with the other's rows.
    if let Some(y) = b.as_standard_slice()
        && let Some(banded) = a.banded()
        && let Some(equal) = bands_eq(&banded, y, floats)
    {
        return equal;
    }
    if let Some(x) = a.as_standard_slice()
        && let Some(banded) = b.banded()
        && let Some(equal) = bands_eq(&banded, x, floats)
    {
        return equal;
    }
    // Mixed layouts (Fortran against C order, transposes): equality needs no
    // particular order, so walk in bands along whichever side has a unit-stride
    // outer axis; both sides then read whole cache lines.
    if let Some(equal) = a.zip_banded(&b, EQ_BAND_ROWS, eq) {
        return equal;
    }
    if let Some(equal) = b.zip_banded(&a, EQ_BAND_ROWS, |y, x| eq(x, y)) {
        return equal;
    }
    a.zip_runs(&b, eq)
}

#[inline(always)]
fn run_eq_as<T: Scalar>(x: Run<'_, T>, y: Run<'_, T>, floats: FloatPolicy) -> bool {
    x.iter()
        .zip(y.iter())
        .fold(true, |eq, (p, q)| eq & p.eq_under(*q, floats))
}

/// Strided run: gathered into a stack buffer, a piece's worth at a time
/// (loops compiled for small constant strides), then written as a
/// contiguous run: a vectorized scan, and bits copied when they are the
/// encoding. The bytes, and the pieces, are those of any other path.
fn put_strided<T: Scalar>(mut run: Run<'_, T>, enc: &mut Encoder<'_>) {
    let mut buf = [const { MaybeUninit::<T>::uninit() }; GATHER];
    while run.len() > 0 {
        let items = run.gather(&mut buf);
        put_slice(items, enc);
        run = run.split_at(items.len()).1;
    }
}

/// Elements gathered at a time: a piece of f32.
const GATHER: usize = 1024;

/// True when a value's bytes in memory are its element encoding's width and,
/// bits for bits, its raw (bitwise) encoding: little-endian, and `SIZE` bytes
/// wide. The band transposes copy memory bytes into encoding-sized slots, so
/// they need it; `usize`/`isize` on 32-bit targets (4 bytes in memory, 8 in
/// the encoding) and big-endian targets take the run-by-run paths instead.
#[inline(always)]
const fn native_bytes_are_bits<T: Scalar>() -> bool {
    LITTLE_ENDIAN && std::mem::size_of::<T>() == T::SIZE
}

/// Writes a banded tensor's elements in row-major order: a band of rows is
/// transposed through a stack tile, reading each column's segment of the band
/// from contiguous memory, so each cache line read serves a whole segment
/// (reading row by row would touch a new cache line for every element, and
/// with power-of-two row lengths those lines evict each other).
/// Returns false, having written nothing, when rows are too long for a band of
/// two; the caller then goes run by run.
fn put_bands<T: Scalar>(banded: &Banded<'_, T>, enc: &mut Encoder<'_>) -> bool {
    if !native_bytes_are_bits::<T>() {
        return false;
    }
    let canonical = enc.floats() == FloatPolicy::Canonical;
    let row_bytes = banded.cols() * T::SIZE;
    band_tiles(banded, canonical, |_, tile, h, pitch| {
        for row in tile.chunks(pitch).take(h) {
            enc.put(&row[..row_bytes]);
        }
        true
    })
    .is_some()
}

/// Canonical equality of a banded tensor's elements with the same elements
/// in row-major order. Equality needs no particular order, so the work goes
/// in 2-D blocks: bands of [`EQ_BLOCK_ROWS`] rows, their columns in chunks
/// that fill an L1-sized tile. Each chunk's column segments (several whole
/// cache lines each, from one page) are transposed into the tile (raw bits),
/// whose rows are compared as bytes with the slice's; a band whose bits
/// differ somewhere is compared again by the canonical rule. Taller bands
/// visit each column's page less often: with 1024-wide rows of f32, 16-row
/// bands of whole rows (a tile in L2) took 20% longer.
fn bands_eq<T: Scalar>(banded: &Banded<'_, T>, items: &[T], floats: FloatPolicy) -> Option<bool> {
    if !native_bytes_are_bits::<T>() {
        return None;
    }
    let chunk_cols = (EQ_TILE / EQ_BLOCK_ROWS - 64) / T::SIZE / GROUP * GROUP;
    if chunk_cols == 0 {
        return None;
    }
    // Tile rows a cache line longer than a chunk's row: with power-of-two
    // widths, unpadded rows would all map to the same cache sets.
    let pitch = banded.cols().min(chunk_cols) * T::SIZE + 64;
    // The smallest tile that holds a band: clearing 40 KiB costs a small
    // matrix more than its comparison.
    let need = banded.rows().min(EQ_BLOCK_ROWS) * pitch;
    Some(if need <= 4 << 10 {
        bands_eq_in::<T, { 4 << 10 }>(banded, items, floats, chunk_cols, pitch)
    } else if need <= 16 << 10 {
        bands_eq_in::<T, { 16 << 10 }>(banded, items, floats, chunk_cols, pitch)
    } else {
        bands_eq_in::<T, EQ_TILE>(banded, items, floats, chunk_cols, pitch)
    })
}

/// [`bands_eq`] with a `TILE`-byte tile that holds a band of `pitch`-byte
/// rows of at most `chunk_cols` elements.
#[inline(never)]
fn bands_eq_in<T: Scalar, const TILE: usize>(
    banded: &Banded<'_, T>,
    items: &[T],
    floats: FloatPolicy,
    chunk_cols: usize,
    pitch: usize,
) -> bool {
    let cols = banded.cols();
    let lenient = !T::BYTES_ARE_IDENTITY && floats == FloatPolicy::Canonical;
    let stride = banded.column_stride();
    let ahead = stride.wrapping_mul(PREFETCH_COLUMNS as isize);
    let prefetching = stride.unsigned_abs() * T::SIZE >= 4096;
    let mut tile = [0u8; TILE];
    let mut rest = items;
    banded.all_aligned_bands(EQ_BLOCK_ROWS, 64, |band| {
        let h = band.height();
        let Some((rows, tail)) = rest.split_at_checked(h * cols) else {
            return false;
        };
        rest = tail;
        let (mut col, mut filled, mut differ) = (0, 0, false);
        band.for_each_column_group::<GROUP>(|group| {
            if differ {
                return;
            }
            let at = filled * T::SIZE;
            if let Ok(full) = <&[&[T]; GROUP]>::try_from(group) {
                if prefetching {
                    // Every line of the segments a few groups ahead.
                    for s in full {
                        let p = s.as_ptr().wrapping_offset(ahead);
                        let mut k = 0;
                        while k < h {
                            prefetch(p.wrapping_add(k));
                            k += 64 / T::SIZE;
                        }
                    }
                }
                columns_into_rows(full, &mut tile, pitch, at);
            } else {
                for (c, segment) in group.iter().enumerate() {
                    for (r, x) in segment.iter().enumerate() {
                        tile[r * pitch + at + c * T::SIZE..][..T::SIZE]
                            .copy_from_slice(native_bytes(std::slice::from_ref(x)));
                    }
                }
            }
            filled += group.len();
            if filled == chunk_cols || col + filled == cols {
                let width = filled * T::SIZE;
                differ =
                    !tile.chunks(pitch).take(h).enumerate().all(|(r, t)| {
                        t[..width] == *native_bytes(&rows[r * cols + col..][..filled])
                    });
                col += filled;
                filled = 0;
            }
        });
        !differ
            || (lenient && {
                // Rare: a NaN payload or a signed zero apart somewhere.
                let (mut eq, mut c) = (true, 0);
                band.for_each_column(|segment| {
                    for (r, x) in segment.iter().enumerate() {
                        eq &= x.eq_under(rows[r * cols + c], floats);
                    }
                    c += 1;
                });
                eq
            })
    })
}

/// Rows per band of [`bands_eq`]: 256-byte segments of 4-byte columns, four
/// cache lines from one page per column. (32 to 128 measured within a few
/// percent of each other; 16, the hashing bands' height, 20% slower.)
const EQ_BLOCK_ROWS: usize = 64;

/// The tile of [`bands_eq`]: stays in L1 (144 columns of 4-byte elements by
/// [`EQ_BLOCK_ROWS`] rows, padded); larger tiles measured slower.
const EQ_TILE: usize = 40 << 10;

/// Calls `f` with each band of a banded tensor transposed into a stack tile:
/// the band, its `h` rows in the tile `pitch` bytes apart (each row's
/// elements first, then padding), while `f` returns true. With `canonical`,
/// the rows hold canonical element encodings, else the elements' bits.
/// `None`, having called nothing, when rows are too long for a band of two.
fn band_tiles<T: Scalar>(
    banded: &Banded<'_, T>,
    canonical: bool,
    f: impl FnMut(&Band<'_, '_, T>, &[u8], usize, usize) -> bool,
) -> Option<bool> {
    let row_bytes = banded.cols() * T::SIZE;
    // Tile rows are a cache line longer than a row: with power-of-two row
    // lengths, unpadded rows would all map to the same cache sets.
    let pitch = row_bytes + 64;
    // The tile should stay in L1 while it fills: up to 36 KiB, in the
    // smallest size that holds a full band (zeroing a tile much larger than
    // the tensor costs more than the transposition). Rows so wide that fewer
    // than 4 fit go through a large tile with full 16-row bands instead: it
    // lives in L2, but bands of a row or two would read every cache line of a
    // column again and again, and when the column stride is a power of two
    // the lines share a handful of cache sets and are evicted in between.
    let full = pitch * BAND_ROWS;
    if full <= 4 << 10 {
        band_tiles_in::<T, { 4 << 10 }>(banded, pitch, canonical, f)
    } else if full <= 16 << 10 {
        band_tiles_in::<T, { 16 << 10 }>(banded, pitch, canonical, f)
    } else if full <= 72 << 10 {
        band_tiles_in::<T, { 72 << 10 }>(banded, pitch, canonical, f)
    } else if pitch * 4 <= 36 << 10 {
        band_tiles_in::<T, { 36 << 10 }>(banded, pitch, canonical, f)
    } else {
        band_tiles_in::<T, BIG_TILE>(banded, pitch, canonical, f)
    }
}

#[inline(never)]
fn band_tiles_in<T: Scalar, const TILE: usize>(
    banded: &Banded<'_, T>,
    pitch: usize,
    canonical: bool,
    mut f: impl FnMut(&Band<'_, '_, T>, &[u8], usize, usize) -> bool,
) -> Option<bool> {
    let height = (TILE / pitch).min(BAND_ROWS);
    if height < 2 {
        return None;
    }
    // When the tensor fills one block of memory (Fortran order, any
    // permutation of axes), one vectorized scan of the block usually shows
    // that nothing needs canonicalizing, and the segments need no scans.
    let clean = !canonical
        || banded
            .memory_block()
            .is_some_and(|m| T::native_is_encoding(m, FloatPolicy::Canonical));
    // Far-apart columns (a page or more) defeat the hardware prefetchers:
    // every segment is a demand miss. Their segments are asked for a few
    // groups ahead instead.
    let stride = banded.column_stride();
    let ahead = stride.wrapping_mul(PREFETCH_COLUMNS as isize);
    let prefetching = stride.unsigned_abs() * T::SIZE >= 4096;
    let mut tile = [0u8; TILE];
    Some(banded.all_aligned_bands(height, 64, |band| {
        let h = band.height();
        // Columns go into the tile eight at a time: a register transpose of
        // the eight segments (see `kernels::transpose`). Bits are copied as
        // they are; a vectorized scan down the same segments tells whether
        // anything needed canonicalizing, which only a band holding a NaN or
        // -0.0 does.
        let mut at = 0;
        let mut dirty = false;
        band.for_each_column_group::<GROUP>(|group| {
            if let Ok(full) = <&[&[T]; GROUP]>::try_from(group) {
                if prefetching {
                    for s in full {
                        let p = s.as_ptr().wrapping_offset(ahead);
                        prefetch(p);
                        prefetch(p.wrapping_add(h - 1));
                    }
                }
                // Segments of the band's height (the kernel checks).
                dirty |= !clean
                    && !full
                        .iter()
                        .all(|s| T::native_is_encoding(s, FloatPolicy::Canonical));
                columns_into_rows(full, &mut tile, pitch, at);
            } else {
                for (c, segment) in group.iter().enumerate() {
                    for (r, x) in segment.iter().enumerate() {
                        dirty |= x.needs_canonicalizing();
                        tile[r * pitch + at + c * T::SIZE..][..T::SIZE]
                            .copy_from_slice(native_bytes(std::slice::from_ref(x)));
                    }
                }
            }
            at += GROUP * T::SIZE;
        });
        if dirty && canonical {
            // Rare: rewrite this band element by element, canonically.
            let mut at = 0;
            band.for_each_column(|segment| {
                for (r, x) in segment.iter().enumerate() {
                    x.write_le(
                        FloatPolicy::Canonical,
                        &mut tile[r * pitch + at..][..T::SIZE],
                    );
                }
                at += T::SIZE;
            });
        }
        f(&band, &tile, h, pitch)
    }))
}

/// How many columns ahead the band transposes prefetch far-apart column
/// segments.
const PREFETCH_COLUMNS: usize = 32;

/// The largest transposition tile: a full band of 16 rows of 4096 f32 (a
/// 4096 x 4096 Fortran-order matrix) with its row padding. Only tensors with
/// rows this wide use it.
const BIG_TILE: usize = 16 * (16 * 1024 + 64);
/// Rows per band at most: 16 f32 fill a cache line.
const BAND_ROWS: usize = 16;
/// Rows per band when comparing: the other side's elements of a column come
/// from this many rows, and with power-of-two row lengths those rows' cache
/// lines share one L1 set; 8 stay under a set's associativity.
const EQ_BAND_ROWS: usize = 8;

/// Contiguous run: whole pieces of clean data go to the sink from memory;
/// everything else is encoded into the buffer in place.
pub(crate) fn put_slice<T: Scalar>(items: &[T], enc: &mut Encoder<'_>) {
    let floats = enc.floats();
    let per_piece = CHUNK / T::SIZE;
    let mut rest = items;
    while !rest.is_empty() {
        if enc.at_piece_start() && rest.len() >= per_piece {
            let (piece, tail) = rest.split_at(per_piece);
            if T::native_is_encoding(piece, floats) {
                enc.put_piece(native_bytes(piece));
            } else {
                put_iter(piece.iter().copied(), enc);
            }
            rest = tail;
        } else {
            // Up to the end of the current piece (or of the run).
            let room = (enc.room() / T::SIZE).clamp(1, rest.len());
            let (head, tail) = rest.split_at(room);
            if T::native_is_encoding(head, floats) {
                enc.put(native_bytes(head));
            } else {
                put_iter(head.iter().copied(), enc);
            }
            rest = tail;
        }
    }
}

/// Strided or gathered run: each element encoded into the buffer in place.
pub(crate) fn put_iter<T: Scalar>(items: impl Iterator<Item = T>, enc: &mut Encoder<'_>) {
    // One loop per policy, so the policy is a constant inside each.
    match enc.floats() {
        FloatPolicy::Canonical => put_iter_as(items, enc, FloatPolicy::Canonical),
        FloatPolicy::Bitwise => put_iter_as(items, enc, FloatPolicy::Bitwise),
    }
}

#[inline(always)]
fn put_iter_as<T: Scalar>(
    mut items: impl Iterator<Item = T>,
    enc: &mut Encoder<'_>,
    floats: FloatPolicy,
) {
    loop {
        let spare = enc.spare(items.size_hint().1.unwrap_or(CHUNK).saturating_mul(T::SIZE));
        let room = spare.len() / T::SIZE;
        if room == 0 {
            match items.next() {
                Some(x) => put_scalar(x, enc),
                None => return,
            }
            continue;
        }
        let mut written = 0;
        for (out, x) in spare.chunks_exact_mut(T::SIZE).zip(&mut items) {
            x.write_le(floats, out);
            written += 1;
        }
        enc.commit(written * T::SIZE);
        if written < room {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array, Array3, ShapeBuilder, s};

    /// The tiled comparison of a banded side with a C-order side, against the
    /// element-by-element rule, with NaN payloads and signed zeros planted.
    #[test]
    fn banded_against_c_order_equality_follows_the_element_rule() {
        for (rows, cols) in [
            (2, 2),
            (2, 3),
            (3, 7),
            (5, 8),
            (9, 17),
            (17, 9),
            (16, 1100),
            (33, 64),
            // Around the blocks of `bands_eq`: 64-row bands, 144-column
            // chunks of f32, a short last group.
            (63, 145),
            (65, 144),
            (130, 301),
        ] {
            let c = Array::from_shape_fn((rows, cols), |(i, j)| (i * 31 + j) as f32 - 7.0);
            let mut f = Array::<f32, _>::zeros((rows, cols).f());
            f.assign(&c);
            let same = |x: &Array<f32, _>, y: &Array<f32, _>, floats| {
                x.iter()
                    .zip(y)
                    .all(|(p, q)| Float::eq_under(*p, *q, floats))
            };
            for floats in [FloatPolicy::Canonical, FloatPolicy::Bitwise] {
                let middle = rows / 2 * cols + cols * 3 / 4;
                for (at, value) in [
                    (0, f32::NAN),
                    (rows * cols - 1, -0.0),
                    (cols / 2, 1e9),
                    (middle, f32::NAN),
                    (middle, 1e9),
                ] {
                    let (i, j) = (at / cols, at % cols);
                    let mut g = f.clone();
                    let mut d = c.clone();
                    // Another NaN payload / the other zero / a different value.
                    g[(i, j)] = value;
                    d[(i, j)] = match value {
                        v if v.is_nan() => f32::from_bits(0x7FC0_0001),
                        0.0 => 0.0,
                        v => v,
                    };
                    let expected = same(&g, &d, floats);
                    let a = TensorRef::of_array(&g);
                    let b = TensorRef::of_array(&d);
                    assert!(a.banded().is_some() && b.as_standard_slice().is_some());
                    assert_eq!(
                        elements_eq(a, b, floats),
                        expected,
                        "{rows}x{cols} {at} {floats:?}"
                    );
                    assert_eq!(
                        elements_eq(b, a, floats),
                        expected,
                        "{rows}x{cols} {at} {floats:?}"
                    );
                    d[(rows - 1, 0)] += 1.0;
                    let b = TensorRef::of_array(&d);
                    assert!(!elements_eq(a, b, floats));
                    assert!(!elements_eq(b, a, floats));
                }
            }
        }
        // Permuted axes of rank 3, reversed columns (no memory block), f64.
        let c = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| (i * 20 + j * 5 + k) as f64);
        let p = c.view().permuted_axes([2, 0, 1]);
        let pc = p.as_standard_layout();
        assert!(elements_eq(
            TensorRef::of_array(&p),
            TensorRef::of_array(&pc),
            FloatPolicy::Canonical
        ));
        let big = Array::from_shape_fn((6, 10).f(), |(i, j)| (i * 10 + j) as f64);
        let rev = big.slice(s![.., ..;-1]);
        let revc = rev.as_standard_layout();
        assert!(elements_eq(
            TensorRef::of_array(&rev),
            TensorRef::of_array(&revc),
            FloatPolicy::Bitwise
        ));
    }

    /// The band transposes copy memory bytes into encoding-wide slots, so
    /// they must not see `usize`/`isize` on 32-bit targets (4 bytes in memory,
    /// 8 in the encoding): there they panicked on a short last column group
    /// (`copy_from_slice` of 4 bytes into 8), found equal Fortran- and C-order
    /// tensors unequal, and wrote garbage bitwise encodings. Meaningful on
    /// 32-bit targets (`wasm32-wasip1`, `i686`); on 64-bit it pins the same
    /// results.
    #[test]
    fn pointer_sized_integers_in_banded_layouts_encode_as_64_bit() {
        use crate::{Bitwise, FrozenKey};
        assert_eq!(
            native_bytes_are_bits::<usize>(),
            cfg!(all(target_pointer_width = "64", target_endian = "little"))
        );
        assert!(!native_bytes_are_bits::<isize>() || std::mem::size_of::<isize>() == 8);
        for (rows, cols) in [(16, 13), (64, 64), (67, 131), (9, 600)] {
            let c = Array::from_shape_fn((rows, cols), |(i, j)| (i * cols + j) * 3);
            let mut f = Array::<usize, _>::zeros((rows, cols).f());
            f.assign(&c);
            let wide = c.mapv(|x| x as u64);
            assert!(c.key_eq(&f) && f.key_eq(&c), "{rows}x{cols}");
            assert_eq!(f.encoding(), wide.encoding(), "{rows}x{cols}");
            assert_eq!(Bitwise(&f).encoding(), Bitwise(&wide).encoding());
            assert_eq!(f.digest(), wide.digest());
            let signed = c.mapv(|x| x as isize - 1000);
            let t = signed.t().as_standard_layout().into_owned();
            assert!(t.t().key_eq(&signed.view()));
            assert_eq!(
                Bitwise(t.t()).encoding(),
                Bitwise(signed.mapv(|x| x as i64)).encoding()
            );
        }
    }
}
