"""Where releases are published: a folder on this machine or any fsspec URL (``s3://…``, ``file://…``).

One small wrapper, so that publishing, the catalog and reading a previous release use the same
code whatever the target. A release is visible once its ``manifest.json`` exists: on a local
disk the whole folder appears in one rename; on object stores (no rename) the manifest is
uploaded last, so a folder without one is an unfinished upload and is never listed.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

MANIFEST_FILE = "manifest.json"
LATEST_FILE = "latest"
CATALOG_FILE = "catalog.json"
INDEX_FILE = "index.html"

VERSION_PATTERN = re.compile(r"^[0-9]{4}\.[0-9]{2}\.[0-9]{2}(?:\.[1-9][0-9]*)?$")
"""``YYYY.MM.DD`` or ``YYYY.MM.DD.N``; also keeps user-given versions from escaping ``releases/``."""


def is_release_version(name: str) -> bool:
    return VERSION_PATTERN.fullmatch(name) is not None


def version_sort_key(version: str) -> tuple[int, ...]:
    """Order versions by date then same-day number (``2024.05.01`` < ``2024.05.01.1``)."""
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class ReleaseStore:
    """The releases folder of one publishing target: versions, manifests, ``latest``, catalog."""

    fs: fsspec.AbstractFileSystem
    root: str
    url: str = field(default="")

    @classmethod
    def open(cls, location: str | Path, storage_options: Mapping[str, Any] | None = None) -> "ReleaseStore":
        """A store for a local folder or an fsspec URL; storage options go to the filesystem."""
        text = str(location)
        fs, root = fsspec.core.url_to_fs(text, **dict(storage_options or {}))
        return cls(fs=fs, root=root.rstrip("/") or "/", url=text.rstrip("/"))

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    @property
    def local_root(self) -> Path:
        if not self.is_local:
            raise ValueError(f"{self.url} is not a local folder")
        return Path(self.root)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def refresh(self) -> None:
        """Forget cached listings (object-store filesystems cache them)."""
        self.fs.invalidate_cache()

    def versions(self) -> list[str]:
        """Every complete release (one with a manifest), oldest first."""
        self.refresh()
        if not self.fs.exists(self.root):
            return []
        names = {entry.rstrip("/").rsplit("/", 1)[-1] for entry in self.fs.ls(self.root, detail=False)}
        versions = [n for n in names if is_release_version(n) and self.exists(n, MANIFEST_FILE)]
        return sorted(versions, key=version_sort_key)

    def has_release(self, version: str) -> bool:
        """True when anything is at ``<version>``; a local folder counts even without a manifest."""
        self.refresh()
        if self.is_local:
            return self.exists(version)
        return self.exists(version, MANIFEST_FILE)

    def previous_version(self, version: str) -> str | None:
        """The newest release older than ``version``, the one a new release is compared with."""
        older = [v for v in self.versions() if version_sort_key(v) < version_sort_key(version)]
        return older[-1] if older else None

    def latest_version(self) -> str | None:
        if not self.exists(LATEST_FILE):
            return None
        return self.read_text(LATEST_FILE).strip() or None

    def read_bytes(self, *parts: str) -> bytes:
        return self.fs.cat_file(self.path(*parts))

    def read_text(self, *parts: str) -> str:
        return self.read_bytes(*parts).decode("utf-8")

    def manifest(self, version: str) -> dict[str, Any]:
        return json.loads(self.read_text(version, MANIFEST_FILE))

    def read_table(self, version: str, table: str) -> pa.Table | None:
        """A table of a published release from its Parquet file(s), or None if it has none."""
        files = table_files(self.manifest(version), table)
        if not files:
            return None
        parts = []
        for relative in files:
            with self.fs.open(self.path(version, relative), "rb") as handle:
                parts.append(pq.read_table(handle))
        return pa.concat_tables(parts, promote_options="default") if len(parts) > 1 else parts[0]

    def write_atomic(self, name: str, data: bytes) -> None:
        """Replace a small top-level file so readers see the old or the new content, never half.

        Local: write a temporary file, fsync, rename. Object stores: one PUT, atomic per object.
        """
        if not self.is_local:
            self.fs.pipe_file(self.path(name), data)
            return
        root = self.local_root
        root.mkdir(parents=True, exist_ok=True)
        temporary = root / f".{name}-{uuid.uuid4().hex}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, root / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        descriptor = os.open(root, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def table_files(manifest: Mapping[str, Any], table: str) -> list[str]:
    """The Parquet files of one table listed in a manifest (``<t>.parquet`` or ``<t>/…/*.parquet``)."""
    return [
        entry["path"]
        for entry in manifest.get("files", [])
        if entry["path"] == f"{table}.parquet"
        or (entry["path"].startswith(f"{table}/") and entry["path"].endswith(".parquet"))
    ]
