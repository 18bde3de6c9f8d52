//! The transposition kernel of the banded paths: eight column segments of a
//! band become eight-element pieces of the band's rows in a byte tile. Four-
//! and eight-byte elements go through SSE2 register transposes (4×4 and 2×2
//! blocks; SSE2 is part of x86-64's baseline, so no run-time check is
//! needed); other widths and other targets copy element by element.

use crate::scalar::Scalar;

/// Columns transposed together.
pub(crate) const GROUP: usize = 8;

/// Writes `columns[c][r]`'s bytes to `tile[r * pitch + at + c * T::SIZE..]`
/// for every row `r` and column `c < GROUP`. The segments must all have the
/// same length, and the tile must hold every destination (panics otherwise).
#[inline]
pub(crate) fn columns_into_rows<T: Scalar>(
    columns: &[&[T]; GROUP],
    tile: &mut [u8],
    pitch: usize,
    at: usize,
) {
    let h = columns[0].len();
    assert!(columns.iter().all(|s| s.len() == h));
    if h == 0 {
        return;
    }
    let width = GROUP * T::SIZE;
    assert!(
        pitch >= width
            && (h - 1)
                .checked_mul(pitch)
                .and_then(|x| x.checked_add(at + width))
                .is_some_and(|end| end <= tile.len()),
        "tile too small"
    );
    debug_assert_eq!(std::mem::size_of::<T>(), T::SIZE);
    #[cfg(target_arch = "x86_64")]
    {
        if std::mem::size_of::<T>() == 4 && h >= 8 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above); every
            // segment holds `h` elements of 4 bytes, and every destination
            // `r * pitch + at + [0, 32)` for `r < h` lies inside the tile
            // (asserted above).
            unsafe {
                avx2::rows_of_4(columns.map(|s| s.as_ptr().cast::<u8>()), h, tile, pitch, at)
            };
            return;
        }
        if std::mem::size_of::<T>() == 4 {
            // SAFETY: every segment holds `h` elements of 4 bytes, and every
            // destination `r * pitch + at + [0, 32)` for `r < h` lies inside
            // the tile (asserted above).
            unsafe {
                sse2::rows_of_4(columns.map(|s| s.as_ptr().cast::<u8>()), h, tile, pitch, at)
            };
            return;
        }
        if std::mem::size_of::<T>() == 8 {
            // SAFETY: as above, with 8-byte elements (destinations `[0, 64)`).
            unsafe {
                sse2::rows_of_8(columns.map(|s| s.as_ptr().cast::<u8>()), h, tile, pitch, at)
            };
            return;
        }
    }
    for (c, column) in columns.iter().enumerate() {
        let at = at + c * T::SIZE;
        let rows = tile.chunks_mut(pitch);
        for (row, x) in rows.zip(super::scan::native_bytes(column).chunks_exact(T::SIZE)) {
            row[at..at + T::SIZE].copy_from_slice(x);
        }
    }
}

