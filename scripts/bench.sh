#!/usr/bin/env bash
# Runs the criterion benchmarks and writes BENCHMARKS.md from their medians.
#   scripts/bench.sh           full run (16, 4096, 1M and 16M elements; ~8 minutes on 2 cores)
#   scripts/bench.sh --quick   sizes up to 1M, shorter measurements (~3 minutes)
# Run it on a quiet machine: ratios compare benchmarks of the same run, but
# other load still adds noise.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--quick" ]]; then
  export TK_BENCH_QUICK=1
fi
rm -rf target/criterion
cargo bench --bench hashing
python3 scripts/bench_report.py
