// `Option<&mut Array2<f32>>` reaching the derive through a generic parameter.
use ndarray::Array2;
use tensor_key::FrozenKey;

#[derive(FrozenKey)]
struct Tagged<T> {
    value: T,
}

fn digest_of<K: FrozenKey>(key: &K) -> tensor_key::KeyDigest {
    key.digest()
}

fn main() {
    let mut grad = Array2::<f32>::zeros((2, 2));
    let tagged = Tagged { value: Some(&mut grad) };
    let _ = digest_of(&tagged);
}
