//! Types that could change while a map holds them are rejected at compile time,
//! with the `on_unimplemented` message of `FrozenKey` or `KeyStorage`.

#[test]
fn mutable_types_are_not_keys() {
    trybuild::TestCases::new().compile_fail("tests/not_keys/*.rs");
}
