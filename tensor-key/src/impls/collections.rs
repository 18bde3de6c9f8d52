//! Sequences (`[T]`, `[T; N]`, `Vec`, `VecDeque`), maps and sets.

use crate::FrozenKey;
use crate::encoder::{Encoder, append_encoding};
use crate::format::tag;
use crate::frozen_key::{encode_block, slice_key_eq};
use crate::kernels::strided::TensorRef;
use crate::policy::FloatPolicy;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;

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

/// The encodings of a map's entries or a set's elements under one float policy,
/// in one buffer: sorted bytewise, each distinct encoding once. This is the
/// canonical order of SPEC.md 4.8; the key type's `Ord` plays no part in it.
struct Entries {
    bytes: Vec<u8>,
    ranges: Vec<Range<usize>>,
}

impl Entries {
    /// Encodes every item with `write` under `floats`, then sorts and
    /// de-duplicates the encodings.
    fn new<I: ExactSizeIterator>(
        items: I,
        floats: FloatPolicy,
        mut write: impl FnMut(I::Item, &mut Encoder<'_>),
    ) -> Self {
        let mut bytes = Vec::new();
        let mut ranges = Vec::with_capacity(items.len());
        for item in items {
            let start = bytes.len();
            append_encoding(&mut bytes, floats, |enc| write(item, enc));
            ranges.push(start..bytes.len());
        }
        ranges.sort_unstable_by(|a, b| bytes[a.clone()].cmp(&bytes[b.clone()]));
        ranges.dedup_by(|a, b| bytes[a.clone()] == bytes[b.clone()]);
        Entries { bytes, ranges }
    }

    fn of_map<K: FrozenKey, V: FrozenKey>(map: &BTreeMap<K, V>, floats: FloatPolicy) -> Self {
        // An entry is its key's encoding then its value's. Encodings are
        // prefix-free, so sorting the concatenations sorts by key encoding,
        // then by value encoding.
        Entries::new(map.iter(), floats, |(k, v), enc| {
            k.encode(enc);
            v.encode(enc);
        })
    }

    fn of_set<T: FrozenKey>(set: &BTreeSet<T>, floats: FloatPolicy) -> Self {
        Entries::new(set.iter(), floats, |x, enc| x.encode(enc))
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.ranges.iter().map(|r| &self.bytes[r.clone()])
    }

    /// Tag, the number of distinct entries, then each entry.
    fn write(&self, tag: u8, enc: &mut Encoder<'_>) {
        enc.put_tag(tag);
        enc.put_len(self.ranges.len());
        self.iter().for_each(|entry| enc.put(entry));
    }

    fn same(&self, other: &Self) -> bool {
        self.ranges.len() == other.ranges.len() && self.iter().eq(other.iter())
    }
}

/// True when `a` and `b` hold equal keys pairwise in iteration order: then the
/// two collections have the same encodings, whatever their `Ord` (the converse
/// does not hold, so `false` decides nothing).
fn pairwise_eq<'a, T: 'a>(
    a: impl ExactSizeIterator<Item = T>,
    b: impl ExactSizeIterator<Item = T>,
    eq: impl Fn(T, T) -> bool,
) -> bool {
    a.len() == b.len() && a.zip(b).all(|(x, y)| eq(x, y))
}

/// A map is its entries in the order of their encodings (key encoding, then
/// value encoding), each distinct entry once; see SPEC.md 4.8.
impl<K: FrozenKey, V: FrozenKey> FrozenKey for BTreeMap<K, V> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        Entries::of_map(self, enc.floats()).write(tag::MAP, enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        pairwise_eq(self.iter(), other.iter(), |(k1, v1), (k2, v2)| {
            k1.key_eq_with(k2, floats) && v1.key_eq_with(v2, floats)
        }) || Entries::of_map(self, floats).same(&Entries::of_map(other, floats))
    }
}

/// A set is its elements in the order of their encodings, each distinct
/// encoding once; see SPEC.md 4.8.
impl<T: FrozenKey> FrozenKey for BTreeSet<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        Entries::of_set(self, enc.floats()).write(tag::SET, enc);
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        pairwise_eq(self.iter(), other.iter(), |x, y| x.key_eq_with(y, floats))
            || Entries::of_set(self, floats).same(&Entries::of_set(other, floats))
    }
}
