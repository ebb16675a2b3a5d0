"""Validation with real Great Expectations against the example rows in ``schemas/examples``."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from pathlib import Path

import pandas as pd
import pytest

from flows.validate import ValidationReport, validate_tables, write_data_docs
from schemas import load_tables
from schemas.expectations import frame_from_rows, load_examples

TABLES = load_tables()


@pytest.fixture(scope="module")
def good() -> dict[str, pd.DataFrame]:
    """The good example rows of every table; tests copy before changing them."""
    return {name: frame_from_rows(table, load_examples(name).good) for name, table in TABLES.items()}


def lines_naming(report: ValidationReport, table: str, column: str, expectation: str) -> list[str]:
    return [line for line in report.failures if line.startswith(f"{table}.{column}: {expectation} ")]


def test_good_example_rows_pass(good: dict[str, pd.DataFrame]) -> None:
    report = validate_tables(good)
    assert report.success, report.failures
    assert report.failures == []
    assert list(report.results) == list(TABLES)
    assert all(result["success"] for result in report.results.values())


def unexpected_rows_by_rule(report: ValidationReport, table: str) -> dict[tuple[str, str], set[int]]:
    """Row positions GX reported as unexpected, per (column, expectation type) that failed."""
    found: dict[tuple[str, str], set[int]] = {}
    for item in report.results[table]["results"]:
        if not item["success"]:
            config = item["expectation_config"]
            rule = (config["kwargs"].get("column", ""), config["type"])
            found[rule] = set(item["result"].get("partial_unexpected_index_list") or [])
    return found


@pytest.mark.parametrize("table", list(TABLES))
def test_each_bad_example_row_fails_only_the_expectation_it_is_annotated_with(
    good: dict[str, pd.DataFrame], table: str
) -> None:
    """All bad rows of a table are validated in one go (GX costs ~8 ms per expectation per run);
    GX's unexpected row positions tie every failure back to the bad row that must cause it."""
    examples = load_examples(table)
    first_bad = len(examples.good)
    expected: dict[tuple[str, str], set[int]] = {}
    for position, bad in enumerate(examples.bad, start=first_bad):
        expected.setdefault((bad.column, bad.breaks), set()).add(position)
    frame = frame_from_rows(TABLES[table], [*examples.good, *(b.row for b in examples.bad)])
    parents = {name: df for name, df in good.items() if name != table}

    report = validate_tables({table: frame}, reference_tables=parents)

    assert not report.success
    found = unexpected_rows_by_rule(report, table)
    assert set(found) == set(expected), "failed rules differ from the annotated ones"
    for rule, positions in found.items():
        # a duplicate flags the good row it duplicates too; nothing else may flag a good row
        if rule[1] != "expect_column_values_to_be_unique":
            assert positions < set(range(first_bad, len(frame))), f"{rule} flags a good row"
        assert positions - set(range(first_bad)) == expected[rule], f"{rule} flags rows {positions}"
    for column, breaks in expected:
        assert len(lines_naming(report, table, column, breaks)) == 1, report.failures


def test_failure_line_quotes_the_unexpected_value(good: dict[str, pd.DataFrame]) -> None:
    events = load_examples("events")
    fight = next(b for b in events.bad if b.column == "event_type")
    frame = frame_from_rows(TABLES["events"], [*events.good, fight.row])
    report = validate_tables({"events": frame}, reference_tables=good)
    assert report.failures == [
        "events.event_type: expect_column_values_to_be_in_set failed (1 unexpected, e.g. ['FIGHT'])"
    ]


def test_dangling_foreign_key_fails_in_every_child_table(good: dict[str, pd.DataFrame]) -> None:
    documents = good["documents"]
    without_lyon = documents[documents["doc_id"] != "doc_75d7b993dae07bd0"].reset_index(drop=True)
    children = {name: good[name] for name in ("actor_mentions", "events", "statements")}
    report = validate_tables(children, reference_tables={**good, "documents": without_lyon})
    assert not report.success
    for child in ("actor_mentions", "events", "statements"):
        lines = lines_naming(report, child, "doc_id", "expect_column_values_to_be_in_set")
        assert len(lines) == 1 and "doc_75d7b993dae07bd0" in lines[0], report.failures
    assert len(report.failures) == 3


def test_null_foreign_key_is_not_a_dangling_reference(good: dict[str, pd.DataFrame]) -> None:
    events = good["events"].copy()
    events["source_actor_id"] = None
    events["target_actor_id"] = None
    report = validate_tables({"events": events}, reference_tables=good)
    assert report.success, report.failures


@pytest.mark.parametrize("dtype_backend", ["numpy_nullable", "pyarrow"])
def test_rules_hold_whatever_pandas_dtypes_the_table_was_read_with(
    good: dict[str, pd.DataFrame], dtype_backend: str
) -> None:
    events = load_examples("events")
    bad_rows = [b.row for b in events.bad if b.column in ("geo_precision", "negated", "year")]
    frame = frame_from_rows(TABLES["events"], [*events.good, *bad_rows])
    frame = frame.convert_dtypes(dtype_backend=dtype_backend)
    report = validate_tables({"events": frame}, reference_tables=good)
    assert report.failures == [
        "events.geo_precision: expect_column_values_to_be_in_set failed (1 unexpected, e.g. [0])",
        "events.negated: expect_column_values_to_not_be_null failed (1 null of 6 rows)",
        "events.year: expect_column_values_to_be_between failed (1 unexpected, e.g. [24])",
    ]


