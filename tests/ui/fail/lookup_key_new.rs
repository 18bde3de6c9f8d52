// The tempting call: a `Key` of borrowed data. `HashMap::get` needs a type the
// stored key borrows as, and `Key<(Array2<f32>, String)>` only borrows as
// `dyn Lookup<(Array2<f32>, String)>`, which rustc points out: use `Key::lookup`.
use ndarray::{Array2, array};
use std::collections::HashMap;
use tensor_key::Key;

fn main() {
    let x = array![[1.0f32, 2.0], [3.0, 4.0]];
    let mut memo: HashMap<Key<(Array2<f32>, String)>, f32> = HashMap::new();
    memo.insert(Key::new((x.clone(), "sum".to_owned())), 10.0);
    let _ = memo.get(&Key::new((x.view(), "sum")));
}
