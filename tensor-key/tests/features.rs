//! The optional integrations: `half`, `serde` and `nalgebra`.

#[cfg(feature = "half")]
mod half_floats {
    use half::{bf16, f16};
    use ndarray::{Array2, ShapeBuilder, array};
    use tensor_key::{Bitwise, FrozenKey};

    #[test]
    fn canonical_rules_hold_for_f16_and_bf16() {
        let nans = [
            f16::NAN,
            -f16::NAN,
            f16::from_bits(0x7C01),
            f16::from_bits(0xFE01),
        ];
        for a in nans {
            for b in nans {
                assert!(a.key_eq(&b));
                assert_eq!(a.digest(), b.digest());
            }
        }
        assert_eq!(f16::NAN.encoding(), [0x10, 0x00, 0x7E]);
        assert!(f16::NEG_ZERO.key_eq(&f16::ZERO));
        assert!(!Bitwise(f16::NEG_ZERO).key_eq(&Bitwise(f16::ZERO)));
        assert!(!Bitwise(f16::NAN).key_eq(&Bitwise(f16::from_bits(0x7C01))));
        assert_eq!(bf16::from_bits(0xFFC1).encoding(), [0x11, 0xC0, 0x7F]);
        assert!(bf16::NEG_ZERO.key_eq(&bf16::ZERO));
        assert_ne!(f16::ONE.digest(), bf16::ONE.digest());
    }

    #[test]
    fn half_tensors_are_layout_independent() {
        let a = Array2::from_shape_fn((33, 70), |(i, j)| f16::from_f32((i * 70 + j) as f32 / 8.0));
        let mut f = Array2::<f16>::from_elem((33, 70).f(), f16::ZERO);
        f.assign(&a);
        assert!(a.key_eq(&f));
        assert_eq!(a.digest(), f.digest());
        assert_eq!(array![bf16::NAN].digest(), array![-bf16::NAN].digest());
    }
}

#[cfg(feature = "serde")]
mod serde_support {
    use ndarray::array;
    use tensor_key::{FrozenKey, KeyDigest};

    #[test]
    fn digests_are_hex_in_text_and_bytes_in_binary() {
        let d = array![[1.0f32, 2.0]].digest();
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{}\"", d.to_hex()));
        assert_eq!(serde_json::from_str::<KeyDigest>(&json).unwrap(), d);

        let bin = postcard::to_allocvec(&d).unwrap();
        assert_eq!(bin.len(), 33, "a length byte and 32 digest bytes");
        assert_eq!(&bin[1..], d.as_bytes());
        assert_eq!(postcard::from_bytes::<KeyDigest>(&bin).unwrap(), d);
    }

    #[test]
    fn bad_digests_are_errors_not_panics() {
        let err = serde_json::from_str::<KeyDigest>("\"abc\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("64 hex characters"), "{err}");
        let err =
            serde_json::from_str::<KeyDigest>(&format!("\"{}\"", "x".repeat(64))).unwrap_err();
        assert!(err.to_string().contains("'x'"), "{err}");
        let short = postcard::to_allocvec(&[7u8; 31][..]).unwrap();
        assert!(postcard::from_bytes::<KeyDigest>(&short).is_err());
        assert!(serde_json::from_str::<KeyDigest>("17").is_err());
    }
}

#[cfg(feature = "nalgebra")]
mod nalgebra_matrices {
    use nalgebra::{DMatrix, DVector, Matrix2x3, SMatrix};
    use ndarray::{Array2, array};
    use std::collections::HashMap;
    use tensor_key::{FrozenKey, Key};

    #[test]
    fn matrices_have_the_digest_of_the_ndarray_tensor() {
        let nd = array![[1.0f32, 2.0, 3.0], [4.0, f32::NAN, -0.0]];
        let s = Matrix2x3::new(1.0f32, 2.0, 3.0, 4.0, f32::NAN, -0.0);
        let d = DMatrix::from_row_slice(2, 3, &[1.0f32, 2.0, 3.0, 4.0, f32::NAN, 0.0]);
        assert_eq!(s.digest(), nd.digest());
        assert_eq!(d.digest(), nd.digest());
        assert_eq!(s.encoding(), nd.encoding());
        assert!(s.key_eq(&Matrix2x3::new(1.0, 2.0, 3.0, 4.0, -f32::NAN, 0.0)));
        assert!(!s.key_eq(&Matrix2x3::new(1.0, 2.0, 3.0, 4.0, 5.0, 0.0)));
    }

    #[test]
    fn views_vectors_and_transposes() {
        let big = DMatrix::from_fn(40, 50, |i, j| (i * 50 + j) as f64);
        let view = big.view((3, 4), (20, 30));
        let nd = Array2::from_shape_fn((20, 30), |(i, j)| ((i + 3) * 50 + j + 4) as f64);
        assert_eq!(view.digest(), nd.digest());
        assert!(view.key_eq(&big.view((3, 4), (20, 30))));
        let transposed = Array2::from_shape_fn((50, 40), |(i, j)| (j * 50 + i) as f64);
        assert_eq!(big.transpose().digest(), transposed.digest());
        let v = DVector::from_vec(vec![1u8, 2, 3]);
        assert_eq!(v.digest(), array![[1u8], [2], [3]].digest());
        let small = SMatrix::<u16, 4, 4>::from_fn(|i, j| (i * 4 + j) as u16);
        assert_eq!(
            small.digest(),
            Array2::from_shape_fn((4, 4), |(i, j)| (i * 4 + j) as u16).digest()
        );
    }

