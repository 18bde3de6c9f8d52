//! De-duplicating a data set of small tensors whose duplicates arrive in other
//! memory layouts: transposed, sliced with steps out of larger arrays, in
//! Fortran order, behind negative strides, or with another NaN payload or a
//! `-0.0` where the original has `0.0`.
//!
//! The data set: 20,000 `f32` matrices of 64 to 256 elements; 14,000 are
//! unique and 6,000 (30%) duplicate one of them. Each tensor is a *view* of its
//! own storage. A `HashSet<FrozenTensor<f32, Ix2>>` removes the duplicates:
//! every view is looked up with a `TensorQuery` (no copy, no allocation), and
//! only a tensor not yet in the set is copied (frozen) into it.
//!
//! For comparison, two other ways:
//! * by SHA-256 digest (`HashSet<KeyDigest>`): the same count, and names that
//!   also hold in other processes (it keeps no tensors, only 32-byte names);
//! * the naive "tuple of bits" key, `(Vec<usize> shape, Vec<u32> bits)` in
//!   logical order: layout-independent too, but it treats other NaN payloads and
//!   `-0.0` as new values, so it keeps more tensors than there are.
//!
//! Each count is asserted; the program exits non-zero if one is wrong.
//!
//! Run with `cargo run --release --example dedup`.

use ndarray::{Array2, ArrayView2, Ix2, ShapeBuilder, s};
use std::collections::HashSet;
use std::time::Instant;
use tensor_key::{Freeze, FrozenKey, FrozenTensor, KeyDigest, TensorQuery};

const TOTAL: usize = 20_000;
const DUPLICATES: usize = 6_000;
const UNIQUE: usize = TOTAL - DUPLICATES;

#[path = "support/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// How an item's storage is viewed to give its tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// The storage as it is (C or Fortran order).
    Whole,
    /// The storage holds the transpose; the item is its transposed view.
    Transposed,
    /// The tensor sits at rows 1, 3, 5, ... and columns 0, 3, 6, ... of a larger
    /// array of noise.
    Stepped,
    /// The storage holds the tensor back to front; the item reverses both axes.
    Reversed,
}

/// One tensor of the data set: storage plus how to view it.
struct Item {
    storage: Array2<f32>,
    layout: Layout,
}

impl Item {
    fn view(&self) -> ArrayView2<'_, f32> {
        match self.layout {
            Layout::Whole => self.storage.view(),
            Layout::Transposed => self.storage.t(),
            Layout::Stepped => self.storage.slice(s![1..;2, ..;3]),
            Layout::Reversed => self.storage.slice(s![..;-1, ..;-1]),
        }
    }
}

/// How a duplicate differs from its original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum DupKind {
    FortranOrder,
    Transposed,
    Stepped,
    Reversed,
    /// Same layout, its NaN has another payload (and sign).
    NanPayload,
    /// Same layout, its 0.0 is -0.0.
    NegativeZero,
}

const DUP_KINDS: [DupKind; 6] = [
    DupKind::FortranOrder,
    DupKind::Transposed,
    DupKind::Stepped,
    DupKind::Reversed,
    DupKind::NanPayload,
    DupKind::NegativeZero,
];

/// Where every tensor holds a NaN and a 0.0 (element (0, 0) holds its id).
const NAN_AT: [usize; 2] = [0, 1];
const ZERO_AT: [usize; 2] = [1, 0];

/// Unique tensor number `id`: 8 to 16 rows and columns, 64 to 256 elements,
/// made unique by its element (0, 0).
fn unique_tensor(id: usize, rng: &mut XorShift) -> Array2<f32> {
    let (rows, cols) = loop {
        let (r, c) = (4 + rng.below(29), 4 + rng.below(29));
        if (64..=256).contains(&(r * c)) {
            break (r, c);
        }
    };
    let mut a = Array2::from_shape_simple_fn((rows, cols), || rng.next_f32());
    a[[0, 0]] = id as f32; // exact below 2^24
    a[NAN_AT] = f32::NAN;
    a[ZERO_AT] = 0.0;
    a
}

fn duplicate(original: &Array2<f32>, kind: DupKind, payload: u32, rng: &mut XorShift) -> Item {
    let (rows, cols) = original.dim();
    match kind {
        DupKind::FortranOrder => {
            let mut f = Array2::<f32>::zeros((rows, cols).f());
            f.assign(original);
            Item {
                storage: f,
                layout: Layout::Whole,
            }
        }
        DupKind::Transposed => Item {
            storage: original.t().as_standard_layout().into_owned(),
            layout: Layout::Transposed,
        },
        DupKind::Stepped => {
            let mut big = Array2::from_shape_simple_fn((2 * rows + 1, 3 * cols), || rng.next_f32());
            big.slice_mut(s![1..;2, ..;3]).assign(original);
            Item {
                storage: big,
                layout: Layout::Stepped,
            }
        }
        DupKind::Reversed => Item {
            storage: original
                .slice(s![..;-1, ..;-1])
                .as_standard_layout()
                .into_owned(),
            layout: Layout::Reversed,
        },
        DupKind::NanPayload => {
            let mut v = original.clone();
            v[NAN_AT] = f32::from_bits(0xFFC0_0000 | payload);
            Item {
                storage: v,
                layout: Layout::Whole,
            }
        }
        DupKind::NegativeZero => {
            let mut v = original.clone();
            v[ZERO_AT] = -0.0;
            Item {
                storage: v,
                layout: Layout::Whole,
            }
        }
    }
}

