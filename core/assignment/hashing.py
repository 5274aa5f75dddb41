"""Keyed, non-additive hashes for ties that the published rule leaves open.

splitmix64 mixes its input so that sums of hashes do not cancel around exchange cycles (a
linear hash such as a*id + b*theme mod p does, and then the result depends on input order).
"""

from __future__ import annotations

import hashlib

MASK64 = (1 << 64) - 1


def splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def participant_key(seed: int, participant_id: str) -> int:
    """A 64-bit lottery number for a participant under `seed`."""
    digest = hashlib.blake2b(participant_id.encode("utf-8"), digest_size=8).digest()
    return splitmix64(int.from_bytes(digest, "big") ^ splitmix64(seed & MASK64))


def pair_hash(key: int, theme_id: int, bits: int) -> int:
    """A `bits`-bit hash of (participant key, theme)."""
    return splitmix64(key ^ splitmix64(theme_id & MASK64)) >> (64 - bits)
