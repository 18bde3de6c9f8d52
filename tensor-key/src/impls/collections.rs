//! Sequences (`[T]`, `[T; N]`, `Vec`, `VecDeque`), maps and sets.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::format::tag;
use crate::frozen_key::{encode_block, slice_key_eq};
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A sequence: tag, length, one element block.
fn encode_seq<T: FrozenKey>(items: &[T], enc: &mut Encoder<'_>) {
    TensorRef::with_slice(items, |t| encode_seq_parts(&[t], enc));
}

fn encode_seq_parts<T: FrozenKey>(parts: &[TensorRef<'_, T>], enc: &mut Encoder<'_>) {
    let len = parts.iter().map(TensorRef::len).sum();
    enc.put_tag(tag::SEQ);
    enc.put_len(len);
    encode_block(len, parts, enc);
}

fn seq_eq<'a, T: FrozenKey + 'a>(
    a: impl ExactSizeIterator<Item = &'a T>,
    b: impl ExactSizeIterator<Item = &'a T>,
    floats: FloatPolicy,
) -> bool {
    a.len() == b.len() && a.zip(b).all(|(x, y)| x.key_eq_with(y, floats))
}

impl<T: FrozenKey> FrozenKey for [T] {
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_seq(self, enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        slice_key_eq(self, other, floats)
    }
}

impl<T: FrozenKey, const N: usize> FrozenKey for [T; N] {
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_seq(self, enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        slice_key_eq(self, other, floats)
    }
}

impl<T: FrozenKey> FrozenKey for Vec<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        encode_seq(self, enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        slice_key_eq(self, other, floats)
    }
}

impl<T: FrozenKey> FrozenKey for VecDeque<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        let (front, back) = self.as_slices();
        TensorRef::with_slice(front, |front| {
            TensorRef::with_slice(back, |back| encode_seq_parts(&[front, back], enc))
        });
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        seq_eq(self.iter(), other.iter(), floats)
    }
}

/// Maps encode their entries in key order; the order comes from `Ord`, so it is
/// the same in every process.
impl<K: FrozenKey, V: FrozenKey> FrozenKey for BTreeMap<K, V> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.put_tag(tag::MAP);
        enc.put_len(self.len());
        for (k, v) in self {
            k.encode(enc);
            v.encode(enc);
        }
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        self.len() == other.len()
            && self.iter().zip(other).all(|((k1, v1), (k2, v2))| {
                k1.key_eq_with(k2, floats) && v1.key_eq_with(v2, floats)
            })
    }
}

impl<T: FrozenKey> FrozenKey for BTreeSet<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.put_tag(tag::SET);
        enc.put_len(self.len());
        for x in self {
            x.encode(enc);
        }
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        seq_eq(self.iter(), other.iter(), floats)
    }
}
