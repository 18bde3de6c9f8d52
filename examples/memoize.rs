//! Memoizing an expensive function of a tensor: a cache keyed by
//! `Key<(Array2<f32>, String)>` (the input and the operation's name)
//! recognises repeated inputs whatever their memory layout (C order, Fortran
//! order, transposed twice, reversed twice) and whatever their NaN payloads or
//! signs of zero, and tells genuinely different inputs (one ulp apart, another
//! operation) apart.
//!
//! The cache is queried with what the caller holds, `(ArrayView2<f32>, &str)`,
//! through `Key::lookup`: nothing is cloned to look up, and the input is copied
//! into the cache only on a miss. At the end the program measures lookups of
//! the whole stream against the cache both ways, borrowed and by cloning each
//! input into a `Key` first (median of several passes), and prints the speedup.
//! What borrowing saves is the copy: two allocations (tensor and string) and
//! a 9 KiB `memcpy` per lookup, about 0.3 µs here. Hashing the 48×48 input and
//! comparing it with the stored key (through strides, for the other layouts)
//! cost several µs, and both ways pay them, so at this size the gain is a few
//! percent, close to run-to-run noise; the borrowed lookup never allocates.
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
use std::hash::BuildHasher;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tensor_key::{Bitwise, FrozenKey, Key, KeyBorrow, Lookup};

const SIDE: usize = 48;
const BASES: usize = 6;
const CONFIGS: [u32; 2] = [3, 5];
/// Passes over the stream for each way of looking up; the medians are compared.
const TIMING_PASSES: usize = 31;

/// The operation's name, the second part of the cache key.
fn op_name(config: u32) -> &'static str {
    match config {
        3 => "smooth-60",
        _ => "smooth-100",
    }
}

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

/// A memo table: results of `smooth`, keyed by `Key<T>`.
struct Memo<T: KeyBorrow> {
    table: HashMap<Key<T>, Array2<f32>>,
    hits: usize,
    misses: usize,
    compute_time: Duration,
}

impl<T: KeyBorrow> Memo<T> {
    fn new() -> Self {
        Memo {
            table: HashMap::new(),
            hits: 0,
            misses: 0,
            compute_time: Duration::ZERO,
        }
    }

    /// Returns (a copy of) the cached result, or computes and caches it;
    /// `true` on a hit. The lookup borrows `query`; only a miss builds the
    /// owned key (copying the input into the cache) with `owned`.
    fn get_or_compute<Q: Lookup<T>>(
        &mut self,
        query: &Q,
        owned: impl FnOnce() -> T,
        input: &Array2<f32>,
        config: u32,
    ) -> (Array2<f32>, bool) {
        // `get` then `insert`: the entry API would need an owned key up front.
        if let Some(result) = self.table.get(Key::lookup(query)) {
            self.hits += 1;
            return (result.clone(), true);
        }
        self.misses += 1;
        let start = Instant::now();
        let out = smooth(input, config);
        self.compute_time += start.elapsed();
        self.table.insert(Key::new(owned()), out.clone());
        (out, false)
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Looks every input of the stream up in `table` both ways, `TIMING_PASSES`
/// times each (interleaved), and returns the medians (borrowed, cloning).
/// The canonical cache's table under a hasher `S`.
type Table<S> = HashMap<Key<(Array2<f32>, String)>, Array2<f32>, S>;

fn time_lookups<S: BuildHasher>(
    table: &Table<S>,
    inputs: &[(Array2<f32>, &str)],
) -> (Duration, Duration) {
    let mut borrowed = Vec::new();
    let mut cloning = Vec::new();
    for _ in 0..TIMING_PASSES {
        let start = Instant::now();
        for (input, name) in inputs {
            black_box(table.get(Key::lookup(&(input.view(), *name))));
        }
        borrowed.push(start.elapsed());

        let start = Instant::now();
        for (input, name) in inputs {
            // What a lookup cost before `Key::lookup`: an owned key per query.
            black_box(table.get(&Key::new((input.clone(), name.to_string()))));
        }
        cloning.push(start.elapsed());
    }
    (median(borrowed), median(cloning))
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

    let mut canonical: Memo<(Array2<f32>, String)> = Memo::new();
    let mut bitwise: Memo<(Bitwise<Array2<f32>>, String)> = Memo::new();
    // Per variant: (canonical hits, bitwise hits).
    let mut by_variant: HashMap<Variant, (usize, usize)> = HashMap::new();
    let mut verify_failures = 0usize;

    let start = Instant::now();
    for (n, &(b, config, variant)) in stream.iter().enumerate() {
        let input = make_variant(&bases[b], variant);
        let name = op_name(config);

        // Looked up with a view and a `&str`: the input is copied into the
        // cache only on a miss.
        let (result, hit) = canonical.get_or_compute(
            &(input.view(), name),
            || (input.clone(), name.to_owned()),
            &input,
            config,
        );
        let (_, bit_hit) = bitwise.get_or_compute(
            &(Bitwise(input.view()), name),
            || (Bitwise(input.clone()), name.to_owned()),
            &input,
            config,
        );

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

    // Lookup cost alone: the whole stream against the filled canonical cache,
    // under std's SipHash and under foldhash (hashing is then cheaper, so the
    // copy a cloning lookup makes weighs more).
    let inputs: Vec<(Array2<f32>, &str)> = stream
        .iter()
        .map(|&(b, config, variant)| (make_variant(&bases[b], variant), op_name(config)))
        .collect();
    let folded: Table<foldhash::fast::RandomState> = canonical
        .table
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    println!();
    println!(
        "lookups of the {} inputs, median of {TIMING_PASSES} passes:",
        inputs.len()
    );
    for (hasher, (borrowed, cloning)) in [
        ("SipHash (std)", time_lookups(&canonical.table, &inputs)),
        ("foldhash", time_lookups(&folded, &inputs)),
    ] {
        let per = |d: Duration| d / u32::try_from(inputs.len()).unwrap_or(u32::MAX);
        println!(
            "  {hasher:<14} borrowed (ArrayView2, &str): {:>8.2?} each; cloning into a Key: {:>8.2?} each; \
             borrowed lookups are {:.2}x as fast",
            per(borrowed),
            per(cloning),
            cloning.as_secs_f64() / borrowed.as_secs_f64().max(f64::MIN_POSITIVE),
        );
    }

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
