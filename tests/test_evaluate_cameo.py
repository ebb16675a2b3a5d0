"""The PETRARCH reader and the CAMEO root scoring, on records written here in PETRARCH's two layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.evaluate.cameo import read_petrarch_records
from transforms.score_events import CodedSentence, quad_class_of_root, score_cameo

RECORDS = """<?xml version='1.0' encoding='utf-8'?>
<Validation>
# comment lines outside the records, as in PETR2_GSR_validation.xml
<Sentences>
<Sentence category="AFP" date="20080804" id="GSR_1" evaluate="true"/>
<EventCoding eventcode="042" sourcecode="USA" targetcode="CHN" />
<Text>
The US leader prepared to visit
Beijing.
</Text>
<Parse>1 The the DET</Parse>
<Sentence date="19950101" id="DEMO-02" category="DEMO" sentence="true">
<!-- paired events -->
<EventCoding sourcecode="DAG" targetcode="GON" eventcode="190"></EventCoding>
<EventCoding sourcecode="GON" targetcode="DAG" eventcode="1823"></EventCoding>
<Text>Rebels shelled the town &amp; killed two.</Text>
</Sentence>
<Sentence date="19950101" id="NULL-01" category="DEMO" sentence="true">
<EventCoding noevents="True"></EventCoding>
<Text>Nothing happened.</Text>
</Sentence>
<Sentence date="19950101" id="BAD-01" category="DEMO" sentence="true">
<EventCoding sourcecode="X" targetcode="Y" eventcode="903"></EventCoding>
<Text>An internal PETRARCH code, not CAMEO.</Text>
</Sentence>
</Sentences>
</Validation>
"""


def test_records_in_both_layouts_are_read(tmp_path: Path) -> None:
    path = tmp_path / "records.xml"
    path.write_text(RECORDS, encoding="utf-8")
    assert read_petrarch_records(path) == [
        CodedSentence("GSR_1", "The US leader prepared to visit Beijing.", frozenset({"04"})),
        CodedSentence("DEMO-02", "Rebels shelled the town & killed two.", frozenset({"19", "18"})),
    ]


@pytest.mark.parametrize("root, quad", [("01", 1), ("05", 1), ("06", 2), ("08", 2), ("09", 3), ("13", 3), ("14", 4), ("20", 4)])
def test_quad_class_of_each_cameo_root_band(root: str, quad: int) -> None:
    assert quad_class_of_root(root) == quad


def test_root_recall_precision_and_quad_agreement() -> None:
    records = [CodedSentence("a", "x", frozenset({"04"})), CodedSentence("b", "y", frozenset({"19", "18"}))]
    predicted = [
        [{"cameo_root": "03", "quad_class": 1}],                                          # wrong root, same quad class
        [{"cameo_root": "19", "quad_class": 4}, {"cameo_root": "19", "quad_class": 4}],   # one of two roots found
    ]
    score = score_cameo(records, predicted)
    assert (score.gold_roots, score.found_roots, score.predicted_roots, score.right_predictions) == (3, 1, 2, 1)
    assert (score.recall, score.precision, score.quad_agreement) == (1 / 3, 0.5, 1.0)


def test_a_file_without_coded_records_is_refused(tmp_path: Path) -> None:
    import typer

    path = tmp_path / "empty.xml"
    path.write_text("<Validation><Sentences></Sentences></Validation>", encoding="utf-8")
    with pytest.raises(typer.BadParameter, match="no <Sentence> records"):
        read_petrarch_records(path)
