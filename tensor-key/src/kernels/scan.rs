//! Scalars as bytes, and the vectorized scan that tells whether a run of floats
//! needs canonicalizing.

use crate::scalar::Scalar;

/// Views scalars as their in-memory bytes.
#[inline]
pub(crate) fn native_bytes<T: Scalar>(items: &[T]) -> &[u8] {
    // SAFETY: `Scalar` guarantees `T` has no padding or uninitialized bytes, so
    // every byte of the slice is initialized; u8 has alignment 1, and the length
    // in bytes is the slice's size, which cannot overflow isize.
    unsafe { std::slice::from_raw_parts(items.as_ptr().cast::<u8>(), std::mem::size_of_val(items)) }
}

/// True if `dirty` holds for no item. The scan runs over every contiguous piece
/// of a float tensor before it goes to the sink straight from memory, so it has
/// to cost little next to the hasher: it is a branch-free fold, compiled again
/// for AVX2 and AVX-512 and picked at run time (x86-64's baseline SSE2 code runs
/// it at about a third of the speed).
#[inline]
pub(crate) fn none_dirty<T: Copy>(items: &[T], dirty: impl Fn(T) -> bool) -> bool {
    // Small keys: not worth the feature check and the call.
    if items.len() < 64 {
        return none_dirty_fold(items, dirty);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        return unsafe { none_dirty_avx512(items, dirty) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { none_dirty_avx2(items, dirty) };
    }
    none_dirty_fold(items, dirty)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn none_dirty_avx2<T: Copy>(items: &[T], dirty: impl Fn(T) -> bool) -> bool {
    none_dirty_fold(items, dirty)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn none_dirty_avx512<T: Copy>(items: &[T], dirty: impl Fn(T) -> bool) -> bool {
    none_dirty_fold(items, dirty)
}

#[inline(always)]
fn none_dirty_fold<T: Copy>(items: &[T], dirty: impl Fn(T) -> bool) -> bool {
    !items.iter().fold(false, |acc, &x| acc | dirty(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_bytes_are_little_endian_values() {
        assert_eq!(native_bytes::<u16>(&[]), &[] as &[u8]);
        if cfg!(target_endian = "little") {
            assert_eq!(native_bytes(&[0x0102u16, 0x0304]), &[2, 1, 4, 3]);
        }
        assert_eq!(native_bytes(&[1.0f64]).len(), 8);
    }

    #[test]
    fn scan_finds_the_one_dirty_item_at_every_position_and_length() {
        // Lengths around the small-key cut and the vector widths, the dirty item
        // at each position, and starts at every alignment.
        let clean = vec![1.0f32; 300];
        for start in 0..4 {
            for len in [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 257] {
                let items = &clean[start..start + len];
                assert!(none_dirty(items, f32::is_nan), "len {len}");
                for at in 0..len {
                    let mut dirty = items.to_vec();
                    dirty[at] = f32::NAN;
                    assert!(!none_dirty(&dirty, f32::is_nan), "len {len}, at {at}");
                }
            }
        }
    }
}
