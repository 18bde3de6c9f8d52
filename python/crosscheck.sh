#!/usr/bin/env bash
# Cross-checks the Python reference implementation (python/tensor_key_ref.py,
# written from SPEC.md) against the Rust crate. Installs nothing: it needs
# python3 with numpy, and cargo.
#
#   python/crosscheck.sh [COUNT] [SEED]     (defaults: 3000 tensors and 3000 records, seed 20261124)
set -euo pipefail
cd "$(dirname "$0")/.."

count="${1:-3000}"
seed="${2:-20261124}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n==> %s\n' "$*"; }

step "Python reference: unit tests"
python3 -m unittest discover -s python

step "Python reference: golden vectors (tests/vectors/digests.json)"
python3 python/check_vectors.py

step "Python reference: $count random tensors and $count random records (seed $seed)"
python3 python/gen_random.py --seed "$seed" --count "$count" --out "$tmp/values.jsonl"

step "Rust: the same tensors in several layouts, the same records part by part"
cargo run --release -p tensor-key-examples --features half --example crosscheck -- "$tmp/values.jsonl"
