"""The `newsevents extract` command: files in, one JSON object per document out, no flow and no release."""

import json

from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import SEED_DIR


def test_extract_prints_one_json_object_per_document(tmp_path):
    seed = next(SEED_DIR.glob("*.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = CliRunner().invoke(app, ["extract", str(seed), str(empty), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {"document", "text", "actors", "actor_mentions", "events", "event_mentions", "statements"}
    assert record["document"]["published_at"].startswith("2016-02-05")
    assert record["text"].startswith("The Syrian army")
    assert any(s["speaker_text"] == "Dmitry Peskov" for s in record["statements"])
    assert "empty" in result.stderr


def test_unknown_format_is_a_clear_error():
    result = CliRunner().invoke(app, ["extract", "x.txt", "--format", "xml"])
    assert result.exit_code == 2 and "jsonl" in result.output
