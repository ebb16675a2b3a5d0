"""Operating the nightly job: one run at a time, recoding after an extractor change, Dask and process-pool scale-out."""

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


@pytest.mark.parametrize("runner", ["dask", "process"])
def test_parallel_runners_give_the_same_release_as_the_local_runner(prefect_harness, tmp_path, monkeypatch, runner):
    if runner == "dask":
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
    parallel = run_nightly(runner=runner, dask_workers=2, sources=[str(inbox)], data_dir=str(tmp_path / runner))
    assert local.row_counts["documents"] == parallel.row_counts["documents"] == 3
    assert _parquet_digests(Path(local.release_dir)) == _parquet_digests(Path(parallel.release_dir))


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


# -- extraction overlapped with parsing in the helper process --------------------------------------

OTHER_NEWS = {
    "floods.txt": "Floods hit the north\n\nMarch 4, 2024\n\nHeavy rain flooded dozens of villages in northern Italy on "
    "Sunday, officials said. \"We have evacuated more than 2,000 people from their homes,\" regional governor Marco "
    "Bellini told reporters. Police arrested two men for looting in Modena on Monday.\n",
    "talks.txt": "Ministers meet in Nairobi\n\nMay 12, 2023\n\nForeign ministers from Kenya and Ethiopia met in Nairobi "
    "on Friday to discuss border security, the Kenyan foreign ministry said. Ethiopia's foreign minister Samuel Tesfaye "
    "said that both governments had agreed to reopen the crossing at Moyale. Protesters rallied outside the venue.\n",
}


def _documents():
    from transforms.documents import Payload, parse_payload

    seed = next(SEED_DIR.glob("*.txt"))
    payloads = [Payload("seeds", str(seed), seed.read_bytes())]
    payloads += [Payload("inbox", name, text.encode()) for name, text in OTHER_NEWS.items()]
    return [parse_payload(p, 5_000_000) for p in payloads]


def test_rows_extracted_in_the_helper_are_the_rows_extracted_in_process():
    from flows.extraction_helper import extraction_helper
    from flows.normalise import extract_rows
    from flows.settings import Settings

    settings = Settings()
    if extraction_helper(settings.spacy_model) is None:
        pytest.skip("one CPU: extraction always runs in the parsing process")
    documents = _documents()
    in_process = extract_rows(documents, settings)
    overlapped = extract_rows(documents, settings, with_helper=True)
    assert overlapped == in_process
    assert all(in_process[name] for name in ("actors", "actor_mentions", "events", "statements"))


@pytest.fixture
def helper():
    """This process's extraction helper (skips on one CPU, where there is none)."""
    from flows.extraction_helper import extraction_helper
    from flows.settings import Settings

    running = extraction_helper(Settings().spacy_model)
    if running is None:
        pytest.skip("one CPU: no helper")
    return running


def _items():
    from transforms.extract import DocumentForExtraction

    return [DocumentForExtraction(d.doc_id, d.text, d.published_at) for d in _documents()]


def _coder(models):
    """Codes a group in this process, as the flow's process does."""
    from transforms.extract import extract_documents

    return lambda group: [rows for _, rows in extract_documents(group, models)]


UNREADABLE = dict(doc_id="unreadable", text=None, published_at=None)  # no text: spaCy refuses it


def test_an_extraction_error_in_the_helper_is_raised_and_the_helper_goes_on(models, helper):
    from transforms.extract import DocumentForExtraction

    items = _items()
    with pytest.raises(Exception, match="in the extraction helper"):  # matched in the exception's notes
        helper.code([items[0], DocumentForExtraction(**UNREADABLE)])
    # The next group gets its own rows, not an answer left over from the failed one.
    assert helper.code(items) == _coder(models)(items)


def test_a_document_that_fails_fails_the_shared_coding_and_the_helper_stays_usable(models, helper):
    from flows.extraction_helper import GROUP_SIZE, code_sharing_with_helper
    from transforms.extract import DocumentForExtraction

    items = _items()
    with pytest.raises((TypeError, ValueError)):
        list(code_sharing_with_helper(items * (2 * GROUP_SIZE) + [DocumentForExtraction(**UNREADABLE)],
                                      _coder(models), helper))
    assert helper.alive() and helper.code(items) == _coder(models)(items)


def test_the_groups_of_a_helper_that_dies_are_coded_in_process(models):
    from flows.extraction_helper import GROUP_SIZE, ExtractionHelper, code_sharing_with_helper
    from flows.settings import Settings

    items = _items() * GROUP_SIZE
    dying = ExtractionHelper(Settings().spacy_model)
    dying._process.kill()  # dies before its first answer: every group it took comes back
    dying._process.wait()
    assert list(code_sharing_with_helper(items, _coder(models), dying)) == _coder(models)(items)
    assert not dying.alive()


def test_a_helper_that_died_is_replaced_and_its_documents_extracted_in_process():
    from flows.extraction_helper import extraction_helper
    from flows.normalise import extract_rows
    from flows.settings import Settings

    settings = Settings()
    helper = extraction_helper(settings.spacy_model)
    if helper is None:
        pytest.skip("one CPU: no helper")
    documents = _documents()
    expected = extract_rows(documents, settings)
    helper._process.kill()
    helper._process.wait()
    assert extract_rows(documents, settings, with_helper=True) == expected
    replacement = extraction_helper(settings.spacy_model)
    assert replacement is not helper and replacement.alive()
    assert extract_rows(documents, settings, with_helper=True) == expected


def test_a_run_that_overlaps_extraction_publishes_the_same_release(prefect_harness, tmp_path, monkeypatch):
    """The nightly sharing its documents with the helper, and without it."""
    from flows.extraction_helper import extraction_helper
    from flows.nightly import nightly
    from flows.settings import Settings

    if extraction_helper(Settings().spacy_model) is None:
        pytest.skip("one CPU: no helper")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(next(SEED_DIR.glob("*.txt")), inbox / "seed.txt")
    for name, text in OTHER_NEWS.items():
        (inbox / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("NEWSEVENTS_EXTRACTION_HELPER", "false")
    in_process = nightly(sources=[str(inbox)], data_dir=str(tmp_path / "in-process"))
    monkeypatch.delenv("NEWSEVENTS_EXTRACTION_HELPER")
    assert extraction_helper(Settings().spacy_model).ready.wait(120)  # loaded: it takes groups from the start
    overlapped = nightly(sources=[str(inbox)], data_dir=str(tmp_path / "overlapped"))
    assert in_process.row_counts == overlapped.row_counts and overlapped.row_counts["events"] > 0
    assert _parquet_digests(Path(in_process.release_dir)) == _parquet_digests(Path(overlapped.release_dir))


def test_a_stage_past_its_time_limit_fails_the_run(prefect_harness):
    import time

    from prefect import flow, task

    from flows.nightly import bounded
    from flows.settings import Settings

    @task
    def hung_stage() -> str:
        time.sleep(5)
        return "finished"

    @flow
    def run_with_a_hung_stage(limit: float) -> str:
        return bounded(hung_stage, Settings(task_timeout_seconds=limit))()

    with pytest.raises(TimeoutError, match="timed out after 0.5"):
        run_with_a_hung_stage(0.5)
    assert run_with_a_hung_stage(30) == "finished"
