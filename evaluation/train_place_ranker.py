"""Train the place ranker (transforms/place_ranker.py) on the event-location corpus.

Usage:
    python evaluation/train_place_ranker.py --gold ../shared/corpus/event-location/sentences.jsonl \
        [--half tune] [--out transforms/lexicons/place_ranker.txt]

Each gold sentence is coded by the rules alone; for the event whose trigger overlaps the gold
VERB, every candidate place of its sentence is a row, labelled 1 when it overlaps a gold
LOCATION span. LightGBM's LambdaRank learns to put a right candidate first. It trains on the
tune half only (the held half stays unseen, for `newsevents evaluate locations --half held`),
prints a 5-fold cross-validated accuracy on the training half, and writes the model as text.
Training is deterministic: one thread, fixed seed, the same rows in the same order.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import lightgbm
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAMETERS = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "lambdarank_truncation_level": 3,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 0,
    "verbose": -1,
}
ROUNDS = 300


@dataclasses.dataclass
class Group:
    rows: list[dict[str, float]]
    labels: list[int]


def training_groups(gold: Path, half: str) -> tuple[list[Group], int]:
    """One group of labelled candidate rows per gold sentence whose VERB the rules code as an event."""
    from flows.evaluate.events import read_location_gold
    from flows.resources import load_models
    from flows.settings import get_settings
    from transforms.events import PlaceResolver, place_choices
    from transforms.extract import extract_objects
    from transforms.score_events import spans_overlap

    records = read_location_gold(gold, half)
    models = load_models(get_settings().spacy_model, with_place_ranker=False)
    groups = []
    started = time.perf_counter()
    for n, ((text, verb, places), doc) in enumerate(zip(records, models.nlp.pipe((t for t, _, _ in records), batch_size=64)), 1):
        extracted = extract_objects(doc, None, models)
        resolver = PlaceResolver(models.gazetteer, extracted.actors.context_iso3)
        for choice in place_choices(extracted.events, extracted.actors, resolver):
            trigger = choice.event.trigger
            if spans_overlap((trigger.idx, trigger.idx + len(trigger)), verb):
                labels = [int(any(spans_overlap((c.start_char, c.end_char), p) for p in places)) for c in choice.candidates]
                groups.append(Group(choice.features, labels))
                break
        if n % 500 == 0:
            print(f"  coded {n}/{len(records)} sentences ({time.perf_counter() - started:.0f} s)", flush=True)
    return groups, len(records)


def matrix(groups: list[Group], names: list[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    column = {name: i for i, name in enumerate(names)}
    rows = [row for g in groups for row in g.rows]
    x = np.zeros((len(rows), len(names)))
    for r, row in enumerate(rows):
        for name, value in row.items():
            x[r, column[name]] = value
    return x, np.array([label for g in groups for label in g.labels]), [len(g.rows) for g in groups]


def train(groups: list[Group], names: list[str]) -> lightgbm.Booster:
    x, y, sizes = matrix(groups, names)
    return lightgbm.train(PARAMETERS, lightgbm.Dataset(x, y, group=sizes, feature_name=names), ROUNDS)


def top_is_right(booster: lightgbm.Booster, groups: list[Group], names: list[str]) -> int:
    right = 0
    for g in groups:
        x, _, _ = matrix([g], names)
        scores = booster.predict(x, num_threads=1)
        right += g.labels[int(np.argmax(scores))]
    return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True, help="event-location sentences.jsonl")
    parser.add_argument("--half", default="tune", help="the half to train on (default: tune)")
    parser.add_argument("--out", type=Path, default=ROOT / "transforms" / "lexicons" / "place_ranker.txt")
    parser.add_argument("--cross-validate-only", action="store_true", help="print the cross-validated accuracy, write nothing")
    args = parser.parse_args()

    groups, n_sentences = training_groups(args.gold, args.half)
    names = sorted({name for g in groups for row in g.rows for name in row})
    right = 0
    for fold in range(5):
        booster = train([g for i, g in enumerate(groups) if i % 5 != fold], names)
        right += top_is_right(booster, [g for i, g in enumerate(groups) if i % 5 == fold], names)
    reachable = sum(max(g.labels) for g in groups)
    print(f"sentences {n_sentences}; with an event at the verb and a candidate place {len(groups)}")
    print(f"share of those sentences placed right: ranker, 5-fold cross-validated {right / len(groups):.3f}; "
          f"by the best candidate {reachable / len(groups):.3f}")
    if args.cross_validate_only:
        return
    booster = train(groups, names)
    args.out.write_text(booster.model_to_string(), encoding="utf-8")
    print(f"wrote {args.out} ({len(names)} features, {ROUNDS} rounds)")


if __name__ == "__main__":
    main()