def test_foreign_keys_need_their_parent_table(good: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(KeyError, match="documents"):
        validate_tables({"events": good["events"], "actors": good["actors"]})


def test_unknown_table_is_refused(good: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(KeyError, match="fights"):
        validate_tables({**good, "fights": good["events"]})


def test_empty_tables_pass() -> None:
    empty = {name: frame_from_rows(table, []) for name, table in TABLES.items()}
    report = validate_tables(empty)
    assert report.success, report.failures
    untyped = {name: pd.DataFrame(columns=table.column_names) for name, table in TABLES.items()}
    assert validate_tables(untyped).success


def test_children_of_an_empty_parent_all_dangle(good: dict[str, pd.DataFrame]) -> None:
    children = {name: good[name] for name in ("actor_mentions", "events", "statements")}
    empty_documents = frame_from_rows(TABLES["documents"], [])
    report = validate_tables(children, reference_tables={**good, "documents": empty_documents})
    assert {line.split(":")[0] for line in report.failures} == {
        "actor_mentions.doc_id", "events.doc_id", "statements.doc_id"
    }


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (lambda df: df.drop(columns=["confidence"]), "missing ['confidence']"),
        (lambda df: df.assign(comment="x"), "unexpected ['comment']"),
        (lambda df: df[[*reversed(df.columns)]], "columns out of order"),
    ],
    ids=["missing", "extra", "reordered"],
)
def test_columns_must_match_the_definition_in_order(good: dict[str, pd.DataFrame], change, detail: str) -> None:
    report = validate_tables({"events": change(good["events"])}, reference_tables=good)
    columns_lines = [line for line in report.failures
                     if line.startswith("events: expect_table_columns_to_match_ordered_list failed")]
    assert len(columns_lines) == 1 and detail in columns_lines[0], report.failures


def test_missing_column_is_reported_not_raised(good: dict[str, pd.DataFrame]) -> None:
    report = validate_tables({"events": good["events"].drop(columns=["event_type"])}, reference_tables=good)
    assert not report.success
    assert any(line.startswith("events.event_type: expect_column_values_to_be_in_set could not run")
               for line in report.failures), report.failures


def test_report_is_plain_json_without_the_parent_key_lists(good: dict[str, pd.DataFrame]) -> None:
    bad_rows = {b.column: b.row for b in load_examples("documents").bad}
    documents = frame_from_rows(TABLES["documents"], [*load_examples("documents").good, bad_rows["ingested_at"]])
    report = validate_tables({"documents": documents, "events": good["events"]}, reference_tables=good)
    text = json.dumps(report.to_json(), allow_nan=False)
    assert json.loads(text)["failures"] == report.failures
    fk_value_sets = [
        item["expectation_config"]["kwargs"]["value_set"]
        for item in report.results["events"]["results"]
        if "foreign_key_parameter" in item["expectation_config"]["meta"]
    ]
    assert fk_value_sets == [
        {"$PARAMETER": "keys_of_documents_doc_id"},
        {"$PARAMETER": "keys_of_actors_actor_id"},
        {"$PARAMETER": "keys_of_actors_actor_id"},
    ]
    assert "doc_96ec105559f34977" not in json.dumps(report.results["events"])


def test_data_docs_are_built_into_the_chosen_folder_from_json_results(
    good: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    events = load_examples("events")
    fight = next(b for b in events.bad if b.column == "event_type")
    report = validate_tables({**good, "events": frame_from_rows(TABLES["events"], [*events.good, fight.row])})
    results_read_back = json.loads(json.dumps(report.to_json()))["results"]
    index = write_data_docs(results_read_back, tmp_path / "docs")
    assert index == (tmp_path / "docs" / "index.html").resolve() and index.is_file()
    pages = {p.name: p for p in (tmp_path / "docs" / "validations").rglob("*.html")}
    assert set(pages) == {f"{name}.html" for name in TABLES}
    assert "FIGHT" in pages["events.html"].read_text(encoding="utf-8")


def test_validation_and_data_docs_open_no_network_connection(
    good: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    report = validate_tables(good)
    write_data_docs(report, tmp_path)
    assert report.success


def thousand_row_tables(rows_per_table: int) -> dict[str, pd.DataFrame]:
    """The good examples repeated, with fresh values in every unique column; references stay valid."""
    frames = {}
    for name, table in TABLES.items():
        good = load_examples(name).good
        unique_columns = [c for c in table.columns if c.unique or c.name in table.primary_key]
        rows = []
        for i in range(rows_per_table):
            row = dict(good[i % len(good)])
            if i >= len(good):
                for c in unique_columns:
                    digest = hashlib.sha256(f"{name}.{c.name}.{i}".encode()).hexdigest()
                    if c.pattern == "^[0-9a-f]{64}$":
                        row[c.name] = digest
                    elif c.pattern and c.pattern.endswith("_[0-9a-f]{16}$"):
                        row[c.name] = c.pattern[1:5] + digest[:16]
                    else:
                        row[c.name] = f"person:synthetic-{i}"
            rows.append(row)
        frames[name] = frame_from_rows(table, rows)
    return frames


def test_thousand_rows_per_table_validate_within_ten_seconds() -> None:
    frames = thousand_row_tables(1000)
    started = time.perf_counter()
    report = validate_tables(frames)
    elapsed = time.perf_counter() - started
    assert report.success, report.failures[:5]
    assert elapsed < 10, f"validating 6 x 1,000 rows took {elapsed:.1f} s"