/// The naive key: shape and raw bits in logical order.
fn naive_key(view: &ArrayView2<'_, f32>) -> (Vec<usize>, Vec<u32>) {
    (
        view.shape().to_vec(),
        view.iter().map(|x| x.to_bits()).collect(),
    )
}

fn main() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);

    // The data set: uniques, then duplicates of random uniques, then shuffled.
    let originals: Vec<Array2<f32>> = (0..UNIQUE).map(|id| unique_tensor(id, &mut rng)).collect();
    let mut items: Vec<Item> = Vec::with_capacity(TOTAL);
    // Originals arrive in C order.
    for a in &originals {
        items.push(Item {
            storage: a.clone(),
            layout: Layout::Whole,
        });
    }
    // The naive key sees a NaN-payload or -0.0 duplicate as new, once per distinct
    // (original, bit pattern).
    let mut naive_extra: HashSet<(usize, DupKind, u32)> = HashSet::new();
    for d in 0..DUPLICATES {
        let source = rng.below(UNIQUE);
        let kind = DUP_KINDS[rng.below(DUP_KINDS.len())];
        let payload = 1 + (d as u32 % 0x3F_FFFF);
        match kind {
            DupKind::NanPayload => _ = naive_extra.insert((source, kind, payload)),
            DupKind::NegativeZero => _ = naive_extra.insert((source, kind, 0)),
            _ => {}
        }
        items.push(duplicate(&originals[source], kind, payload, &mut rng));
    }
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
    let elements: usize = items.iter().map(|it| it.view().len()).sum();
    let layouts = |l: Layout| items.iter().filter(|it| it.layout == l).count();
    println!("{TOTAL} tensors ({elements} f32 elements): {UNIQUE} unique, {DUPLICATES} duplicates");
    println!(
        "views: {} whole ({} in Fortran order), {} transposed, {} stepped, {} reversed",
        layouts(Layout::Whole),
        items
            .iter()
            .filter(|it| it.layout == Layout::Whole && !it.storage.is_standard_layout())
            .count(),
        layouts(Layout::Transposed),
        layouts(Layout::Stepped),
        layouts(Layout::Reversed),
    );
    println!();

    // 1. FrozenTensor set, looked up with views.
    let start = Instant::now();
    let mut set: HashSet<FrozenTensor<f32, Ix2>> = HashSet::with_capacity(TOTAL);
    let mut copies = 0usize;
    for item in &items {
        let view = item.view();
        if !set.contains(TensorQuery::new(view).as_key()) {
            set.insert(view.freeze());
            copies += 1;
        }
    }
    let t_frozen = start.elapsed();

    // 2. Digests.
    let start = Instant::now();
    let digests: HashSet<KeyDigest> = items.iter().map(|it| it.view().digest()).collect();
    let t_digest = start.elapsed();

    // 3. The naive tuple-of-bits key.
    let start = Instant::now();
    let naive: HashSet<(Vec<usize>, Vec<u32>)> =
        items.iter().map(|it| naive_key(&it.view())).collect();
    let t_naive = start.elapsed();
    let naive_expected = UNIQUE + naive_extra.len();

    println!("{:<44} {:>7} {:>9}", "method", "unique", "time");
    println!(
        "{:<44} {:>7} {:>9.1?}",
        "HashSet<FrozenTensor> + TensorQuery lookups",
        set.len(),
        t_frozen
    );
    println!(
        "{:<44} {:>7} {:>9.1?}",
        "HashSet<KeyDigest> (SHA-256)",
        digests.len(),
        t_digest
    );
    println!(
        "{:<44} {:>7} {:>9.1?}",
        "naive (shape, Vec<u32> bits)",
        naive.len(),
        t_naive
    );
    println!();
    println!(
        "expected unique: {UNIQUE}; tensors copied into the set: {copies} (lookups copy nothing; \
         the time above includes these copies)"
    );
    println!(
        "the naive key kept {} NaN-payload / -0.0 duplicates as distinct (expected {})",
        naive.len() - UNIQUE.min(naive.len()),
        naive_extra.len()
    );

    assert_eq!(set.len(), UNIQUE, "FrozenTensor set");
    assert_eq!(copies, UNIQUE);
    assert_eq!(digests.len(), UNIQUE, "digest set");
    assert_eq!(naive.len(), naive_expected, "naive set");
    // Every original is in the set, found through a Fortran-order copy of it.
    for a in &originals {
        let mut f = Array2::<f32>::zeros(a.raw_dim().f());
        f.assign(a);
        assert!(set.contains(TensorQuery::new(f.view()).as_key()));
    }
    println!("OK");
}
