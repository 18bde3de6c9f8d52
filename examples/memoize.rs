//! Memoizing an expensive function of a tensor: a cache keyed by
//! `Key<(Array2<f32>, u32)>` recognises repeated inputs whatever their memory
//! layout (C order, Fortran order, transposed twice, reversed twice) and
//! whatever their NaN payloads or signs of zero, and tells genuinely different
//! inputs (one ulp apart, another configuration) apart.
//!
//! The function is iterative smoothing of a 48×48 grid with missing values
//! (NaN), a 5-point stencil run `20 × config` times. A shuffled stream of inputs goes through two caches:
//! one with canonical keys (every NaN is one value, `-0.0 == 0.0`) and, for
//! contrast, one with `Bitwise` keys, which tell NaN payloads and signs of zero
//! apart. Each cache hit is checked against a fresh computation, and the hit and
//! miss counts are asserted: the program exits non-zero if either is wrong.
//!
//! Run with `cargo run --release --example memoize`.

use ndarray::{Array2, Axis, ShapeBuilder};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tensor_key::{Bitwise, FrozenKey, Key};

const SIDE: usize = 48;
const BASES: usize = 6;
const CONFIGS: [u32; 2] = [3, 5];

#[path = "support/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// The expensive function: `20 * config` rounds of 5-point smoothing with
/// clamped edges, skipping (and so filling in) missing values. Reads by logical index, so the result does not depend on the
/// input's layout.
fn smooth(input: &Array2<f32>, config: u32) -> Array2<f32> {
    let (rows, cols) = input.dim();
    let mut cur = input.as_standard_layout().into_owned();
    let mut next = Array2::<f32>::zeros((rows, cols));
    for _ in 0..20 * config {
        for i in 0..rows {
            for j in 0..cols {
                let up = cur[[i.saturating_sub(1), j]];
                let down = cur[[(i + 1).min(rows - 1), j]];
                let left = cur[[i, j.saturating_sub(1)]];
                let right = cur[[i, (j + 1).min(cols - 1)]];
                // Missing values (NaN) are skipped: smoothing also fills them in.
                let (mut sum, mut weight) = (0.0f32, 0.0f32);
                for (x, w) in [
                    (cur[[i, j]], 0.5),
                    (up, 0.125),
                    (down, 0.125),
                    (left, 0.125),
                    (right, 0.125),
                ] {
                    if !x.is_nan() {
                        sum += w * x;
                        weight += w;
                    }
                }
                next[[i, j]] = if weight > 0.0 { sum / weight } else { f32::NAN };
            }
        }
        std::mem::swap(&mut cur, &mut next);
    }
    cur
}

/// How an input in the stream relates to its base tensor.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Variant {
    Original,
    FortranCopy,
    TransposedTwice,
    ReversedTwice,
    OtherNanPayload,
    NegativeZero,
    OneUlpApart,
}

const VARIANTS: [Variant; 7] = [
    Variant::Original,
    Variant::FortranCopy,
    Variant::TransposedTwice,
    Variant::ReversedTwice,
    Variant::OtherNanPayload,
    Variant::NegativeZero,
    Variant::OneUlpApart,
];

/// Where each base tensor holds its NaN, its zero and the element nudged by one ulp.
const NAN_AT: [usize; 2] = [3, 5];
const ZERO_AT: [usize; 2] = [7, 11];
const NUDGE_AT: [usize; 2] = [20, 30];

fn base_tensor(rng: &mut XorShift) -> Array2<f32> {
    let mut a = Array2::from_shape_simple_fn((SIDE, SIDE), || rng.next_f32());
    a[NAN_AT] = f32::NAN;
    a[ZERO_AT] = 0.0;
    a
}

/// The input for `variant` of `base`, in its own memory layout.
fn make_variant(base: &Array2<f32>, variant: Variant) -> Array2<f32> {
    match variant {
        Variant::Original => base.clone(),
        Variant::FortranCopy => {
            let mut f = Array2::<f32>::zeros(base.raw_dim().f());
            f.assign(base);
            f
        }
        // The transpose's C-order copy, transposed back: Fortran strides in memory.
        // (`to_owned` would keep the view's memory order; `as_standard_layout` copies
        // into C order.)
        Variant::TransposedTwice => base.t().as_standard_layout().into_owned().reversed_axes(),
        // Stored back to front, read through negative strides.
        Variant::ReversedTwice => {
            let mut back_to_front: Vec<f32> = base.iter().copied().collect();
            back_to_front.reverse();
            let mut v = Array2::from_shape_vec(base.raw_dim(), back_to_front).unwrap();
            v.invert_axis(Axis(0));
            v.invert_axis(Axis(1));
            v
        }
        Variant::OtherNanPayload => {
            let mut v = base.clone();
            v[NAN_AT] = f32::from_bits(0xFFC0_1234); // negative NaN, another payload
            v
        }
        Variant::NegativeZero => {
            let mut v = base.clone();
            v[ZERO_AT] = -0.0;
            v
        }
        Variant::OneUlpApart => {
            let mut v = base.clone();
            v[NUDGE_AT] = f32::from_bits(v[NUDGE_AT].to_bits() + 1);
            v
        }
    }
}

/// A memo table: results of `smooth`, keyed by whatever `make_key` builds.
struct Memo<K> {
    table: HashMap<K, Array2<f32>>,
    hits: usize,
    misses: usize,
    compute_time: Duration,
}

