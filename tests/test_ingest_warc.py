"""WARC archives (CC-NEWS): ingested record by record from a gzipped file, broken record included."""

from __future__ import annotations

import pytest

from flows.settings import Settings
from flows.sources import Source
from flows.workspace import Workspace
from tests.news_fixtures import WarcCounts, write_warc

pytestmark = pytest.mark.slow
COUNTS = WarcCounts(articles=400, images=450, requests=100, not_found=50)


@pytest.fixture(scope="module")
def warc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("warc") / "CC-NEWS-test.warc.gz"
    write_warc(path, COUNTS)
    return path


def test_a_thousand_record_warc_is_ingested_record_by_record(prefect_harness, tmp_path, warc_file):
    from flows.ingest import ingest_sources, read_payload_index

    assert COUNTS.records >= 1000
    settings = Settings(data_dir=tmp_path / "ws")
    workspace = Workspace(settings.data_dir).ensure()
    result = ingest_sources([Source("cc-news", "warc", str(warc_file))], workspace, settings)
    assert len(result.documents) == COUNTS.articles
    assert {d.url for d in result.documents} == {f"https://news.example.org/a/{i}" for i in range(COUNTS.articles)}
    assert all(d.source_uri.startswith(f"{warc_file}#") for d in result.documents)
    reasons = [q["reason"] for q in result.quarantine]
    assert reasons.count("unsupported") == COUNTS.images
    assert reasons.count("http_error") == COUNTS.not_found
    [broken] = [q for q in result.quarantine if q["reason"] in ("truncated", "malformed")]
    assert broken["reason"] == "truncated" and broken["source_uri"].startswith(f"{warc_file}#")
    assert len(result.quarantine) == COUNTS.images + COUNTS.not_found + 1
    # Every article record is in the raw store with the archived URL, status and headers.
    index = read_payload_index(workspace)
    stored = index[index["outcome"] == "document"]
    assert len(stored) == COUNTS.articles and (stored["status"] == 200).all()
    assert stored["url"].str.startswith("https://news.example.org/a/").all()


def test_a_warc_can_be_read_through_an_fsspec_url(prefect_harness, tmp_path):
    from flows.ingest import ingest_sources

    path = tmp_path / "small.warc.gz"
    write_warc(path, WarcCounts(articles=3, images=1, requests=1, not_found=0), broken=False)
    settings = Settings(data_dir=tmp_path / "ws")
    result = ingest_sources([Source("cc-news", "warc", f"file://{path}")], Workspace(settings.data_dir).ensure(), settings)
    assert len(result.documents) == 3 and [q["reason"] for q in result.quarantine] == ["unsupported"]