    /// SPEC.md 4.10: a row vector is the 1 x n tensor, a column vector the
    /// n x 1 tensor; neither is the rank-1 tensor.
    #[test]
    fn row_and_column_vectors_are_rank_2() {
        use nalgebra::{RowDVector, RowVector2, Vector2};
        let row = RowVector2::new(1.0f32, 2.0);
        let col = Vector2::new(1.0f32, 2.0);
        assert_eq!(row.encoding(), array![[1.0f32, 2.0]].encoding());
        assert_eq!(col.encoding(), array![[1.0f32], [2.0]].encoding());
        assert_eq!(
            RowDVector::from_vec(vec![1.0f32, 2.0]).digest(),
            row.digest()
        );
        assert_ne!(row.digest(), col.digest());
        assert_ne!(row.digest(), array![1.0f32, 2.0].digest());
        assert_ne!(col.digest(), array![1.0f32, 2.0].digest());
    }

    #[test]
    fn matrices_as_map_keys() {
        let mut map = HashMap::new();
        map.insert(Key::new(DMatrix::from_element(3, 3, 0.0f32)), "zeros");
        assert_eq!(
            map[&Key::new(DMatrix::from_element(3, 3, -0.0f32))],
            "zeros"
        );
    }

    use proptest::prelude::*;

    /// A matrix (or stepped view) and the ndarray tensor with the same values
    /// must agree on encoding, digest and equality, for every shape (empty
    /// ones too) and for scalar and composite elements alike.
    fn agrees_with_ndarray<T>(
        rows: usize,
        cols: usize,
        offset: (usize, usize),
        step: (usize, usize),
        f: impl Fn(usize, usize) -> T,
    ) where
        T: FrozenKey + Clone + std::fmt::Debug + PartialEq + nalgebra::Scalar,
    {
        let owned = DMatrix::from_fn(rows, cols, &f);
        let nd = Array2::from_shape_fn((rows, cols), |(i, j)| f(i, j));
        assert_eq!(owned.encoding(), nd.encoding());
        assert_eq!(Key::new(owned.clone()).digest(), nd.digest());
        assert!(owned.key_eq(&owned.clone()));
        assert_eq!(owned.transpose().encoding(), nd.t().encoding());
        // A stepped view into a larger matrix holding the same values.
        let (r0, c0) = offset;
        let (rs, cs) = step;
        let big = DMatrix::from_fn(
            r0 + rows * (rs + 1) + 1,
            c0 + cols * (cs + 1) + 1,
            |i, j| {
                let (i, j) = (i.wrapping_sub(r0), j.wrapping_sub(c0));
                if i % (rs + 1) == 0
                    && j % (cs + 1) == 0
                    && i / (rs + 1) < rows
                    && j / (cs + 1) < cols
                {
                    f(i / (rs + 1), j / (cs + 1))
                } else {
                    f(rows + 1, cols + 1)
                }
            },
        );
        let view = big.view_with_steps((r0, c0), (rows, cols), (rs, cs));
        assert_eq!(view.encoding(), nd.encoding());
        assert_eq!(view.digest(), nd.digest());
        assert!(view.key_eq(&big.view_with_steps((r0, c0), (rows, cols), (rs, cs))));
        assert_eq!(Key::new(view).digest(), nd.digest());
        let column = DMatrix::from_fn(rows, 1, |i, _| f(i, 0));
        assert_eq!(
            column.encoding(),
            Array2::from_shape_fn((rows, 1), |(i, _)| f(i, 0)).encoding()
        );
        let row = DMatrix::from_fn(1, cols, |_, j| f(0, j));
        assert_eq!(
            row.encoding(),
            Array2::from_shape_fn((1, cols), |(_, j)| f(0, j)).encoding()
        );
    }

    proptest! {
        #[test]
        fn every_matrix_shape_encodes_like_ndarray(
            rows in 0usize..6,
            cols in 0usize..6,
            offset in (0usize..3, 0usize..3),
            step in (0usize..3, 0usize..3),
        ) {
            agrees_with_ndarray(rows, cols, offset, step, |i, j| (i * 10 + j) as f32 - 3.0);
            agrees_with_ndarray(rows, cols, offset, step, |i, j| format!("{i}:{j}"));
            agrees_with_ndarray(rows, cols, offset, step, |i, j| ((i + j) % 3 != 0).then_some((i * j) as u8));
        }
    }

    /// The reported case: empty matrices of composite elements encoded out of
    /// range.
    #[test]
    fn empty_matrices_of_composite_elements() {
        let m = DMatrix::<String>::from_vec(2, 0, vec![]);
        assert_eq!(
            m.encoding(),
            Array2::<String>::from_shape_vec((2, 0), vec![])
                .unwrap()
                .encoding()
        );
        assert_eq!(
            Key::new(DMatrix::<Option<u8>>::from_vec(3, 0, vec![])).digest(),
            Array2::<Option<u8>>::from_shape_vec((3, 0), vec![])
                .unwrap()
                .digest()
        );
    }
}
