"""Incremental ingestion of folders through real nightly runs: nothing twice, new files exactly once,
and a re-published copy of an article recorded as a near-duplicate that yields no events."""

from __future__ import annotations

import json
import shutil

import pytest

from flows.query import run_query
from flows.workspace import Workspace
from tests.conftest import SEED_DIR
from tests.news_fixtures import article_text

pytestmark = pytest.mark.slow

BOILERPLATE = [
    "Subscribe to our newsletter for the day's top stories",
    "Copyright 2016 Example Wire. All rights reserved.",
    "Share this article",
    "Related: more coverage of the region from our correspondents",
]


def republished(seed_text: str) -> str:
    """The seed article as another outlet runs it: its own headline, furniture around the body."""
    lines = seed_text.splitlines()
    headline = next(i for i, line in enumerate(lines) if line.strip() == "Regime forces make key gains in Syria")
    lines[headline] = "Syrian army, backed by Russian jets, seizes rebel towns near Aleppo"
    return "\n".join(["Home | World | Middle East", *BOILERPLATE[:1], *lines, *BOILERPLATE[1:]])


def nightly_run(inbox, data_dir):
    from flows.nightly import nightly

    return nightly(sources=[str(inbox)], data_dir=str(data_dir))


def test_nightly_runs_ingest_each_document_once(prefect_harness, tmp_path):
    inbox, data_dir = tmp_path / "inbox", tmp_path / "ws"
    inbox.mkdir()
    seed = next(SEED_DIR.glob("*.txt"))
    shutil.copy(seed, inbox / "seed.txt")
    for i in range(3):
        (inbox / f"story-{i}.txt").write_text(f"Story {i}\n\n{article_text(100 + i, paragraphs=2)}")
    (inbox / "wire.jsonl").write_text("\n".join(json.dumps(
        {"title": f"Wire {i}", "url": f"https://wire.example.org/{i}", "published": "2024-03-04T08:00:00Z",
         "author": "Wire desk", "text": article_text(200 + i, paragraphs=2)}) for i in range(2)) + "\n")
    first = nightly_run(inbox, data_dir)
    assert first.new_documents == 6 and first.duplicates == 0

    for i in range(5):
        (inbox / f"new-{i}.txt").write_text(f"New {i}\n\n{article_text(300 + i, paragraphs=2)}")
    (inbox / "republished.txt").write_text(republished(seed.read_text(encoding="utf-8")))
    events_before = run_query("SELECT event_id FROM events ORDER BY event_id", workspace=Workspace(data_dir))
    third = nightly_run(inbox, data_dir)
    # The six known documents are counted, not processed again; the five new ones are added.
    assert third.new_documents == 5 and third.already_ingested == 6 and third.duplicates == 1
    assert third.row_counts["documents"] == 11

    workspace = Workspace(data_dir)
    [dup] = run_query("SELECT d.source_uri, d.method, d.similarity, d.title, d.duplicate_of, doc.source_uri AS original "
                      "FROM duplicates d JOIN documents doc ON doc.doc_id = d.duplicate_of",
                      workspace=workspace).to_dict("records")
    assert dup["source_uri"].endswith("republished.txt") and dup["original"].endswith("seed.txt")
    assert dup["method"] == "near_duplicate" and 0.7 <= dup["similarity"] < 1
    assert dup["title"] == "Syrian army, backed by Russian jets, seizes rebel towns near Aleppo"
    # The copy went no further than ingestion: no events beyond those of the five new stories.
    seed_doc = dup["duplicate_of"]
    events = run_query("SELECT event_id, doc_id FROM events", workspace=workspace)
    assert set(events_before["event_id"]) <= set(events["event_id"])
    new_event_docs = set(events[~events["event_id"].isin(events_before["event_id"])]["doc_id"])
    assert seed_doc not in new_event_docs
    assert new_event_docs <= set(run_query("SELECT doc_id FROM documents WHERE source_uri LIKE '%new-%'",
                                           workspace=workspace)["doc_id"])
    assert not (workspace.texts_dir / f"{seed_doc}.txt").read_text(encoding="utf-8").startswith("Home")


def test_compressed_files_are_read_and_a_cut_off_one_is_quarantined(prefect_harness, tmp_path):
    import gzip

    from flows.ingest import ingest_sources
    from flows.settings import Settings
    from flows.sources import Source

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "whole.txt.gz").write_bytes(gzip.compress(f"Whole\n\n{article_text(400)}".encode()))
    cut = gzip.compress(f"Cut\n\n{article_text(401)}".encode())
    (inbox / "cut.txt.gz").write_bytes(cut[: len(cut) // 2])
    (inbox / "lines.jsonl.gz").write_bytes(gzip.compress(
        (json.dumps({"title": "Line", "text": article_text(402)}) + "\n").encode()))
    settings = Settings(data_dir=tmp_path / "ws")
    result = ingest_sources([Source("inbox", "folder", str(inbox))], Workspace(settings.data_dir).ensure(), settings)
    assert sorted(d.title for d in result.documents) == ["Line", "Whole"]
    assert [(q["source_uri"].rsplit("/", 1)[-1], q["reason"]) for q in result.quarantine] == [("cut.txt.gz", "truncated")]
    assert result.quarantine[0]["payload_sha256"] is not None  # the cut file is kept in the raw store too
