"""End-to-end nightly throughput against bare spaCy, and the cost of a run with 5% new documents.

    .venv/bin/python benchmarks/nightly_throughput.py --corpus ../shared/corpus/polnear/train [--limit 840] [--repeat 1]

Prints, from one process on the same texts: bare `nlp.pipe` documents/s on one process and on two
(on a second CPU the nightly parses and extracts in two: the flow's process and an extraction
helper, so this is the comparison at the same process count), the full nightly flow's
documents/s (ingest, parse, extract, validate, publish; model loading excluded from all), both
ratios, and the time of a second run after adding 5% new documents as a fraction of the first
run's. With ``--repeat N`` it measures the one-process baseline and both runs N times, each nightly
in a new workspace, and also prints the median ratios: on a shared machine compare ratios measured in the same run.

CPU seconds are printed beside each wall time: this process's, and those of the extraction
helper, the second process that codes a share of the documents, so that the split is visible too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def helper_cpu_seconds() -> float:
    """CPU time used so far by the extraction helper processes this process started (0 if none)."""
    from flows import extraction_helper

    try:
        import psutil
    except ImportError:
        return float("nan")
    total = 0.0
    for helper in extraction_helper._helpers.values():
        try:
            times = psutil.Process(helper._process.pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


class Clock:
    """Wall time, this process's CPU time and the helper's CPU time of one timed block."""

    def __enter__(self) -> "Clock":
        self._wall, self._cpu, self._helper = time.perf_counter(), time.process_time(), helper_cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.helper_cpu = helper_cpu_seconds() - self._helper

    def describe(self) -> str:
        helper = f" + {self.helper_cpu:.1f} s in the extraction helper" if self.helper_cpu > 0.05 else ""
        return f"{self.wall:.1f} s; CPU {self.cpu:.1f} s{helper}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a PolNeAR split folder (with text/) or a folder of .txt")
    parser.add_argument("--limit", type=int, default=840)
    parser.add_argument("--repeat", type=int, default=1, help="measure bare, first and second run this many times")
    parser.add_argument("--runner", choices=("local", "process"), default="local",
                        help="local (this process and an extraction helper) or process (Prefect's process pool, 2 workers)")
    args = parser.parse_args()
    texts_dir = args.corpus / "text" if (args.corpus / "text").is_dir() else args.corpus
    files = sorted(texts_dir.glob("*.txt"))[: args.limit]
    held_back = max(1, len(files) // 20)  # 5% new documents for the second run
    first_files, new_files = files[: len(files) - held_back], files[len(files) - held_back :]

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    import flows  # noqa: F401
    from prefect.testing.utilities import prefect_test_harness

    from flows.extraction_helper import forget_extraction_helper
    from flows.nightly import run_nightly
    from flows.resources import load_models
    from flows.settings import Settings

    settings = Settings()
    models = load_models(settings.spacy_model)  # load once: excluded from both timings
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in first_files]
    n = len(first_files)
    # The nightly uses two processes (the flow's and an extraction helper's), so
    # bare spaCy on two processes is printed too: the comparison at the same process count. Measured
    # before the Prefect harness starts, as spaCy forks its workers.
    with Clock() as bare_two:
        for _ in models.nlp.pipe(texts, batch_size=settings.batch_size, n_process=2):
            pass
    print(f"bare nlp.pipe, 2 processes, batch size {settings.batch_size}: {n / bare_two.wall:.2f} docs/s "
          f"({bare_two.wall:.1f} s)", flush=True)
    ratios, fractions, ratios_two = [], [], []
    with prefect_test_harness(server_startup_timeout=120):
        for repetition in range(1, args.repeat + 1):
            with Clock() as bare:
                for _ in models.nlp.pipe(texts, batch_size=settings.batch_size):
                    pass
            with tempfile.TemporaryDirectory() as tmp:
                inbox, data_dir = Path(tmp) / "inbox", Path(tmp) / "data"
                inbox.mkdir()
                for f in first_files:
                    shutil.copy(f, inbox / f.name)
                with Clock() as full:
                    first = run_nightly(runner=args.runner, sources=[str(inbox)], data_dir=str(data_dir))
                for f in new_files:
                    shutil.copy(f, inbox / f.name)
                with Clock() as incremental:
                    second = run_nightly(runner=args.runner, sources=[str(inbox)], data_dir=str(data_dir))
            forget_extraction_helper(settings.spacy_model)  # each repetition's first run starts its own
            ratios.append(bare.wall / full.wall)
            fractions.append(incremental.wall / full.wall)
            if args.repeat > 1:
                print(f"-- repetition {repetition} of {args.repeat}")
            print(f"bare nlp.pipe, 1 process, batch size {settings.batch_size}: {n / bare.wall:.2f} docs/s "
                  f"({bare.describe()})")
            print(f"documents: {n} (+{len(new_files)} new in the second run)")
            print(f"nightly flow end to end ({args.runner} runner):  {n / full.wall:.2f} docs/s ({full.describe()}; "
                  f"{first.new_documents} new documents)")
            ratios_two.append(bare_two.wall / full.wall)
            print(f"ratio end-to-end / bare spaCy: {ratios[-1]:.3f} (1 process); {ratios_two[-1]:.3f} (2 processes)")
            print(f"second run with 5% new documents: {incremental.describe()} = {fractions[-1]:.3f} of the first run "
                  f"({second.new_documents} new)", flush=True)
    if args.repeat > 1:
        print(f"median of {args.repeat}: ratio {statistics.median(ratios):.3f} "
              f"(all: {', '.join(f'{r:.3f}' for r in ratios)}); second run {statistics.median(fractions):.3f} "
              f"(all: {', '.join(f'{f:.3f}' for f in fractions)})")


if __name__ == "__main__":
    main()
