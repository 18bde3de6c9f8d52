use tensor_key::FrozenKey;

#[derive(FrozenKey)]
enum Node {
    Leaf(u8),
    Shared { children: std::rc::Rc<std::cell::RefCell<Vec<u8>>> },
}

fn main() {}
