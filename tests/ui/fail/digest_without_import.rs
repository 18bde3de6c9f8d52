// `digest()` is a method of the `FrozenKey` trait: without the trait in scope,
// rustc says so and suggests the import.
mod keys {
    #[derive(tensor_key::FrozenKey)]
    pub struct Key {
        pub id: u32,
    }
}

fn main() {
    let key = keys::Key { id: 1 };
    println!("{}", key.digest());
}
