"""Publishing a synthetic release of 1,000,000 events, and a typical analyst query on it.

    .venv/bin/python benchmarks/publish_million.py [--events 1000000]

The other tables come from the test samples; events are synthetic but valid (types, modes, ACLED
pairs, countries, dates over ten years). Prints the publish time (Parquet, Hive partitions,
DuckDB file, manifest, catalog), the publish time of a second release in which one event of one
month changed (one partition out of ~120, so the others are reused from the first release; it
also compares every row with the first release, for the retractions), and the time of "events
per month by type and country" run through `newsevents query`'s read-only path, median of five.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ANALYST_QUERY = (
    "SELECT date_trunc('month', event_date) AS month, event_type, country_iso3, count(*) AS events "
    "FROM events GROUP BY ALL ORDER BY month, event_type, country_iso3"
)


def synthetic_events(n: int, doc_id: str, version: str) -> pd.DataFrame:
    from flows.frames import rows_to_frame

    rng = np.random.default_rng(0)
    template = rows_to_frame("events", [])
    types = ["ASSAULT", "PROTEST", "COERCE", "ACCUSE", "CONSULT", "AID"]
    modes = {"ASSAULT": "aerial", "PROTEST": "demo", "COERCE": "arrest", "ACCUSE": None, "CONSULT": "visit", "AID": "humanitarian"}
    acled = {"ASSAULT": ("Explosions/Remote violence", "Air/drone strike"), "PROTEST": ("Protests", "Peaceful protest"),
             "COERCE": ("Strategic developments", "Arrests")}
    quad = {"ASSAULT": 4, "PROTEST": 4, "COERCE": 4, "ACCUSE": 3, "CONSULT": 1, "AID": 2}
    cameo = {"ASSAULT": "19", "PROTEST": "14", "COERCE": "17", "ACCUSE": "11", "CONSULT": "04", "AID": "07"}
    countries = ["SYR", "UKR", "NGA", "MEX", "IND", "SDN", "COL", "PHL"]
    event_type = rng.choice(types, n)
    days = pd.to_datetime(date(2015, 1, 1)) + pd.to_timedelta(rng.integers(0, 3650, n), unit="D")
    frame = pd.DataFrame({
        "event_id": [f"evt_{i:016x}" for i in range(n)],
        "doc_id": doc_id,
        "sentence_index": rng.integers(0, 50, n).astype("int32"),
        "char_start": 0,
        "char_end": 80,
        "sentence_text": "Synthetic sentence for the publishing benchmark.",
        "trigger": "struck",
        "trigger_lemma": "strike",
        "event_type": event_type,
        "event_mode": [modes[t] for t in event_type],
        "quad_class": [quad[t] for t in event_type],
        "cameo_root": [cameo[t] for t in event_type],
        "acled_event_type": [acled.get(t, (None, None))[0] for t in event_type],
        "acled_sub_event_type": [acled.get(t, (None, None))[1] for t in event_type],
        "country_iso3": rng.choice(countries, n),
        "event_date": [d.date() for d in days],
        "negated": False,
        "modality": "asserted",
        "confidence": rng.random(n).round(3),
        "extractor_version": version,
        "mention_count": np.ones(n, dtype="int32"),
        "event_cluster_id": [f"evc_{i:016x}" for i in range(n)],
    })
    frame["year"] = [d.year for d in frame["event_date"]]
    frame["month"] = [d.month for d in frame["event_date"]]
    for column in template.columns:
        if column not in frame:
            frame[column] = None
    return frame[template.columns].astype(template.dtypes.to_dict(), errors="ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()

    from flows.frames import rows_to_frame
    from flows.publish import publish_release
    from flows.query import run_query
    from flows.settings import Settings
    from flows.workspace import Workspace
    from tests.table_samples import sample_tables

    tables = sample_tables()
    doc_id = tables["documents"]["doc_id"].iloc[0]
    start = time.perf_counter()
    tables["events"] = synthetic_events(args.events, doc_id, "benchmark")
    tables["event_mentions"] = rows_to_frame("event_mentions", [])  # the samples' mentions are of other events

    built = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp))
        settings = Settings(data_dir=Path(tmp))

        def timed_publish(version: str, day: int, release_tables: dict) -> float:
            start = time.perf_counter()
            publish_release(workspace, release_tables, version=version,
                            created_at=datetime(2026, 1, day, tzinfo=timezone.utc), code_version="benchmark",
                            sources=["synthetic"], validation={"success": True, "failures": [], "results": {}},
                            settings=settings)
            return time.perf_counter() - start

        published = timed_publish("2026.01.01", 1, tables)
        first = workspace.release_dir("2026.01.01")
        changed = tables["events"].copy()
        one_event = changed.index[changed["event_date"] == changed["event_date"].max()][0]
        changed.loc[one_event, "confidence"] = 0.123
        second_tables = {**{k: v for k, v in tables.items() if k != "retractions"}, "events": changed}
        republished = timed_publish("2026.01.02", 2, second_tables)
        second = workspace.release_dir("2026.01.02")
        parquet = [p.relative_to(second) for p in second.rglob("*.parquet")]
        reused = sum((second / p).stat().st_ino == (first / p).stat().st_ino for p in parquet if (first / p).exists())
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            result = run_query(ANALYST_QUERY, workspace=workspace)
            timings.append(time.perf_counter() - start)
    print(f"synthetic events: {args.events:,} (built in {built:.1f} s)")
    print(f"publish: {published:.1f} s")
    print(f"publish of a second release with one event changed: {republished:.1f} s = "
          f"{republished / published:.2f} of the first ({reused} of {len(parquet)} Parquet files reused)")
    print(f"analyst query (events per month by type and country, {len(result):,} rows): "
          f"median {statistics.median(timings):.3f} s over 5 runs (first {timings[0]:.3f} s)")


if __name__ == "__main__":
    main()
