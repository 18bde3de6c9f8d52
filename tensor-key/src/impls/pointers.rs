//! Transparent wrappers: references, boxes, shared pointers, `Cow`. Each encodes
//! exactly like the value it points to, also as a sequence or tensor element.

use crate::FrozenKey;
use crate::frozen_key::delegate_frozen_key;
use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

delegate_frozen_key! {
    ['a, T: FrozenKey + ?Sized] &'a T => T;
    [T: FrozenKey + ?Sized] Box<T> => T;
    [T: FrozenKey + ?Sized] Rc<T> => T;
    [T: FrozenKey + ?Sized] Arc<T> => T;
    ['a, B: FrozenKey + ToOwned + ?Sized] Cow<'a, B> => B;
}
