"""The Rust crate's golden vectors (tests/vectors/digests.json): every one,
rebuilt in tensor_key's value model, has the Rust encoding and digest."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import VECTORS, ref, to_tk

import tensor_key as tk

import check_vectors  # noqa: E402  (python/ is on sys.path via conftest)

GOLDEN = json.loads(VECTORS.read_text(encoding="utf-8"))


def test_every_vector_has_a_value():
    names = {v["name"] for v in GOLDEN}
    assert len(GOLDEN) >= 100
    assert names <= set(check_vectors.VALUES), sorted(names - set(check_vectors.VALUES))


@pytest.mark.parametrize("vector", GOLDEN, ids=[v["name"] for v in GOLDEN])
def test_golden_vector(vector):
    value = to_tk(check_vectors.VALUES[vector["name"]]())
    assert tk.encoding(value).hex() == vector["encoding"]
    assert tk.digest(value) == vector["digest"]
    assert tk.digest_bytes(value).hex() == vector["digest"]
    key = tk.Key(value)
    assert key.encoding.hex() == vector["encoding"]
    assert key.digest() == vector["digest"]


def test_digest_is_sha256_of_the_spec_prefix_and_encoding():
    prefix = b"tensor-key\x00" + bytes([tk.FORMAT_VERSION])
    assert tk.FORMAT_VERSION == ref.FORMAT_VERSION == 2
    for v in GOLDEN[:20]:
        assert hashlib.sha256(prefix + bytes.fromhex(v["encoding"])).hexdigest() == v["digest"]
