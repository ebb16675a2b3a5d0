"""Our scorer must agree exactly with the shared reference scorer (when it is present)."""

import importlib.util
import json
from pathlib import Path

import pytest

from transforms.score_statements import score_people, score_statements

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score_statements.py"

GOLD = [
    {"doc": "a", "quote": "the plan would cut taxes for every family in the state", "speaker": "Governor Ann Lee"},
    {"doc": "a", "quote": "We will not raise the budget this year", "speaker": "he"},
    {"doc": "a", "quote": "prices rose sharply", "speaker": "Mr. Cole, an economist at the bank,"},
    {"doc": "b", "quote": "the talks had failed", "speaker": ""},
    {"doc": "b", "quote": "talks will resume on Monday in Geneva", "speaker": "the ministry"},
]
PRED = [
    {"doc": "a", "quote": "would cut taxes for every family in the state", "speaker": "Ann Lee"},
    {"doc": "a", "quote": "We will not raise the budget", "speaker": "Ann Lee"},
    {"doc": "a", "quote": "prices rose sharply last month", "speaker": "Tom Cole"},
    {"doc": "b", "quote": "something nobody said at all", "speaker": "Sam"},
    {"doc": "c", "quote": "a statement in a document without gold", "speaker": "Kim"},
]


def test_scores_follow_the_shared_rule():
    result = score_statements(GOLD, PRED)
    # a: three matches; b: one false positive, two misses; c is not a gold document.
    assert (result["gold"], result["pred"]) == (5, 4)
    assert (result["quote_P"], result["quote_R"]) == (0.75, 0.6)
    # Judged speakers: "Governor Ann Lee" (right) only; "he" and the apposition ending "bank," ...
    assert result["speaker_judged"] == 1 and result["speaker_acc"] == 1.0


def test_half_overlap_is_needed_both_ways():
    gold = [{"doc": "d", "quote": "one two three four", "speaker": "X"}]
    assert score_statements(gold, [{"doc": "d", "quote": "one two", "speaker": "X"}])["quote_R"] == 1.0
    assert score_statements(gold, [{"doc": "d", "quote": "one", "speaker": "X"}])["quote_R"] == 0.0
    assert score_statements(gold, [{"doc": "d", "quote": "one two three four five six seven eight nine",
                                    "speaker": "X"}])["quote_R"] == 0.0


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference scorer not present")
def test_agrees_exactly_with_the_shared_scorer(tmp_path):
    spec = importlib.util.spec_from_file_location("reference_scorer", REFERENCE)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold_path.write_text("".join(json.dumps(r) + "\n" for r in GOLD))
    pred_path.write_text("".join(json.dumps(r) + "\n" for r in PRED))
    assert score_statements(GOLD, PRED) == reference.score(str(gold_path), str(pred_path))
    assert score_statements(GOLD, PRED, ["a"]) == reference.score(str(gold_path), str(pred_path), ["a"])


def test_people_match_by_last_name_per_article():
    gold = {"a": ["Ann Lee", "Tom Cole"], "b": ["Sam Ortiz"]}
    pred = {"a": ["Lee", "Tom Cole", "Mary Poppins"], "b": []}
    result = score_people(gold, pred)
    assert (result["P"], result["R"]) == (round(2 / 3, 3), round(2 / 3, 3))
