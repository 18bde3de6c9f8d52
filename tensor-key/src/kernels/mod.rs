//! The crate's `unsafe` code, in one place: raw-pointer walks over tensor
//! memory ([`strided`], and [`fixed`] for small tensors of rank 1 to 4), byte
//! views and vectorized scans of scalars ([`scan`]), and the SIMD block
//! transposes of the banded paths ([`transpose`]). Everything outside this
//! module is safe code built on the safe
//! interfaces exported here. Each `unsafe` block carries a `// SAFETY:` note,
//! and the tests at the bottom of each file drive it through its edge cases.

pub(crate) mod fixed;
pub(crate) mod scan;
pub(crate) mod strided;
pub(crate) mod transpose;
