"""Stable, content-derived identifiers: the same input always gives the same IDs."""

from __future__ import annotations

import hashlib


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stable_id(prefix: str, *parts: object) -> str:
    """``<prefix>_`` and 16 hex digits of a hash over the parts, joined unambiguously."""
    key = "\x1f".join(str(p) for p in parts)
    return f"{prefix}_{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def doc_id_for(text_sha256: str) -> str:
    return f"doc_{text_sha256[:16]}"
