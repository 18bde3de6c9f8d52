//! Optional serde support (feature `serde`).
//!
//! A [`KeyDigest`] is 64 lowercase hex characters in human-readable formats
//! (JSON, TOML, YAML) and 32 raw bytes in binary ones (postcard, bincode,
//! CBOR). A [`FrozenTensor`] serializes as the ndarray array it holds, and
//! deserializes into a new frozen tensor with the same key and digest.

use crate::{FrozenTensor, KeyDigest};
use ndarray::{Array, Dimension};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};
use std::fmt;

impl Serialize for KeyDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_bytes(self.as_bytes())
        }
    }
}

impl<'de> Deserialize<'de> for KeyDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(DigestVisitor)
        } else {
            deserializer.deserialize_bytes(DigestVisitor)
        }
    }
}

struct DigestVisitor;

impl<'de> Visitor<'de> for DigestVisitor {
    type Value = KeyDigest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key digest: 64 hex characters or 32 bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyDigest, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<KeyDigest, E> {
        <[u8; 32]>::try_from(v)
            .map(KeyDigest::from_bytes)
            .map_err(|_| E::invalid_length(v.len(), &self))
    }

    /// Formats that write byte strings as sequences of numbers.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<KeyDigest, A::Error> {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
        }
        if seq.next_element::<u8>()?.is_some() {
            return Err(de::Error::invalid_length(33, &self));
        }
        Ok(KeyDigest::from_bytes(bytes))
    }
}

impl<A: Serialize, D: Dimension + Serialize> Serialize for FrozenTensor<A, D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_array().serialize(serializer)
    }
}

impl<'de, A: Deserialize<'de> + crate::FrozenKey, D: Dimension + Deserialize<'de>> Deserialize<'de>
    for FrozenTensor<A, D>
{
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        Array::<A, D>::deserialize(deserializer).map(FrozenTensor::new)
    }
}
