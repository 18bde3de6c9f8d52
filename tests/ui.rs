//! Compile-time behaviour of `#[derive(FrozenKey)]`: every diagnostic has a
//! failing case with its expected message in `ui/fail/*.stderr`, and every shape
//! and attribute a passing case in `ui/pass/`. The `.stderr` snapshots are for
//! the pinned toolchain (rust-toolchain.toml); regenerate with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
