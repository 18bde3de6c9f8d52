//! The byte sink abstraction and the buffering [`Encoder`] that every key writes through.

use crate::format::CHUNK;
use crate::policy::FloatPolicy;
use std::hash::Hasher;
use std::mem::MaybeUninit;

/// A destination for canonical encodings: a hasher, a SHA-256 state, a buffer.
///
/// The [`Encoder`] calls [`write`](KeySink::write) with consecutive pieces of the
/// encoding. Where the pieces are cut depends only on the encoded value, never on
/// memory layout, so even hashers whose output depends on how input is split
/// (foldhash, ahash) give equal hashes for equal keys.
///
/// ```
/// use tensor_key::{FrozenKey, KeySink};
///
/// /// Counts bytes instead of storing them.
/// struct Counter(usize);
/// impl KeySink for Counter {
///     fn write(&mut self, bytes: &[u8]) {
///         self.0 += bytes.len();
///     }
/// }
///
/// let mut n = Counter(0);
/// "abc".encode_into(&mut n);
/// assert_eq!(n.0, 1 + 8 + 3); // tag, length, bytes
/// ```
pub trait KeySink {
    /// Appends `bytes` to the sink.
    fn write(&mut self, bytes: &[u8]);
}

impl KeySink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Shows the float policy in force and how many bytes wait in the buffer.
///
/// ```
/// use tensor_key::{Bitwise, Encoder, FloatPolicy, FrozenKey};
///
/// struct Probe;
/// impl FrozenKey for Probe {
///     fn encode(&self, enc: &mut Encoder<'_>) {
///         assert_eq!(format!("{enc:?}"), "Encoder { floats: Bitwise, buffered: 0, .. }");
///         enc.begin_struct(0);
///     }
///     fn key_eq_with(&self, _: &Self, _: FloatPolicy) -> bool {
///         true
///     }
/// }
/// let _ = Bitwise(Probe).digest();
/// ```
impl std::fmt::Debug for Encoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("floats", &self.floats)
            .field("buffered", &self.len)
            .finish_non_exhaustive()
    }
}

/// Feeds an encoding into any [`std::hash::Hasher`].
pub(crate) struct HasherSink<'h, H: ?Sized>(pub(crate) &'h mut H);

impl<H: Hasher + ?Sized> KeySink for HasherSink<'_, H> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
}

/// Writes a canonical encoding into a [`KeySink`] through a fixed stack buffer.
///
/// [`FrozenKey`](crate::FrozenKey) implementations receive an `Encoder`; they
/// frame composite values with [`begin_struct`](Encoder::begin_struct) and
/// [`begin_variant`](Encoder::begin_variant) and encode their parts with
/// [`FrozenKey::encode`](crate::FrozenKey::encode). Raw bytes cannot be written
/// from outside the crate, so every encoding stays prefix-free.
///
/// The encoder never allocates. It hands its sink pieces of 4096 bytes (the last
/// one shorter); a packed block of scalars of 4096 bytes or more starts a new
/// piece, so large contiguous tensors reach the sink straight from their memory.
///
/// # Implementing `FrozenKey` by hand
///
/// `#[derive(FrozenKey)]` writes this for you; by hand, frame the value and
/// encode exactly as many parts as announced, and compare the same parts:
///
/// ```
/// use ndarray::{array, Array1};
/// use tensor_key::{Encoder, FloatPolicy, FrozenKey};
///
/// struct Sample {
///     pixels: Array1<f32>,
///     label: u16,
///     cached_norm: f32, // derived from `pixels`: not part of the key
/// }
///
/// impl FrozenKey for Sample {
///     fn encode(&self, enc: &mut Encoder<'_>) {
///         enc.begin_struct(2);
///         self.pixels.encode(enc);
///         self.label.encode(enc);
///     }
///     fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
///         self.pixels.key_eq_with(&other.pixels, floats) && self.label == other.label
///     }
/// }
///
/// let a = Sample { pixels: array![0.0, 1.0], label: 3, cached_norm: 1.0 };
/// let b = Sample { pixels: array![-0.0, 1.0], label: 3, cached_norm: f32::NAN };
/// assert!(a.key_eq(&b));
/// assert_eq!(a.digest(), b.digest());
/// ```
pub struct Encoder<'s> {
    sink: &'s mut dyn KeySink,
    floats: FloatPolicy,
    /// Bytes of the current piece in `buf`.
    len: usize,
    /// `buf[..init]` is initialized; `init >= len`. The buffer starts
    /// uninitialized: zeroing 4 KiB took half the time of hashing a small key.
    init: usize,
    buf: [MaybeUninit<u8>; CHUNK],
}

