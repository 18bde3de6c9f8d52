//! `FrozenKey` implementations, one module per family of types.

mod collections;
mod pointers;
mod primitives;
mod product;
mod std_types;
mod tensor;

pub use tensor::KeyStorage;
pub(crate) use tensor::{encode_tensor, tensor_digest, tensor_eq, tensor_key_hash};
