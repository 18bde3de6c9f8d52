//! The examples of [`tensor_key`] live beside this file (`quickstart.rs`,
//! `memoize.rs`, ...); run one with `cargo run --release --example NAME` from
//! the repository root. This library is empty: a package needs a target of
//! its own besides examples.
