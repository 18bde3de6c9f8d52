//! The crate's `unsafe` code, in one place: raw-pointer walks over tensor
//! memory ([`strided`]) and byte views and vectorized scans of scalars
//! ([`scan`]). Everything outside this module is safe code built on the safe
//! interfaces exported here. Each `unsafe` block carries a `// SAFETY:` note,
//! and the tests at the bottom of each file drive it through its edge cases.

pub(crate) mod fixed;
pub(crate) mod scan;
pub(crate) mod strided;
pub(crate) mod transpose;
