//! The pure functions and methods of the public API are `#[must_use]`: the
//! expected warnings, denied, are in `must_use/*.stderr` (for the pinned
//! toolchain; regenerate with `TRYBUILD=overwrite cargo test --test must_use`).

#[test]
fn pure_calls_for_nothing_are_reported() {
    trybuild::TestCases::new().compile_fail("tests/must_use/*.rs");
}
