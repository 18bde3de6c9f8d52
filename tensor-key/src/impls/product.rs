//! `Option` and tuples.

use crate::FrozenKey;
use crate::encoder::Encoder;
use crate::format::tag;
use crate::policy::FloatPolicy;

impl<T: FrozenKey> FrozenKey for Option<T> {
    fn encode(&self, enc: &mut Encoder<'_>) {
        match self {
            None => enc.put_tag(tag::NONE),
            Some(x) => {
                enc.put_tag(tag::SOME);
                x.encode(enc);
            }
        }
    }
    fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
        match (self, other) {
            (None, None) => true,
            (Some(a), Some(b)) => a.key_eq_with(b, floats),
            _ => false,
        }
    }
}

macro_rules! tuple_key {
    ($(($($t:ident $i:tt),+);)*) => {$(
        impl<$($t: FrozenKey),+> FrozenKey for ($($t,)+) {
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.put_tag(tag::TUPLE);
                enc.put_len([$($i),+].len());
                $(self.$i.encode(enc);)+
            }
            fn key_eq_with(&self, other: &Self, floats: FloatPolicy) -> bool {
                $(self.$i.key_eq_with(&other.$i, floats))&&+
            }
        }
    )*};
}

tuple_key! {
    (A 0);
    (A 0, B 1);
    (A 0, B 1, C 2);
    (A 0, B 1, C 2, D 3);
    (A 0, B 1, C 2, D 3, E 4);
    (A 0, B 1, C 2, D 3, E 4, F 5);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
}
