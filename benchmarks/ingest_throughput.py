"""Ingestion throughput: documents/s for the folder, feed (local HTTP server) and WARC paths, and
WARC records/s with peak memory. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/ingest_throughput.py --corpus ../shared/corpus/polnear/train/text
    .venv/bin/python benchmarks/ingest_throughput.py --warc /path/to/CC-NEWS-....warc.gz

Without --corpus the folder path reads generated articles; without --warc a WARC of generated
articles (plus non-HTML and request records) is written first. Timing covers reading, the raw
store, cleaning (trafilatura for HTML) and duplicate detection: the ingest stage, not NLP.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.ingest import Ingestion, source_payloads  # noqa: E402
from flows.settings import Settings  # noqa: E402
from flows.sources import Source  # noqa: E402
from flows.workspace import Workspace  # noqa: E402
from tests.news_fixtures import NewsServer, Route, WarcCounts, article_html, article_text, rss, write_warc  # noqa: E402


def ingest(source: Source, settings: Settings) -> tuple[Ingestion, float, int]:
    """Run the ingest stage on one source; return it, seconds taken, payloads handed over."""
    ingestion = Ingestion(Workspace(settings.data_dir).ensure(), settings)
    started, items = time.perf_counter(), 0
    for item in source_payloads(source, ingestion.workspace, settings, ingestion.index):
        ingestion.take(item)
        items += 1
    ingestion.save()
    return ingestion, time.perf_counter() - started, items


def report(name: str, ingestion: Ingestion, seconds: float, items: int) -> None:
    r = ingestion.result
    print(f"{name:7s} {items:6d} payloads  {len(r.documents):6d} documents  {len(r.quarantine):5d} quarantined  "
          f"{len(r.duplicates):4d} duplicates  {seconds:7.2f} s  {len(r.documents) / seconds:8.1f} documents/s  "
          f"{items / seconds:8.1f} payloads/s")


def folder_path(work: Path, corpus: Path | None, n: int) -> None:
    if corpus is None:
        corpus = work / "folder"
        corpus.mkdir()
        for i in range(n):
            (corpus / f"{i:05d}.txt").write_text(f"Story {i}\n\n{article_text(i)}", encoding="utf-8")
    report("folder", *ingest(Source("folder", "folder", str(corpus)), Settings(data_dir=work / "ws-folder")))


def feed_path(work: Path, n: int) -> None:
    with NewsServer() as server:
        for i in range(n):
            server.routes[f"/a/{i}.html"] = Route(body=article_html(f"Story {i}", article_text(50_000 + i)).encode())
        server.routes["/robots.txt"] = Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        server.routes["/rss.xml"] = Route(body=rss([(f"Story {i}", f"/a/{i}.html") for i in range(n)], server.base),
                                          content_type="application/rss+xml")
        settings = Settings(data_dir=work / "ws-feed", fetch_allowed_hosts=["127.0.0.1"], per_host_delay_seconds=0.0)
        report("feed", *ingest(Source("feed", "feed", server.url("/rss.xml")), settings))


def warc_path(work: Path, warc: str | None, n: int) -> None:
    if warc is None:
        path = work / "bench.warc.gz"
        write_warc(path, WarcCounts(articles=n, images=n // 2, requests=n // 4, not_found=n // 20), broken=False,
                   first_seed=100_000)
        warc = str(path)
    ingestion, seconds, items = ingest(Source("warc", "warc", warc), Settings(data_dir=work / "ws-warc"))
    report("warc", ingestion, seconds, items)
    # Memory in a second pass (tracemalloc slows Python down several times, so not while timing).
    del ingestion
    tracemalloc.start()
    ingest(Source("warc", "warc", warc), Settings(data_dir=work / "ws-warc-memory"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = Path(warc).stat().st_size if "://" not in warc else 0
    print(f"warc    {items / seconds:.1f} records/s (response/resource records)  peak Python memory "
          f"{peak / 2**20:.1f} MiB (tracemalloc)  process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
          f"  file {size / 2**20:.1f} MiB compressed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="folder of .txt/.html/.json articles for the folder path")
    parser.add_argument("--warc", help="WARC file (path or fsspec URL) for the WARC path")
    parser.add_argument("-n", type=int, default=1000, help="generated articles per path")
    parser.add_argument("--only", choices=["folder", "feed", "warc"], action="append")
    args = parser.parse_args()
    paths = args.only or ["folder", "feed", "warc"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "folder" in paths:
            folder_path(work, args.corpus, args.n)
        if "feed" in paths:
            feed_path(work, args.n)
        if "warc" in paths:
            warc_path(work, args.warc, args.n)


if __name__ == "__main__":
    main()
