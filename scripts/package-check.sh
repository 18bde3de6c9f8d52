#!/usr/bin/env bash
# Checks that the two published crates work as packaged, in dependency order:
#
#   1. `cargo publish --dry-run -p tensor-key-derive -p tensor-key`: packages
#      both and verifies (builds) each from its package, the core crate against
#      the *packaged* derive crate through cargo's temporary local registry
#      (tensor-key-derive is not on crates.io yet, so a dry run of the core
#      crate alone could not resolve it), then stops before uploading;
#   2. unpacks both `.crate` files outside the repository and runs the packaged
#      core crate's whole test suite with every feature (unit, integration and
#      doc tests, its README's examples included), with the derive dependency
#      patched to the unpacked derive package: what a user downloads must build,
#      and its docs must run, without anything from the repository.
#
#   scripts/package-check.sh [--allow-dirty]   (extra arguments go to cargo publish)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

target="${CARGO_TARGET_DIR:-$PWD/target}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[[ -n "$version" ]] || { echo "no version in [workspace.package]" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step "cargo publish --dry-run -p tensor-key-derive -p tensor-key"
cargo publish --dry-run -p tensor-key-derive -p tensor-key "$@"

step "the packaged tensor-key $version, unpacked: every test with every feature"
for crate in tensor-key-derive tensor-key; do
    # Where the dry run leaves the package depends on cargo's version and on
    # whether several packages were published together: take the newest.
    file="$(ls -t "$target/package/tmp-crate/$crate-$version.crate" \
        "$target/package/$crate-$version.crate" 2>/dev/null | head -n 1 || true)"
    [[ -n "$file" ]] || { echo "no packaged $crate-$version.crate under $target/package" >&2; exit 1; }
    tar -xzf "$file" -C "$tmp"
done
core="$tmp/tensor-key-$version"
# The workspace's lock file pins the dependencies CI already tested with.
cp Cargo.lock "$core/Cargo.lock"
(
    cd "$core"
    CARGO_TARGET_DIR="$target" cargo test --all-features \
        --config "patch.crates-io.tensor-key-derive.path='$tmp/tensor-key-derive-$version'"
) 2>&1 | tee "$tmp/test.log"
# The doc tests must have run the README's examples, from the package.
if ! grep -q 'ReadmeDoctests (line .*) ... ok' "$tmp/test.log"; then
    echo "the packaged crate's README examples did not run as doc tests" >&2
    exit 1
fi
