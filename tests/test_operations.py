"""Operating the nightly job: one run at a time, recoding after an extractor change, Dask scale-out."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from flows.lock import RunInProgress
from flows.workspace import Workspace
from tests.conftest import SEED_DIR

pytestmark = pytest.mark.slow


def _parquet_digests(release_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(release_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(release_dir.rglob("*.parquet"))}


def _hold_lock(data_dir: Path, seconds: float) -> subprocess.Popen:
    """Another process (another nightly run, as far as the workspace can tell) holding the lock."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from flows.lock import workspace_lock
        with workspace_lock(Path({str(data_dir)!r})):
            print("locked", flush=True)
            time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_second_concurrent_run_is_refused_and_changes_nothing(prefect_harness, tmp_path):
    from flows.nightly import nightly

    data_dir = tmp_path / "ws"
    holder = _hold_lock(data_dir, 30)
    try:
        with pytest.raises(RunInProgress, match="another nightly run"):
            nightly(sources=[str(SEED_DIR)], data_dir=str(data_dir))
    finally:
        holder.kill()
        holder.wait()
    assert not Workspace(data_dir).releases_dir.exists() or not any(Workspace(data_dir).releases_dir.iterdir())


def test_second_run_waits_for_the_first_when_told_to(prefect_harness, tmp_path, monkeypatch):
    from flows.nightly import nightly

    data_dir = tmp_path / "ws"
    monkeypatch.setenv("NEWSEVENTS_LOCK_WAIT_SECONDS", "60")
    holder = _hold_lock(data_dir, 3)
    started = time.monotonic()
    summary = nightly(sources=[str(SEED_DIR)], data_dir=str(data_dir))
    holder.wait()
    assert time.monotonic() - started >= 2
    assert Workspace(data_dir).latest_version() == summary.release_version


def test_documents_coded_by_an_older_extractor_are_coded_again(prefect_harness, tmp_path):
    from flows.nightly import nightly

    data_dir = tmp_path / "ws"
    first = nightly(sources=[str(SEED_DIR)], data_dir=str(data_dir))
    workspace = Workspace(data_dir)
    ledger = pd.read_parquet(workspace.ledger_path)
    ledger["extractor_version"] = "0.0.1+older"
    ledger.to_parquet(workspace.ledger_path, index=False)
    second = nightly(sources=[str(SEED_DIR)], data_dir=str(data_dir))
    assert (second.new_documents, second.recoded_documents) == (0, 1)
    assert _parquet_digests(Path(first.release_dir)) == _parquet_digests(Path(second.release_dir))
    third = nightly(sources=[str(SEED_DIR)], data_dir=str(data_dir))
    assert third.recoded_documents == 0


def test_dask_runner_gives_the_same_release_as_the_local_runner(prefect_harness, tmp_path, monkeypatch):
    pytest.importorskip("prefect_dask")
    from flows.nightly import run_nightly

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("NEWSEVENTS_CHUNK_SIZE", "1")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Three distinct documents, so the chunks really are spread over both workers.
    shutil.copy(next(SEED_DIR.glob("*.txt")), inbox / "seed.txt")
    (inbox / "floods.txt").write_text(
        "Floods hit the north\n\nMarch 4, 2024\n\nHeavy rain flooded dozens of villages in northern Italy on Sunday, "
        "officials said. \"We have evacuated more than 2,000 people from their homes,\" regional governor Marco Bellini "
        "told reporters. Police arrested two men for looting in Modena on Monday.\n", encoding="utf-8")
    (inbox / "talks.txt").write_text(
        "Ministers meet in Nairobi\n\nMay 12, 2023\n\nForeign ministers from Kenya and Ethiopia met in Nairobi on Friday "
        "to discuss border security, the Kenyan foreign ministry said. Ethiopia's foreign minister Samuel Tesfaye said "
        "that both governments had agreed to reopen the crossing at Moyale. Protesters rallied outside the venue.\n",
        encoding="utf-8")
    local = run_nightly(runner="local", sources=[str(inbox)], data_dir=str(tmp_path / "local"))
    dask = run_nightly(runner="dask", dask_workers=2, sources=[str(inbox)], data_dir=str(tmp_path / "dask"))
    assert local.row_counts["documents"] == dask.row_counts["documents"] == 3
    assert _parquet_digests(Path(local.release_dir)) == _parquet_digests(Path(dask.release_dir))


def test_backfill_reads_each_day_of_a_date_partitioned_source(prefect_harness, tmp_path, monkeypatch):
    from datetime import date

    from flows.nightly import backfill

    seed = next(SEED_DIR.glob("*.txt"))
    for day in ("2024-03-01", "2024-03-02"):
        (tmp_path / "inbox" / day).mkdir(parents=True)
    shutil.copy(seed, tmp_path / "inbox" / "2024-03-01" / "seed.txt")
    (tmp_path / "inbox" / "2024-03-02" / "floods.txt").write_text(
        "Heavy rain flooded dozens of villages in northern Italy on Sunday, officials said. \"We have evacuated "
        "more than 2,000 people from their homes,\" regional governor Marco Bellini told reporters.\n", encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "daily"\nkind = "folder"\n'
        f'location = "{tmp_path}/inbox/{{date:%Y-%m-%d}}"\n\n'
        '[[source]]\nname = "undated"\nkind = "folder"\nlocation = "/nonexistent/never-read-by-a-backfill"\n',
        encoding="utf-8")
    monkeypatch.setenv("NEWSEVENTS_SOURCES_FILE", str(tmp_path / "sources.toml"))
    runs = backfill(date(2024, 3, 1), date(2024, 3, 2), data_dir=str(tmp_path / "ws"))
    assert [r.new_documents for r in runs] == [1, 1]
    assert runs[-1].row_counts["documents"] == 2
