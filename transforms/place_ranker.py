"""A learned ranker that picks an event's place among the place names of its sentence.

The rules in ``transforms/events.py`` choose one place per event from the parse. Written rules
reach a ceiling on this choice: a sentence names the event's town, its province, where a
source is, where a victim was taken, and which one is the event's depends on many weak cues at
once. The ranker weighs those cues together: it scores every place-like name of the sentence
by features the rules compute (parse distance, role, preposition, entity label, what the
gazetteer knows) and by whether the rules chose it, and the best-scored name wins.

The model is a LightGBM LambdaRank model kept as text beside the lexicons
(``lexicons/place_ranker.txt``); ``evaluation/train_place_ranker.py`` trains it again on the
tune half of the event-location corpus. This module holds no I/O: the caller loads the text.
"""

from __future__ import annotations

import lightgbm
import numpy as np


class PlaceRanker:
    """Scores candidate places from their feature rows; unknown feature names count as 0."""

    def __init__(self, model_text: str):
        self.booster = lightgbm.Booster(model_str=model_text)
        self.feature_names: list[str] = self.booster.feature_name()
        self._column = {name: i for i, name in enumerate(self.feature_names)}

    def scores(self, rows: list[dict[str, float]]) -> list[float]:
        matrix = np.zeros((len(rows), len(self.feature_names)))
        for r, row in enumerate(rows):
            for name, value in row.items():
                column = self._column.get(name)
                if column is not None:
                    matrix[r, column] = value
        return [float(s) for s in self.booster.predict(matrix, num_threads=1)]
