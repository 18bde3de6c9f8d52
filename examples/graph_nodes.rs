//! GNN message caching: a graph's node features keyed by a derived struct.
//!
//! In message passing, the message a node sends at a layer depends only on its
//! feature vector and the layer's weights. Graphs from real data repeat feature
//! vectors a lot (one-hot atom types in molecules, padding nodes, isolated nodes),
//! so the messages are memoized in a `HashMap` keyed by
//! `#[derive(FrozenKey)] struct MessageKey { features, layer }`. The node's id is
//! `#[frozen_key(skip)]`: it names the node but does not change the message.
//!
//! Run with `cargo run --release --example graph_nodes`.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use tensor_key::FrozenKey;

/// What a message depends on: the sender's features and the layer.
#[derive(FrozenKey, Debug)]
struct MessageKey<'a> {
    features: ArrayView1<'a, f32>,
    layer: u8,
    #[frozen_key(skip)]
    node: usize,
}

/// A deterministic "expensive" message function: a small dense layer.
fn message(features: ArrayView1<'_, f32>, weights: &Array2<f32>) -> Array1<f32> {
    weights.dot(&features).mapv(|x| x.max(0.0))
}

fn main() {
    let (nodes, dim, layers) = (600, 16, 3u8);
    // 600 nodes drawn from 25 distinct feature vectors, as in a molecule data set
    // where many atoms share a type.
    let mut state = 0x9E37_79B9u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let kinds = 25;
    let prototypes =
        Array2::from_shape_fn((kinds, dim), |(k, d)| k as f32 * 0.5 - ((d * 7) % 5) as f32);
    let chosen: Vec<usize> = (0..nodes).map(|_| next() as usize % kinds).collect();
    let features = Array2::from_shape_fn((nodes, dim), |(n, d)| prototypes[[chosen[n], d]]);
    let distinct = {
        let mut k = chosen.clone();
        k.sort_unstable();
        k.dedup();
        k.len()
    };
    // Every layer has its own weights.
    let weights: Vec<Array2<f32>> = (0..layers)
        .map(|l| {
            Array2::from_shape_fn((dim, dim), |(i, j)| {
                ((i + 2 * j + l as usize) % 5) as f32 * 0.1 - 0.2
            })
        })
        .collect();

    let mut cache: HashMap<MessageKey<'_>, Array1<f32>> = HashMap::new();
    let (mut hits, mut misses) = (0usize, 0usize);
    for layer in 0..layers {
        for (node, row) in features.axis_iter(Axis(0)).enumerate() {
            let key = MessageKey {
                features: row,
                layer,
                node,
            };
            match cache.entry(key) {
                Entry::Occupied(_) => hits += 1,
                Entry::Vacant(slot) => {
                    misses += 1;
                    slot.insert(message(row, &weights[layer as usize]));
                }
            }
        }
    }
    println!(
        "{nodes} nodes x {layers} layers: {misses} messages computed, {hits} served from the cache"
    );
    assert_eq!(
        misses,
        distinct * layers as usize,
        "one message per distinct feature vector and layer"
    );
    assert_eq!(hits + misses, nodes * layers as usize);

    // The cached message is the one the node would compute.
    let probe = MessageKey {
        features: features.row(123),
        layer: 2,
        node: 123,
    };
    assert_eq!(cache[&probe], message(features.row(123), &weights[2]));

    // A node id does not change the key; a layer does.
    let other = MessageKey {
        node: 9999,
        ..probe
    };
    println!(
        "digest of node {}'s key at layer 2: {}",
        probe.node,
        other.digest()
    );
    assert_eq!(
        other.digest(),
        MessageKey {
            features: features.row(123),
            layer: 2,
            node: 0
        }
        .digest()
    );
    assert_ne!(
        other.digest(),
        MessageKey {
            features: features.row(123),
            layer: 1,
            node: 0
        }
        .digest()
    );
}
