"""Keyed, non-additive hashes for ties that the published rule leaves open.

splitmix64 mixes its input so that sums of hashes do not cancel around exchange cycles (a
linear hash such as a*id + b*theme mod p does, and then the result depends on input order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

MASK64 = (1 << 64) - 1


def splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _splitmix_array(z: np.ndarray) -> np.ndarray:
    """splitmix64 on an array of uint64 (numpy's uint64 arithmetic wraps modulo 2**64)."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = z ^ (z >> np.uint64(31))
    return mixed


def pair_hashes(keys: np.ndarray, themes: np.ndarray, bits: int) -> np.ndarray:
    """A `bits`-bit hash of each (participant key, theme index) pair, as int64:
    splitmix64(key ^ splitmix64(theme)) >> (64 - bits)."""
    mixed = _splitmix_array(keys.astype(np.uint64) ^ _splitmix_array(themes.astype(np.uint64)))
    return (mixed >> np.uint64(64 - bits)).astype(np.int64)


def lottery_numbers(seed: int, participant_ids: Iterable[str]) -> list[int]:
    """A 64-bit lottery number per participant under `seed`: splitmix64 of (blake2b of the
    id) xor splitmix64(seed)."""
    blake2b = hashlib.blake2b
    digests = b"".join(blake2b(p.encode("utf-8"), digest_size=8).digest() for p in participant_ids)
    ids = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    numbers: list[int] = _splitmix_array(ids ^ np.uint64(splitmix64(seed & MASK64))).tolist()
    return numbers