impl<K: std::hash::Hash + Eq> Memo<K> {
    fn new() -> Self {
        Memo {
            table: HashMap::new(),
            hits: 0,
            misses: 0,
            compute_time: Duration::ZERO,
        }
    }

    /// Returns the cached result, or computes and caches it; `true` on a hit.
    fn get_or_compute(&mut self, key: K, input: &Array2<f32>, config: u32) -> (&Array2<f32>, bool) {
        let mut hit = true;
        let entry = self.table.entry(key).or_insert_with(|| {
            hit = false;
            let start = Instant::now();
            let out = smooth(input, config);
            self.compute_time += start.elapsed();
            out
        });
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        (entry, hit)
    }
}

fn main() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let bases: Vec<Array2<f32>> = (0..BASES).map(|_| base_tensor(&mut rng)).collect();

    // The stream: every variant of every base under every config, shuffled.
    let mut stream: Vec<(usize, u32, Variant)> = Vec::new();
    for b in 0..BASES {
        for &c in &CONFIGS {
            for &v in &VARIANTS {
                stream.push((b, c, v));
            }
        }
    }
    for i in (1..stream.len()).rev() {
        let j = rng.below(i + 1);
        stream.swap(i, j);
    }

    let mut canonical: Memo<Key<(Array2<f32>, u32)>> = Memo::new();
    let mut bitwise: Memo<Key<(Bitwise<Array2<f32>>, u32)>> = Memo::new();
    // Per variant: (canonical hits, bitwise hits).
    let mut by_variant: HashMap<Variant, (usize, usize)> = HashMap::new();
    let mut verify_failures = 0usize;

    let start = Instant::now();
    for (n, &(b, config, variant)) in stream.iter().enumerate() {
        let input = make_variant(&bases[b], variant);

        let (result, hit) =
            canonical.get_or_compute(Key::new((input.clone(), config)), &input, config);
        let result = result.clone();
        let (_, bit_hit) =
            bitwise.get_or_compute(Key::new((Bitwise(input.clone()), config)), &input, config);

        // A cached result must be the result of this very input (canonically:
        // NaN payloads and signs of zero may differ, values may not).
        if hit && !result.key_eq(&smooth(&input, config)) {
            eprintln!("cache returned a wrong result for base {b}, config {config}, {variant:?}");
            verify_failures += 1;
        }
        let counts = by_variant.entry(variant).or_default();
        counts.0 += usize::from(hit);
        counts.1 += usize::from(bit_hit);

        if n < 12 {
            let layout = format!("{:?}", input.strides());
            println!(
                "  input {n:>2}: base {b} config {config} {:<16} strides {layout:<9} canonical {:<4} bitwise {}",
                format!("{variant:?}"),
                if hit { "hit" } else { "miss" },
                if bit_hit { "hit" } else { "miss" },
            );
        }
    }
    let elapsed = start.elapsed();
    println!("  ... ({} inputs in all)", stream.len());

    println!();
    println!(
        "{:<16} {:>14} {:>12}",
        "variant", "canonical hits", "bitwise hits"
    );
    for v in VARIANTS {
        let (c, w) = by_variant.get(&v).copied().unwrap_or_default();
        println!(
            "{:<16} {c:>9} of {:<2} {w:>7} of {:<2}",
            format!("{v:?}"),
            BASES * 2,
            BASES * 2
        );
    }
    println!();

    // Every equivalence class (base, config) with layouts, NaN payloads and signs
    // of zero folded together misses once; the one-ulp inputs are separate classes.
    let pairs = BASES * CONFIGS.len();
    let expected_canonical = (stream.len() - 2 * pairs, 2 * pairs);
    // Bitwise keys also separate the NaN-payload and negative-zero inputs.
    let expected_bitwise = (stream.len() - 4 * pairs, 4 * pairs);

    println!(
        "canonical keys: {} hits, {} misses (expected {}, {}); computing took {:.1?}",
        canonical.hits,
        canonical.misses,
        expected_canonical.0,
        expected_canonical.1,
        canonical.compute_time
    );
    println!(
        "bitwise keys:   {} hits, {} misses (expected {}, {}); computing took {:.1?}",
        bitwise.hits, bitwise.misses, expected_bitwise.0, expected_bitwise.1, bitwise.compute_time
    );
    println!(
        "every canonical hit matched a fresh computation: {}",
        verify_failures == 0
    );
    println!("total time (both caches and the checks): {elapsed:.1?}");

    assert_eq!((canonical.hits, canonical.misses), expected_canonical);
    assert_eq!((bitwise.hits, bitwise.misses), expected_bitwise);
    assert_eq!(canonical.table.len(), expected_canonical.1);
    assert_eq!(verify_failures, 0);
    for v in VARIANTS {
        let (c, w) = by_variant[&v];
        let expect_canonical_hit = !matches!(v, Variant::OneUlpApart);
        let expect_bitwise_hit = !matches!(
            v,
            Variant::OneUlpApart | Variant::OtherNanPayload | Variant::NegativeZero
        );
        // The first arrival of a class misses, whichever variant it is; all other
        // arrivals of a class that folds this variant in hit.
        if !expect_canonical_hit {
            assert_eq!(c, 0, "{v:?} must never hit the canonical cache");
        }
        if !expect_bitwise_hit {
            assert_eq!(w, 0, "{v:?} must never hit the bitwise cache");
        }
    }
    println!("OK");
}