impl<'s> Encoder<'s> {
    pub(crate) fn new(sink: &'s mut dyn KeySink) -> Self {
        Encoder {
            sink,
            floats: FloatPolicy::Canonical,
            len: 0,
            init: 0,
            buf: [MaybeUninit::uninit(); CHUNK],
        }
    }

    /// Hands the buffered tail to the sink. (By reference: moving the 4 KiB
    /// encoder cost as much as hashing a small key.)
    pub(crate) fn finish(&mut self) {
        self.end_piece();
    }

    /// The float policy in force for the value being encoded: canonical unless
    /// an enclosing [`Bitwise`](crate::Bitwise) (or a derived field's `float`
    /// attribute) chose otherwise.
    #[must_use]
    pub fn floats(&self) -> FloatPolicy {
        self.floats
    }

    /// Runs `f` with `floats` as the float policy, then restores the previous one.
    ///
    /// This is how [`Bitwise`](crate::Bitwise) and the derive's `float` attribute
    /// reach every float inside a value.
    pub fn with_floats<R>(&mut self, floats: FloatPolicy, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = std::mem::replace(&mut self.floats, floats);
        let result = f(self);
        self.floats = outer;
        result
    }

    /// Starts a struct with `fields` fields; encode exactly that many values next,
    /// in declaration order. (Announcing a different count than you encode breaks
    /// prefix-freedom: the encoder cannot check it.)
    pub fn begin_struct(&mut self, fields: usize) {
        self.put_tag(crate::format::tag::STRUCT);
        self.put_len(fields);
    }

    /// Starts enum variant number `index` (in declaration order, from 0) with
    /// `fields` fields; encode exactly that many values next.
    pub fn begin_variant(&mut self, index: u32, fields: usize) {
        self.put_tag(crate::format::tag::VARIANT);
        self.put(&index.to_le_bytes());
        self.put_len(fields);
    }

    #[inline]
    pub(crate) fn put_tag(&mut self, tag: u8) {
        self.put(&[tag]);
    }

    /// Lengths, counts and dimensions: always 64-bit little-endian.
    #[inline]
    pub(crate) fn put_len(&mut self, n: usize) {
        self.put(&(n as u64).to_le_bytes());
    }

    /// Appends bytes to the encoding.
    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end < CHUNK {
            self.buf[self.len..end].write_copy_of_slice(bytes);
            self.len = end;
            self.init = self.init.max(end);
        } else {
            self.put_long(bytes);
        }
    }

    #[cold]
    fn put_long(&mut self, mut bytes: &[u8]) {
        if self.len > 0 {
            let take = CHUNK - self.len;
            self.buf[self.len..].write_copy_of_slice(&bytes[..take]);
            self.len = CHUNK;
            self.init = CHUNK;
            self.end_piece();
            bytes = &bytes[take..];
        }
        let mut pieces = bytes.chunks_exact(CHUNK);
        for piece in &mut pieces {
            self.sink.write(piece);
        }
        let tail = pieces.remainder();
        self.buf[..tail.len()].write_copy_of_slice(tail);
        self.len = tail.len();
        self.init = self.init.max(self.len);
    }

    /// Ends the current piece: buffered bytes go to the sink now.
    #[inline]
    pub(crate) fn end_piece(&mut self) {
        if self.len > 0 {
            // SAFETY: `len <= init`, and `buf[..init]` is initialized.
            let piece = unsafe { self.buf[..self.len].assume_init_ref() };
            self.sink.write(piece);
            self.len = 0;
        }
    }

    /// True when nothing is buffered, so a whole piece may go to the sink directly.
    #[inline]
    pub(crate) fn at_piece_start(&self) -> bool {
        self.len == 0
    }

    /// Writes one full piece straight to the sink; only valid at a piece start.
    #[inline]
    pub(crate) fn put_piece(&mut self, piece: &[u8]) {
        debug_assert!(self.len == 0 && piece.len() == CHUNK);
        self.sink.write(piece);
    }

    /// Bytes left in the current piece.
    #[inline]
    pub(crate) fn room(&self) -> usize {
        CHUNK - self.len
    }

    /// Up to `max` bytes of the unwritten rest of the current piece (fewer
    /// when the piece has less room), for in-place writes; call
    /// [`commit`](Self::commit) with the number of bytes written.
    #[inline]
    pub(crate) fn spare(&mut self, max: usize) -> &mut [u8] {
        let end = CHUNK.min(self.len.saturating_add(max));
        if self.init < end {
            // Zero only what this write may touch: zeroing the whole 4 KiB
            // buffer took longer than encoding a small key.
            self.buf[self.init..end].fill(MaybeUninit::new(0));
            self.init = end;
        }
        // SAFETY: `end <= init`, and `buf[..init]` is initialized.
        unsafe { self.buf[self.len..end].assume_init_mut() }
    }

    /// Marks `n` bytes of [`spare`](Self::spare) as written.
    #[inline]
    pub(crate) fn commit(&mut self, n: usize) {
        self.len += n;
        debug_assert!(self.len <= CHUNK);
        if self.len == CHUNK {
            self.end_piece();
        }
    }
}

