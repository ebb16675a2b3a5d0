"""Statement scoring by the shared rule (../shared/eval/score_statements.py), as pure functions.

A predicted statement matches a gold one when their shared words cover at least half of each
(greedy, one-to-one, in prediction order); the speaker is right when both names end in the same
word. Speaker accuracy counts only matched pairs whose gold speaker is named (its last word is
capitalised and not a pronoun). People are scored per article by last-name match.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable, Mapping

WORD = re.compile(r"\w+")
UNNAMED = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "which", "that", "one"})


def words(text: str | None) -> list[str]:
    return WORD.findall((text or "").lower())


def overlap(a: str, b: str) -> tuple[float, float]:
    """Share of a's words found in b, and of b's words found in a (as multisets)."""
    ca, cb = Counter(words(a)), Counter(words(b))
    inter = sum((ca & cb).values())
    return inter / max(1, sum(ca.values())), inter / max(1, sum(cb.values()))


def is_named(speaker: str | None) -> bool:
    """Whether a gold speaker is judged: its last word is capitalised and not a pronoun."""
    ws = WORD.findall(speaker or "")
    return bool(ws) and ws[-1][:1].isupper() and ws[-1].lower() not in UNNAMED


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    pw, gw = words(predicted), words(gold)
    return bool(pw and gw and pw[-1] == gw[-1])


def group_by_doc(rows: Iterable[Mapping]) -> dict[str, list[Mapping]]:
    by_doc: dict[str, list[Mapping]] = defaultdict(list)
    for row in rows:
        by_doc[row["doc"]].append(row)
    return by_doc


def score_statements(gold_rows: Iterable[Mapping], pred_rows: Iterable[Mapping],
                     docs: Iterable[str] | None = None) -> dict:
    """Quote precision/recall/F1 and speaker accuracy, exactly as the shared scorer computes them."""
    gold, pred = group_by_doc(gold_rows), group_by_doc(pred_rows)
    keys = set(gold) if docs is None else set(docs)
    tp = fp = fn = speaker_ok = speaker_judged = 0
    for doc in keys:
        g, p = list(gold.get(doc, [])), list(pred.get(doc, []))
        used: set[int] = set()
        for pr in p:
            best, best_index = 0.0, None
            for i, gr in enumerate(g):
                if i in used:
                    continue
                a, b = overlap(pr["quote"], gr["quote"])
                if a >= 0.5 and b >= 0.5 and min(a, b) > best:
                    best, best_index = min(a, b), i
            if best_index is None:
                fp += 1
                continue
            used.add(best_index)
            tp += 1
            if is_named(g[best_index].get("speaker", "")):
                speaker_judged += 1
                speaker_ok += same_speaker(pr.get("speaker", ""), g[best_index].get("speaker", ""))
        fn += len(g) - len(used)
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"docs": len(keys), "gold": tp + fn, "pred": tp + fp, "quote_P": round(precision, 3),
            "quote_R": round(recall, 3), "quote_F1": round(f1, 3), "speaker_judged": speaker_judged,
            "speaker_acc": round(speaker_ok / max(1, speaker_judged), 3)}


def last_name(name: str) -> str:
    ws = words(name)
    return ws[-1] if ws else ""


def score_people(gold: Mapping[str, Iterable[str]], predicted: Mapping[str, Iterable[str]]) -> dict:
    """People per article by last-name match: micro precision, recall and F1 over the gold articles."""
    tp = fp = fn = 0
    for doc, gold_names in gold.items():
        g = {last_name(n) for n in gold_names if last_name(n)}
        p = {last_name(n) for n in predicted.get(doc, []) if last_name(n)}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"docs": len(gold), "gold": tp + fn, "pred": tp + fp, "P": round(precision, 3),
            "R": round(recall, 3), "F1": round(f1, 3)}
