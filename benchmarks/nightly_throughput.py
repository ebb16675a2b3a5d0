"""End-to-end nightly throughput against bare spaCy, and the cost of a run with 5% new documents.

    .venv/bin/python benchmarks/nightly_throughput.py --corpus ../shared/corpus/polnear/train [--limit 840]

Prints, from one process on the same texts: bare `nlp.pipe` documents/s (one process, as the
local runner uses), the full nightly flow's documents/s (ingest, parse, extract, validate,
publish; model loading excluded from both), their ratio, and the time of a second run after
adding 5% new documents as a fraction of the first run's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a PolNeAR split folder (with text/) or a folder of .txt")
    parser.add_argument("--limit", type=int, default=840)
    args = parser.parse_args()
    texts_dir = args.corpus / "text" if (args.corpus / "text").is_dir() else args.corpus
    files = sorted(texts_dir.glob("*.txt"))[: args.limit]
    held_back = max(1, len(files) // 20)  # 5% new documents for the second run
    first_files, new_files = files[: len(files) - held_back], files[len(files) - held_back :]

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    import flows  # noqa: F401
    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly import nightly
    from flows.resources import load_models
    from flows.settings import Settings

    settings = Settings()
    models = load_models(settings.spacy_model)  # load once: excluded from both timings
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in first_files]
    start = time.perf_counter()
    for _ in models.nlp.pipe(texts, batch_size=settings.batch_size):
        pass
    bare = time.perf_counter() - start
    print(f"bare nlp.pipe, 1 process: {len(texts) / bare:.2f} docs/s ({bare:.1f} s)", flush=True)

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
        inbox, data_dir = Path(tmp) / "inbox", Path(tmp) / "data"
        inbox.mkdir()
        for f in first_files:
            shutil.copy(f, inbox / f.name)
        start = time.perf_counter()
        first = nightly(sources=[str(inbox)], data_dir=str(data_dir))
        full = time.perf_counter() - start
        for f in new_files:
            shutil.copy(f, inbox / f.name)
        start = time.perf_counter()
        second = nightly(sources=[str(inbox)], data_dir=str(data_dir))
        incremental = time.perf_counter() - start

    n = len(first_files)
    print(f"documents: {n} (+{len(new_files)} new in the second run)")
    print(f"nightly flow end to end:  {n / full:.2f} docs/s ({full:.1f} s; {first.new_documents} new documents)")
    print(f"ratio end-to-end / bare spaCy: {bare / full:.3f}")
    print(f"second run with 5% new documents: {incremental:.1f} s = {incremental / full:.3f} of the first run "
          f"({second.new_documents} new)")


if __name__ == "__main__":
    main()
