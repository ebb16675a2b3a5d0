"""Where things live in the workspace (``DATA_DIR``): one helper, so no stage builds paths itself.

    DATA_DIR/
      raw/<sha256[:2]>/<sha256>          every payload read or fetched, content-addressed
      payloads.parquet                   what each raw payload is: source, location, URL, HTTP status,
                                         headers, fetched_at, and what became of it
      dedup_index.parquet                text hash, canonical URL and MinHash signature per document
      texts/<doc_id>.txt                 cleaned document texts, which all offsets index
      staging/<table>/<batch>.parquet    normalised rows per run batch
      evaluation/<key>.json              accuracy-card figures per gold set and extractor version
      ledger.parquet                     documents already processed, by doc_id
      releases/<version>/                published, immutable releases
      releases/latest                    text file naming the newest good release
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def texts_dir(self) -> Path:
        return self.root / "texts"

    @property
    def staging_dir(self) -> Path:
        return self.root / "staging"

    @property
    def releases_dir(self) -> Path:
        return self.root / "releases"

    @property
    def latest_file(self) -> Path:
        return self.releases_dir / "latest"

    @property
    def evaluation_cache_dir(self) -> Path:
        return self.root / "evaluation"

    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.parquet"

    @property
    def payload_index_path(self) -> Path:
        return self.root / "payloads.parquet"

    @property
    def dedup_index_path(self) -> Path:
        return self.root / "dedup_index.parquet"

    def raw_path(self, sha256: str) -> Path:
        return self.raw_dir / sha256[:2] / sha256

    def text_path(self, doc_id: str) -> Path:
        return self.texts_dir / f"{doc_id}.txt"

    def staging_path(self, table: str, batch_id: str) -> Path:
        return self.staging_dir / table / f"{batch_id}.parquet"

    def release_dir(self, version: str) -> Path:
        return self.releases_dir / version

    def latest_version(self) -> str | None:
        """The version ``latest`` names, or None before the first release."""
        if not self.latest_file.exists():
            return None
        return self.latest_file.read_text(encoding="utf-8").strip() or None

    def ensure(self) -> "Workspace":
        for d in (self.raw_dir, self.texts_dir, self.staging_dir, self.releases_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self
