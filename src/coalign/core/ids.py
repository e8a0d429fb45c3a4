"""Deterministic identifiers: the same inputs always give the same id (DESIGN principle 5)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Serialise ``value`` to JSON with sorted keys and no whitespace, so equal data hashes equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(value: Any, length: int = 64) -> str:
    """SHA-256 hex digest of the canonical JSON of ``value``, cut to ``length`` characters."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:length]


def stable_id(prefix: str, *parts: Any) -> str:
    """An id such as ``rec_3f2a…`` derived only from ``parts``.

    Args:
        prefix: a short kind marker (``rec``, ``sq``, ``run`` …) that makes ids readable.
        parts: the inputs that define the object; equal parts give equal ids.
    """
    return f"{prefix}_{content_hash(list(parts), 20)}"


def derive_seed(run_seed: int, *parts: object) -> int:
    """A 31-bit seed that depends only on the run seed and ``parts``."""
    return int(content_hash([run_seed, *parts], 8), 16) & 0x7FFFFFFF
