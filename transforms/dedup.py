"""Duplicate detection: exact (normalised text, canonical URL) and near-duplicate (MinHash LSH).

Pure: the index is built from signatures handed in (the flow keeps them in the workspace, so
duplicates are found across sources and across nights) and answers for one document at a time.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine64"  # datasketch permutation scheme; stored signatures are uint64 values of it
SHINGLE_WORDS = 5
TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|ocid|smid|at_medium|at_campaign)$",
                             re.IGNORECASE)


def normalised_text(text: str) -> str:
    """Case, accents' composition, punctuation and spacing folded away: what "the same text" means."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.findall(r"\w+", folded))


def normalised_text_hash(text: str) -> str:
    return hashlib.sha256(normalised_text(text).encode("utf-8")).hexdigest()


def canonical_url(url: str | None) -> str | None:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMS.match(k)))
    path = re.sub(r"/+$", "", parts.path) or "/"
    return urlunsplit(("https", netloc, path, query, ""))


def signature(text: str) -> np.ndarray:
    """MinHash signature of the text's word 5-shingles (uint64, NUM_PERM values)."""
    words = normalised_text(text).split()
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return minhash.hashvalues.astype(np.uint64)


@dataclass(frozen=True)
class KnownDocument:
    doc_id: str
    text_hash: str
    url: str | None  # canonical
    signature: np.ndarray


@dataclass(frozen=True)
class DuplicateMatch:
    duplicate_of: str
    method: str  # exact_text, canonical_url or near_duplicate
    similarity: float


class DuplicateIndex:
    """Documents seen so far, queried before a new one is accepted."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        # A threshold of 1 asks for exact duplicates only: no LSH index then.
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM) if threshold < 1 else None
        self.by_text: dict[str, str] = {}
        self.by_url: dict[str, str] = {}
        self.signatures: dict[str, np.ndarray] = {}

    def add(self, known: KnownDocument) -> None:
        if known.doc_id in self.signatures:
            return
        self.by_text.setdefault(known.text_hash, known.doc_id)
        if known.url:
            self.by_url.setdefault(known.url, known.doc_id)
        self.signatures[known.doc_id] = known.signature
        if self.lsh is not None:
            self.lsh.insert(known.doc_id, MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=known.signature))

    def match(self, doc_id: str, text_hash: str, url: str | None, sig: np.ndarray) -> DuplicateMatch | None:
        """The earlier document this one duplicates, if any (never itself)."""
        original = self.by_text.get(text_hash)
        if original and original != doc_id:
            return DuplicateMatch(original, "exact_text", 1.0)
        original = self.by_url.get(url) if url else None
        if original and original != doc_id:
            return DuplicateMatch(original, "canonical_url", _jaccard(sig, self.signatures[original]))
        if self.lsh is None:
            return None
        query = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=sig)
        best = max(((_jaccard(sig, self.signatures[c]), c) for c in self.lsh.query(query) if c != doc_id),
                   default=None)
        if best and best[0] >= self.threshold:
            return DuplicateMatch(best[1], "near_duplicate", round(best[0], 4))
        return None


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))