/// Appends the encoding of whatever `write` encodes, under `floats`, to `out`.
/// Sets and maps use it to sort their entries by encoding (SPEC.md 4.8).
pub(crate) fn append_encoding(
    out: &mut Vec<u8>,
    floats: FloatPolicy,
    write: impl FnOnce(&mut Encoder<'_>),
) {
    let mut enc = Encoder::new(out);
    enc.with_floats(floats, write);
    enc.finish();
}

#[cfg(test)]
mod tests {
    use crate::FrozenKey;
    use ndarray::{Array2, ShapeBuilder};

    /// Records every piece a sink receives.
    #[derive(Default)]
    struct Pieces(Vec<Vec<u8>>);

    impl super::KeySink for Pieces {
        fn write(&mut self, bytes: &[u8]) {
            self.0.push(bytes.to_vec());
        }
    }

    fn pieces<K: FrozenKey + ?Sized>(k: &K) -> Vec<Vec<u8>> {
        let mut sink = Pieces::default();
        k.encode_into(&mut sink);
        sink.0
    }

    #[test]
    fn small_values_arrive_in_one_piece() {
        assert_eq!(pieces(&(1u8, "ab", [1.0f32; 3])).len(), 1);
    }

    #[test]
    fn large_blocks_start_a_piece_and_pieces_are_full_chunks() {
        let a = Array2::from_shape_fn((40, 300), |(i, j)| (i * 300 + j) as f32);
        let p = pieces(&a);
        // Header (tag, rank, two extents, element tag), then 12000 floats.
        assert_eq!(p[0].len(), 1 + 8 + 16 + 1);
        assert!(p[1..p.len() - 1].iter().all(|x| x.len() == super::CHUNK));
        assert_eq!(p.iter().map(Vec::len).sum::<usize>(), 26 + 4 * 12000);
        assert_eq!(p.concat(), a.encoding());
    }

    #[test]
    fn pieces_depend_on_the_value_not_the_layout() {
        let mut a = Array2::from_shape_fn((77, 301), |(i, j)| (i * 301 + j) as f32);
        a[[5, 5]] = f32::NAN;
        let mut f = Array2::<f32>::zeros((77, 301).f());
        f.assign(&a);
        let stepped_store = Array2::from_shape_fn((154, 301), |(i, j)| ((i / 2) * 301 + j) as f32);
        let mut stepped = stepped_store.slice(ndarray::s![..;2, ..]).to_owned();
        stepped[[5, 5]] = f32::NAN;
        assert_eq!(pieces(&a), pieces(&f));
        assert_eq!(pieces(&a), pieces(&a.t().as_standard_layout().t()));
        assert_eq!(pieces(&a), pieces(&stepped));
    }

    #[test]
    fn nested_float_policy_is_restored() {
        let mut sink = Vec::new();
        let mut enc = super::Encoder::new(&mut sink);
        let inner = enc.with_floats(crate::FloatPolicy::Bitwise, |e| e.floats());
        assert_eq!(inner, crate::FloatPolicy::Bitwise);
        assert_eq!(enc.floats(), crate::FloatPolicy::Canonical);
        enc.finish();
    }
}
