"""Peak memory (RSS) of a nightly run on a corpus and on the same corpus repeated k times.

    .venv/bin/python benchmarks/peak_memory.py --corpus ../shared/corpus/polnear/train --times 1
    .venv/bin/python benchmarks/peak_memory.py --corpus ../shared/corpus/polnear/train --times 4

Each copy is made distinct (a numbered line is appended, near-duplicate detection is off) so that
every copy is parsed.
Run each size in its own process: the figure is this process's peak resident set size; on a
second CPU there is also an extraction helper process, whose peak is printed separately.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--times", type=int, default=1)
    args = parser.parse_args()
    texts_dir = args.corpus / "text" if (args.corpus / "text").is_dir() else args.corpus
    files = sorted(texts_dir.glob("*.txt"))

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The copies differ by one line: near-duplicate detection would rightly drop them, so only
    # exact duplicates are set aside here and every copy is parsed, as distinct news would be.
    os.environ["NEWSEVENTS_NEAR_DUPLICATE_THRESHOLD"] = "1"
    import flows  # noqa: F401
    from prefect.testing.utilities import prefect_test_harness

    from flows.extraction_helper import forget_extraction_helper
    from flows.nightly import nightly
    from flows.settings import Settings

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for copy in range(args.times):
            for f in files:
                text = f.read_text(encoding="utf-8", errors="replace")
                (inbox / f"{copy}_{f.name}").write_text(f"{text}\n\nCopy {copy} of this article.\n", encoding="utf-8")
        start = time.perf_counter()
        summary = nightly(sources=[str(inbox)], data_dir=str(Path(tmp) / "data"))
        elapsed = time.perf_counter() - start
    forget_extraction_helper(Settings().spacy_model)  # ends it, so its peak is counted below
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"documents: {summary.row_counts['documents']} ({args.times} x {len(files)}) in {elapsed:.1f} s")
    print(f"peak RSS: {peak_mib:.0f} MiB")
    print(f"peak RSS of the largest child process (the extraction helper, or Prefect's test server): {child_mib:.0f} MiB")


if __name__ == "__main__":
    main()
