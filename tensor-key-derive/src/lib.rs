//! Derive macro for `tensor-key` (see the `tensor-key` crate).
