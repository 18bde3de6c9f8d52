//! The READMEs agree: the crate README (`tensor-key/README.md`, shown on
//! crates.io and doctested from the published package) has exactly the Rust
//! code blocks of the top-level README, the derive crate's README shows one of
//! them, and all three state the MSRV of `Cargo.toml`.

use std::fs;

fn read(path: &str) -> String {
    fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The contents of the ```rust code blocks, in order.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```rust") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed code block");
    blocks
}

#[test]
fn the_crate_readme_has_the_code_of_the_top_level_readme() {
    let top = rust_blocks(&read("README.md"));
    let krate = rust_blocks(&read("tensor-key/README.md"));
    assert!(!top.is_empty());
    assert_eq!(top, krate, "README.md and tensor-key/README.md disagree");
    let derive = rust_blocks(&read("tensor-key-derive/README.md"));
    assert!(!derive.is_empty());
    for block in &derive {
        assert!(
            krate.contains(block),
            "not in tensor-key/README.md:\n{block}"
        );
    }
}

#[test]
fn the_readmes_state_the_msrv_of_cargo_toml() {
    let manifest = read("Cargo.toml");
    let msrv = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("rust-version in [workspace.package]");
    for readme in [
        "README.md",
        "tensor-key/README.md",
        "tensor-key-derive/README.md",
    ] {
        let text = read(readme);
        assert!(
            text.contains(&format!("Rust version is {msrv}"))
                || text.contains(&format!("Rust {msrv} (the `rust-version`")),
            "{readme} does not state the MSRV {msrv}"
        );
    }
}
