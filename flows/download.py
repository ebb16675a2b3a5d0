"""Download a published release and prove it intact: every file checked against its manifest.

``newsevents download [VERSION|latest] --from URL --to DIR`` reads ``manifest.json`` (and, when
the catalog lists the release, checks the manifest against the catalog's checksum), refuses any
file name that would land outside ``DIR`` before fetching anything, downloads each file to
``<name>.part`` (resuming with an HTTP Range request, or a seek on fsspec filesystems, when an
earlier download was interrupted), checks its size and SHA-256, and only then renames it into
place. ``manifest.json`` is written last, so a folder with a manifest is a complete, verified copy.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import fsspec

from flows.store import CATALOG_FILE, LATEST_FILE, MANIFEST_FILE, is_release_version

CHUNK = 1 << 20
TIMEOUT_SECONDS = 60
PART_SUFFIX = ".part"


class DownloadError(RuntimeError):
    """A release could not be downloaded or did not verify; the message says which file and why."""


class UnsafePathError(DownloadError):
    """A manifest names a file outside the destination folder (``..``, absolute path, ...)."""


class ChecksumMismatchError(DownloadError):
    """A downloaded file's size or SHA-256 differs from the manifest."""


@dataclass(frozen=True)
class DownloadResult:
    version: str
    folder: Path
    files: int
    bytes: int
    resumed: list[str]
    skipped: list[str]


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


class Source:
    """Reads files of a releases folder over HTTP(S) (stdlib, with Range) or any fsspec URL."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.url = url.rstrip("/")
        self.http = _is_http(self.url)
        if not self.http:
            self.fs, self.root = fsspec.core.url_to_fs(self.url, **dict(storage_options or {}))
            self.root = self.root.rstrip("/")

    def location(self, relative: str) -> str:
        return f"{self.url}/{relative}" if self.http else f"{self.root}/{relative}"

    def read(self, relative: str) -> bytes:
        location = self.location(relative)
        try:
            if self.http:
                with urllib.request.urlopen(location, timeout=TIMEOUT_SECONDS) as response:
                    return response.read()
            return self.fs.cat_file(location)
        except (urllib.error.URLError, OSError) as error:
            raise DownloadError(f"could not read {location}: {error}") from error

    def exists(self, relative: str) -> bool:
        try:
            self.read(relative)
            return True
        except DownloadError:
            return False

    def copy_to(self, relative: str, handle: BinaryIO, offset: int) -> bool:
        """Append the file's bytes from ``offset`` to ``handle``; False if the source restarted at 0."""
        location = self.location(relative)
        if self.http:
            request = urllib.request.Request(location)
            if offset:
                request.add_header("Range", f"bytes={offset}-")
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                resumed = offset > 0 and response.status == 206
                if offset and not resumed:  # the server ignored the Range: start again
                    handle.seek(0)
                    handle.truncate()
                _pump(response.read, handle)
                return resumed or offset == 0
        with self.fs.open(location, "rb") as remote:
            remote.seek(offset)
            _pump(remote.read, handle)
        return True


def _pump(read: Callable[[int], bytes], handle: BinaryIO) -> None:
    while True:
        block = read(CHUNK)
        if not block:
            return
        handle.write(block)


def safe_destination(folder: Path, relative: str) -> Path:
    """Where a manifest file goes inside ``folder``; refuses names that would escape it."""
    if not relative or "\\" in relative or "\x00" in relative:
        raise UnsafePathError(f"refusing file name {relative!r}: empty, backslash or NUL")
    path = PurePosixPath(relative)
    if path.is_absolute() or any(part in ("", ".", "..") for part in relative.split("/")) or ":" in path.parts[0]:
        raise UnsafePathError(f"refusing file name {relative!r}: it would be written outside {folder}")
    target = (folder / Path(*path.parts)).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise UnsafePathError(f"refusing file name {relative!r}: it resolves outside {folder}")
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_version(source: Source, release: str) -> str:
    version = source.read(LATEST_FILE).decode("utf-8").strip() if release == "latest" else release
    if not is_release_version(version):
        raise DownloadError(f"{version!r} is not a release version (YYYY.MM.DD or YYYY.MM.DD.N)")
    return version