/// Hints that the cache line at `p` will be read soon. Never faults, whatever
/// `p` points to (prefetches of invalid addresses are dropped), so callers may
/// pass addresses computed past the end of their data.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht1` only hints the cache; it reads nothing
    // architecturally and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::GROUP;
    use std::arch::x86_64::*;

    /// # Safety
    /// Each `columns[c]` points to `h` readable 4-byte elements, and
    /// `tile[r * pitch + at..][..32]` exists for every `r < h`.
    #[inline]
    pub(super) unsafe fn rows_of_4(
        columns: [*const u8; GROUP],
        h: usize,
        tile: &mut [u8],
        pitch: usize,
        at: usize,
    ) {
        let out = tile.as_mut_ptr();
        let mut r = 0;
        // SAFETY (whole block): loads read elements `r..r + 4 <= h` of a
        // column; stores write 16 bytes at `(r + k) * pitch + at + 16 * half`
        // for `r + k < h`, inside the caller's bounds; both unaligned.
        unsafe {
            while r + 4 <= h {
                for half in 0..2 {
                    let load = |c: usize| {
                        _mm_loadu_si128(columns[4 * half + c].add(4 * r).cast::<__m128i>())
                    };
                    let (a0, a1, a2, a3) = (load(0), load(1), load(2), load(3));
                    let t0 = _mm_unpacklo_epi32(a0, a1);
                    let t1 = _mm_unpacklo_epi32(a2, a3);
                    let t2 = _mm_unpackhi_epi32(a0, a1);
                    let t3 = _mm_unpackhi_epi32(a2, a3);
                    let rows = [
                        _mm_unpacklo_epi64(t0, t1),
                        _mm_unpackhi_epi64(t0, t1),
                        _mm_unpacklo_epi64(t2, t3),
                        _mm_unpackhi_epi64(t2, t3),
                    ];
                    for (k, row) in rows.into_iter().enumerate() {
                        let dst = out.add((r + k) * pitch + at + 16 * half);
                        _mm_storeu_si128(dst.cast::<__m128i>(), row);
                    }
                }
                r += 4;
            }
            while r < h {
                for (c, column) in columns.iter().enumerate() {
                    let dst = out.add(r * pitch + at + 4 * c);
                    std::ptr::copy_nonoverlapping(column.add(4 * r), dst, 4);
                }
                r += 1;
            }
        }
    }

    /// # Safety
    /// Each `columns[c]` points to `h` readable 8-byte elements, and
    /// `tile[r * pitch + at..][..64]` exists for every `r < h`.
    #[inline]
    pub(super) unsafe fn rows_of_8(
        columns: [*const u8; GROUP],
        h: usize,
        tile: &mut [u8],
        pitch: usize,
        at: usize,
    ) {
        let out = tile.as_mut_ptr();
        let mut r = 0;
        // SAFETY (whole block): loads read elements `r, r + 1 < h` of a
        // column; stores write 16 bytes at `(r + k) * pitch + at + 16 * pair`
        // for `r + k < h`, inside the caller's bounds; both unaligned.
        unsafe {
            while r + 2 <= h {
                for pair in 0..GROUP / 2 {
                    let a0 = _mm_loadu_si128(columns[2 * pair].add(8 * r).cast::<__m128i>());
                    let a1 = _mm_loadu_si128(columns[2 * pair + 1].add(8 * r).cast::<__m128i>());
                    let dst = out.add(r * pitch + at + 16 * pair);
                    _mm_storeu_si128(dst.cast::<__m128i>(), _mm_unpacklo_epi64(a0, a1));
                    _mm_storeu_si128(dst.add(pitch).cast::<__m128i>(), _mm_unpackhi_epi64(a0, a1));
                }
                r += 2;
            }
            if r < h {
                for (c, column) in columns.iter().enumerate() {
                    let dst = out.add(r * pitch + at + 8 * c);
                    std::ptr::copy_nonoverlapping(column.add(8 * r), dst, 8);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::GROUP;
    use std::arch::x86_64::*;

    /// 8×8 blocks: eight 8-element loads, 24 shuffles, eight stores; the
    /// rows past the last multiple of 8 go through the SSE2 kernel.
    ///
    /// # Safety
    /// The CPU supports AVX2; each `columns[c]` points to `h` readable 4-byte
    /// elements, and `tile[r * pitch + at..][..32]` exists for every `r < h`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn rows_of_4(
        columns: [*const u8; GROUP],
        h: usize,
        tile: &mut [u8],
        pitch: usize,
        at: usize,
    ) {
        let out = tile.as_mut_ptr();
        let mut r = 0;
        // SAFETY (whole block): loads read elements `r..r + 8 <= h` of a
        // column; stores write 32 bytes at `(r + k) * pitch + at` for
        // `r + k < h`, inside the caller's bounds; all unaligned. The rest
        // goes to the SSE2 kernel with the columns advanced by `r` elements
        // (still inside them) and the tile from row `r` on.
        unsafe {
            while r + 8 <= h {
                let a: [__m256i; GROUP] =
                    std::array::from_fn(|c| _mm256_loadu_si256(columns[c].add(4 * r).cast()));
                let t0 = _mm256_unpacklo_epi32(a[0], a[1]);
                let t1 = _mm256_unpackhi_epi32(a[0], a[1]);
                let t2 = _mm256_unpacklo_epi32(a[2], a[3]);
                let t3 = _mm256_unpackhi_epi32(a[2], a[3]);
                let t4 = _mm256_unpacklo_epi32(a[4], a[5]);
                let t5 = _mm256_unpackhi_epi32(a[4], a[5]);
                let t6 = _mm256_unpacklo_epi32(a[6], a[7]);
                let t7 = _mm256_unpackhi_epi32(a[6], a[7]);
                let u0 = _mm256_unpacklo_epi64(t0, t2);
                let u1 = _mm256_unpackhi_epi64(t0, t2);
                let u2 = _mm256_unpacklo_epi64(t1, t3);
                let u3 = _mm256_unpackhi_epi64(t1, t3);
                let u4 = _mm256_unpacklo_epi64(t4, t6);
                let u5 = _mm256_unpackhi_epi64(t4, t6);
                let u6 = _mm256_unpacklo_epi64(t5, t7);
                let u7 = _mm256_unpackhi_epi64(t5, t7);
                let rows = [
                    _mm256_permute2x128_si256::<0x20>(u0, u4),
                    _mm256_permute2x128_si256::<0x20>(u1, u5),
                    _mm256_permute2x128_si256::<0x20>(u2, u6),
                    _mm256_permute2x128_si256::<0x20>(u3, u7),
                    _mm256_permute2x128_si256::<0x31>(u0, u4),
                    _mm256_permute2x128_si256::<0x31>(u1, u5),
                    _mm256_permute2x128_si256::<0x31>(u2, u6),
                    _mm256_permute2x128_si256::<0x31>(u3, u7),
                ];
                for (k, row) in rows.into_iter().enumerate() {
                    _mm256_storeu_si256(out.add((r + k) * pitch + at).cast(), row);
                }
                r += 8;
            }
            if r < h {
                let rest = columns.map(|c| c.add(4 * r));
                super::sse2::rows_of_4(rest, h - r, &mut tile[r * pitch..], pitch, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: Scalar + Default + PartialEq + std::fmt::Debug>(make: impl Fn(usize) -> T) {
        let n = 64 * 40 + 8;
        let store: Vec<T> = (0..n).map(&make).collect();
        for h in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 25, 33] {
            for start in 0..3 {
                for at_elems in [0usize, 1, 3] {
                    // Columns from scattered, unaligned places, some
                    // overlapping, one running backwards through memory.
                    let offsets = [start, 40 + start, 81, 7, 200 + start, 19, 33, 150];
                    let columns: [&[T]; GROUP] = offsets.map(|o| &store[o..o + h]);
                    let pitch = (GROUP + at_elems + 2) * T::SIZE;
                    let at = at_elems * T::SIZE;
                    let mut tile = vec![0xAAu8; h * pitch + 5];
                    columns_into_rows(&columns, &mut tile, pitch, at);
                    let mut expected = vec![0xAAu8; h * pitch + 5];
                    for (c, col) in columns.iter().enumerate() {
                        for (r, x) in col.iter().enumerate() {
                            let dst = r * pitch + at + c * T::SIZE;
                            expected[dst..dst + T::SIZE].copy_from_slice(
                                crate::kernels::scan::native_bytes(std::slice::from_ref(x)),
                            );
                        }
                    }
                    assert_eq!(tile, expected, "h {h}, start {start}, at {at}");
                }
            }
        }
    }

    #[test]
    fn columns_become_rows_for_every_width() {
        check(|i| i as u8);
        check(|i| i as u16);
        check(|i| (i as u32).wrapping_mul(2_654_435_761));
        check(|i| f32::from_bits((i as u32).wrapping_mul(2_654_435_761)));
        check(|i| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        check(|i| i as f64 - 0.5);
        check(|i| num_complex::Complex::new(i as f32, -(i as f32)));
        check(|i| i as u128 * 3);
    }

    #[test]
    #[should_panic(expected = "tile too small")]
    fn a_short_tile_is_refused() {
        let store = [1u32; 16];
        let columns: [&[u32]; GROUP] = [&store[..4]; GROUP];
        let mut tile = vec![0u8; 3 * 32 + 31];
        columns_into_rows(&columns, &mut tile, 32, 0);
    }

    #[test]
    fn prefetch_takes_any_address() {
        prefetch(std::ptr::null::<u8>());
        prefetch(usize::MAX as *const u64);
        prefetch([1u8].as_ptr());
    }
}
