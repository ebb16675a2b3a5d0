"""``newsevents download``: every file verified, corrupted files and escaping names refused, resume."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.download import ChecksumMismatchError, DownloadError, UnsafePathError, download_release
from flows.publish import publish_release
from flows.settings import Settings
from flows.workspace import Workspace
from tests.range_http import serve_directory
from tests.table_samples import sample_tables

VERSION = "2024.04.03"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A releases folder with one release (read-only: tests copy it before changing anything)."""
    workspace = Workspace(tmp_path_factory.mktemp("data")).ensure()
    publish_release(
        workspace, sample_tables(), version=VERSION, created_at=datetime(2024, 4, 3, 12, tzinfo=timezone.utc),
        code_version="test-code", sources=["seeds"], validation={"success": True}, settings=Settings(),
    )
    return workspace.releases_dir


def copy_releases(published: Path, tmp_path: Path) -> Path:
    served = tmp_path / "served"
    shutil.copytree(published, served)
    for path in served.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return served


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_latest_over_http_verifies_every_file(published: Path, tmp_path: Path) -> None:
    with serve_directory(published) as (url, log):
        result = download_release("latest", url, tmp_path / "copy")
        again = download_release(VERSION, url, tmp_path / "copy")
    manifest = json.loads((published / VERSION / "manifest.json").read_text())
    assert result.version == VERSION and result.files == len(manifest["files"])
    for entry in manifest["files"]:
        assert sha256(tmp_path / "copy" / VERSION / entry["path"]) == entry["sha256"]
    assert (tmp_path / "copy" / VERSION / "manifest.json").read_bytes() == (published / VERSION / "manifest.json").read_bytes()
    assert not list((tmp_path / "copy").rglob("*.part"))
    assert sorted(again.skipped) == sorted(e["path"] for e in manifest["files"])  # nothing fetched twice
    assert all(method in ("GET", "HEAD") for method, _, _ in log.requests)


def test_download_through_fsspec_file_url(published: Path, tmp_path: Path) -> None:
    result = download_release("latest", published.as_uri(), tmp_path / "copy")
    assert result.version == VERSION
    assert sha256(tmp_path / "copy" / VERSION / "newsevents.duckdb") == sha256(published / VERSION / "newsevents.duckdb")


def test_corrupted_file_is_detected_and_not_kept(published: Path, tmp_path: Path) -> None:
    served = copy_releases(published, tmp_path)
    victim = served / VERSION / "events" / "year=2024" / "month=3" / "part-0.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with serve_directory(served) as (url, _):
        with pytest.raises(ChecksumMismatchError, match=r"events/year=2024/month=3/part-0\.parquet is corrupted"):
            download_release(VERSION, url, tmp_path / "copy")
        result = CliRunner().invoke(app, ["download", VERSION, "--from", url, "--to", str(tmp_path / "cli")])
    assert result.exit_code == 2 and "corrupted" in result.output
    folder = tmp_path / "copy" / VERSION
    assert not (folder / "events" / "year=2024" / "month=3" / "part-0.parquet").exists()
    assert not list(folder.rglob("*.part"))
    assert not (folder / "manifest.json").exists()  # an unverified copy never gets a manifest


def test_a_manifest_that_does_not_match_the_catalog_is_refused(published: Path, tmp_path: Path) -> None:
    served = copy_releases(published, tmp_path)
    manifest_path = served / VERSION / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace('"test-code"', '"other-code"'))
    with serve_directory(served) as (url, _):
        with pytest.raises(ChecksumMismatchError, match="catalog"):
            download_release(VERSION, url, tmp_path / "copy")


@pytest.mark.parametrize("name", ["../escaped.txt", "events/../../escaped.txt", "/tmp/escaped.txt", "a\\..\\b", ""])
def test_path_traversal_names_are_refused_before_anything_is_fetched(
    published: Path, tmp_path: Path, name: str
) -> None:
    served = copy_releases(published, tmp_path)
    (served / "catalog.json").unlink()  # a hostile server would not publish a matching catalog
    manifest_path = served / VERSION / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"].append({"path": name, "sha256": "0" * 64, "bytes": 1})
    manifest_path.write_text(json.dumps(manifest))
    destination = tmp_path / "dest" / "inner"
    with serve_directory(served) as (url, log):
        with pytest.raises(UnsafePathError, match="refusing file name"):
            download_release(VERSION, url, destination)
    fetched = [path for _, path, _ in log.requests]
    assert fetched == ["/2024.04.03/manifest.json", "/catalog.json"]
    assert not (tmp_path / "dest").exists() or not any((tmp_path / "dest").rglob("*"))
    assert not Path("/tmp/escaped.txt").exists()


def test_a_bad_version_name_is_refused(published: Path, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="not a release version"):
        download_release("../2024.04.03", published.as_uri(), tmp_path / "copy")


def test_interrupted_download_resumes_where_it_stopped(published: Path, tmp_path: Path) -> None:
    database = f"/{VERSION}/newsevents.duckdb"
    size = (published / VERSION / "newsevents.duckdb").stat().st_size
    with serve_directory(published) as (url, log):
        log.cut_after[database] = size // 2
        with pytest.raises(DownloadError, match="interrupted.*run the same command again"):
            download_release(VERSION, url, tmp_path / "copy")
        part = tmp_path / "copy" / VERSION / "newsevents.duckdb.part"
        assert part.is_file() and 0 < part.stat().st_size < size
        kept = part.stat().st_size
        result = download_release(VERSION, url, tmp_path / "copy")
    assert result.resumed == ["newsevents.duckdb"]
    assert ("GET", database, f"bytes={kept}-") in log.requests
    assert sha256(tmp_path / "copy" / VERSION / "newsevents.duckdb") == sha256(published / VERSION / "newsevents.duckdb")
    assert (tmp_path / "copy" / VERSION / "manifest.json").is_file()