def _check_manifest_against_catalog(source: Source, version: str, manifest_bytes: bytes) -> None:
    """If the catalog lists the release, its manifest must be the one the catalog recorded."""
    try:
        catalog = json.loads(source.read(CATALOG_FILE))
    except (DownloadError, json.JSONDecodeError):
        return
    for entry in catalog.get("releases", []):
        if entry.get("version") == version:
            actual = hashlib.sha256(manifest_bytes).hexdigest()
            if entry.get("manifest_sha256") != actual:
                raise ChecksumMismatchError(
                    f"manifest.json of {version} has SHA-256 {actual}, the catalog says {entry.get('manifest_sha256')}"
                )


def _fetch_file(source: Source, version: str, entry: Mapping[str, Any], target: Path) -> str:
    """Fetch one file to ``target`` via ``target.part``; return 'skipped', 'resumed' or 'fetched'."""
    expected_sha, expected_bytes = entry["sha256"], int(entry["bytes"])
    if target.is_file() and target.stat().st_size == expected_bytes and file_sha256(target) == expected_sha:
        return "skipped"
    part = target.with_name(target.name + PART_SUFFIX)
    target.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.is_file() else 0
    if offset > expected_bytes:
        part.unlink()
        offset = 0
    relative = f"{version}/{entry['path']}"
    outcome = "resumed" if offset else "fetched"
    for attempt in (1, 2):
        try:
            with open(part, "ab" if offset else "wb") as handle:
                if offset < expected_bytes:
                    if not source.copy_to(relative, handle, offset):
                        outcome = "fetched"
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            raise DownloadError(
                f"download of {relative} was interrupted ({error}); run the same command again to resume"
            ) from error
        size = part.stat().st_size
        if size < expected_bytes and attempt == 1 and not (offset and size == offset):
            raise DownloadError(
                f"download of {relative} was interrupted after {size} of {expected_bytes} bytes; "
                "run the same command again to resume"
            )
        digest = file_sha256(part)
        if size == expected_bytes and digest == expected_sha:
            os.replace(part, target)
            return outcome
        part.unlink()
        if attempt == 1 and offset:  # a stale or foreign partial file: try once from the start
            offset, outcome = 0, "fetched"
            continue
        raise ChecksumMismatchError(
            f"{relative} is corrupted: got {size} bytes with SHA-256 {digest}, the manifest says "
            f"{expected_bytes} bytes with SHA-256 {expected_sha}"
        )
    raise AssertionError("unreachable")


def download_release(
    release: str,
    source_url: str,
    destination: Path,
    storage_options: Mapping[str, Any] | None = None,
) -> DownloadResult:
    """Download ``release`` (a version or ``latest``) from a releases folder URL into ``destination/<version>/``."""
    source = Source(source_url, storage_options)
    version = resolve_version(source, release)
    manifest_bytes = source.read(f"{version}/{MANIFEST_FILE}")
    try:
        manifest = json.loads(manifest_bytes)
    except json.JSONDecodeError as error:
        raise DownloadError(f"manifest.json of {version} is not JSON: {error}") from error
    if manifest.get("version") != version:
        raise DownloadError(f"manifest.json at {version}/ describes version {manifest.get('version')!r}")
    _check_manifest_against_catalog(source, version, manifest_bytes)
    folder = Path(destination) / version
    entries = manifest.get("files", [])
    targets = [(entry, safe_destination(folder, str(entry["path"]))) for entry in entries]  # all checked first
    if any(entry["path"] == MANIFEST_FILE for entry, _ in targets):
        raise UnsafePathError("the manifest lists manifest.json itself")
    folder.mkdir(parents=True, exist_ok=True)
    resumed, skipped, total = [], [], 0
    for entry, target in targets:
        outcome = _fetch_file(source, version, entry, target)
        total += int(entry["bytes"])
        if outcome == "resumed":
            resumed.append(entry["path"])
        elif outcome == "skipped":
            skipped.append(entry["path"])
    manifest_path = folder / MANIFEST_FILE
    temporary = folder / (MANIFEST_FILE + PART_SUFFIX)
    temporary.write_bytes(manifest_bytes)
    os.replace(temporary, manifest_path)
    return DownloadResult(version, folder, len(entries), total, resumed, skipped)
