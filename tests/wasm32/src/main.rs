//! Pointer-sized integers on a 32-bit target: a `usize` (`isize`) tensor, in
//! every layout and through every path (the small fixed-rank one, contiguous
//! runs, gathers, band transposes, equality tiles), has the encoding, digest
//! and equality of the `u64` (`i64`) tensor of the same values (SPEC.md,
//! section 3). `f32` (with a NaN and a -0.0) and `u8` tensors take the same
//! paths and must agree with their C-order selves. Exits with status 1 after
//! listing every failure.

use ndarray::{Array2, Array3, ArrayView2, ShapeBuilder, s};
use tensor_key::{Bitwise, FrozenKey};

/// The same logical matrix in four layouts: C order, Fortran order, a
/// transposed store, and a reversed, stepped view of a larger store.
fn layouts<T: Copy + Default>(a: &Array2<T>, mut check: impl FnMut(&str, ArrayView2<'_, T>)) {
    let (rows, cols) = a.dim();
    let mut fortran = Array2::<T>::default((rows, cols).f());
    fortran.assign(a);
    let transposed = a.t().as_standard_layout().into_owned();
    let mut store = Array2::<T>::default((2 * rows, 2 * cols));
    store.slice_mut(s![..;-2, ..;-2]).assign(a);
    check("C order", a.view());
    check("Fortran order", fortran.view());
    check("transposed", transposed.t());
    check("reversed, stepped", store.slice(s![..;-2, ..;-2]));
}

fn main() {
    let mut failures = Vec::new();
    let shapes = [
        (1, 1),
        (3, 5),
        (4, 4),
        (8, 8),
        (16, 13),
        (13, 16),
        (64, 64),
        (67, 131),
        (9, 600),
        (600, 9),
    ];
    for (rows, cols) in shapes {
        let a = Array2::from_shape_fn((rows, cols), |(i, j)| (i * cols + j) as usize * 3);
        let wide = a.mapv(|x| x as u64);
        layouts(&a, |layout, v| {
            let same = v.encoding() == wide.encoding()
                && Bitwise(v).encoding() == Bitwise(&wide).encoding()
                && v.digest() == wide.digest()
                && v.key_eq(&a.view())
                && a.view().key_eq(&v);
            if !same {
                failures.push(format!("usize {rows}x{cols}, {layout}"));
            }
            let mut other = a.clone();
            other[[rows - 1, cols - 1]] += 1;
            if v.key_eq(&other.view()) || other.view().key_eq(&v) {
                failures.push(format!(
                    "usize {rows}x{cols}, {layout}: one element apart, equal"
                ));
            }
        });
        let b = a.mapv(|x| x as isize - 1000);
        let wide = b.mapv(|x| x as i64);
        layouts(&b, |layout, v| {
            if v.encoding() != wide.encoding()
                || !v.key_eq(&b.view())
                || v.digest() != wide.digest()
            {
                failures.push(format!("isize {rows}x{cols}, {layout}"));
            }
        });
        // Element types whose width does not depend on the target, through
        // the same paths (the canonical rule for a NaN and a -0.0 too).
        let mut f = a.mapv(|x| x as f32 / 7.0);
        f[[0, 0]] = f32::NAN;
        f[[rows - 1, 0]] = -0.0;
        layouts(&f, |layout, v| {
            if v.digest() != f.digest()
                || !v.key_eq(&f.view())
                || Bitwise(v).encoding() != Bitwise(&f).encoding()
            {
                failures.push(format!("f32 {rows}x{cols}, {layout}"));
            }
        });
        let bytes = a.mapv(|x| x as u8);
        layouts(&bytes, |layout, v| {
            if v.encoding() != bytes.encoding() || !v.key_eq(&bytes.view()) {
                failures.push(format!("u8 {rows}x{cols}, {layout}"));
            }
        });
        let c = Array3::from_shape_fn((rows, 2, cols), |(i, j, k)| {
            (i * 7 + j * 3 + k) as isize - 50
        });
        let permuted = c
            .view()
            .permuted_axes([2, 0, 1])
            .as_standard_layout()
            .into_owned();
        let back = permuted.view().permuted_axes([1, 2, 0]);
        if back.encoding() != c.mapv(|x| x as i64).encoding() || !back.key_eq(&c.view()) {
            failures.push(format!("isize {rows}x2x{cols}, permuted axes"));
        }
    }
    println!("{}-bit target: {} failures", usize::BITS, failures.len());
    for f in &failures {
        println!("  {f}");
    }
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
