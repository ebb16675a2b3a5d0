"""Validate the pipeline's tables with Great Expectations before anything is published.

Plain functions (the flow wraps them in Prefect tasks). One ephemeral, in-memory GX context is
built per call with one pandas data source, one dataframe asset, whole-dataframe batch definition,
suite and ValidationDefinition per table; nothing is written to disk and GX never touches the
network (analytics off, no Data Docs site unless ``write_data_docs`` asks for one).

The suites come from ``schemas.expectations``; foreign keys are checked against the parent
tables passed in the same call, so validate all tables of a release together.
"""

from __future__ import annotations

import os

# Read by GX at import time; GX must never send analytics from the pipeline or CI.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import copy  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.core import ExpectationSuiteValidationResult  # noqa: E402
from great_expectations.core.expectation_validation_result import (  # noqa: E402
    ExpectationSuiteValidationResultSchema,
)
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context import AbstractDataContext  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from schemas import load_tables  # noqa: E402
from schemas.expectations import build_suite, foreign_key_parameters  # noqa: E402

SAMPLE_SIZE = 3
"""Unexpected values quoted per failure line; the full partial list stays in ``results``."""

DATA_SOURCE_NAME = "newsevents_frames"


@dataclass
class ValidationReport:
    """Outcome of validating a set of tables: a verdict, readable failure lines, and GX's results.

    ``results`` maps table name to GX's JSON-serialisable suite result
    (``ExpectationSuiteValidationResult.to_json_dict()``), with foreign-key value sets replaced by
    their parameter name so that the report does not carry every parent key.
    """

    success: bool
    failures: list[str] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"success": self.success, "failures": list(self.failures), "results": self.results}


def _ephemeral_context() -> AbstractDataContext:
    """An in-memory GX context: no files, no Data Docs site, no analytics, no progress bars."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _check_table_names(tables: Mapping[str, pd.DataFrame]) -> None:
    unknown = sorted(set(tables) - set(load_tables()))
    if unknown:
        raise KeyError(f"no table definition for {unknown}; known tables: {list(load_tables())}")


def validate_tables(tables: Mapping[str, pd.DataFrame]) -> ValidationReport:
    """Validate each given table against the suite generated from its schema definition.

    Foreign keys are checked against the parent tables in ``tables``; a missing parent raises
    ``KeyError`` rather than passing unchecked. Tables are validated in publishing order.
    """
    _check_table_names(tables)
    definitions = load_tables()
    context = _ephemeral_context()
    data_source = context.data_sources.add_pandas(DATA_SOURCE_NAME)

    report = ValidationReport(success=True)
    for name, definition in definitions.items():
        if name not in tables:
            continue
        parameters = foreign_key_parameters(definition, tables)
        batch_definition = data_source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        suite = context.suites.add(build_suite(definition))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        result = validation.run(
            batch_parameters={"dataframe": tables[name]},
            expectation_parameters=parameters,
        )
        report.success = report.success and bool(result.success)
        report.failures.extend(failure_lines(name, result))
        report.results[name] = _serialisable_result(result, parameters)
    return report


def _serialisable_result(
    result: ExpectationSuiteValidationResult, parameters: Mapping[str, list[Any]]
) -> dict[str, Any]:
    """GX's JSON result, with foreign-key value sets (every parent key) put back as parameters."""
    as_json: dict[str, Any] = result.to_json_dict()
    for item in as_json.get("results", []):
        config = item.get("expectation_config") or {}
        parameter = (config.get("meta") or {}).get("foreign_key_parameter")
        if parameter and "value_set" in config.get("kwargs", {}):
            config["kwargs"]["value_set"] = {"$PARAMETER": parameter}
    as_json["suite_parameters"] = {name: f"<{len(values)} key values>" for name, values in parameters.items()}
    return as_json


def _sample(values: list[Any]) -> list[Any]:
    """The first few distinct unexpected values, in order of appearance."""
    distinct: list[Any] = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
        if len(distinct) == SAMPLE_SIZE:
            break
    return distinct


def _describe_columns_mismatch(expected: list[str], observed: list[str]) -> str:
    missing = [c for c in expected if c not in observed]
    unexpected = [c for c in observed if c not in expected]
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if unexpected:
        parts.append(f"unexpected {unexpected}")
    if not parts:
        parts.append(f"wrong order {observed}")
    return ", ".join(parts)


def failure_line(table: str, expectation_type: str, kwargs: Mapping[str, Any], outcome: Mapping[str, Any],
                 exception_message: str | None = None) -> str:
    """One readable line for one failed expectation: where, which expectation, what was found."""
    if "column" in kwargs:
        where = f"{table}.{kwargs['column']}"
    elif "column_list" in kwargs and expectation_type != "expect_table_columns_to_match_ordered_list":
        where = f"{table}.({', '.join(kwargs['column_list'])})"
    else:
        where = table
    if exception_message:
        return f"{where}: {expectation_type} could not run ({exception_message.strip()})"
    if expectation_type == "expect_table_columns_to_match_ordered_list":
        detail = _describe_columns_mismatch(list(kwargs.get("column_list", [])), list(outcome.get("observed_value") or []))
        return f"{where}: {expectation_type} failed ({detail})"
    if "unexpected_count" in outcome:
        sample = _sample(list(outcome.get("partial_unexpected_list") or []))
        return f"{where}: {expectation_type} failed ({outcome['unexpected_count']} unexpected, e.g. {sample!r})"
    return f"{where}: {expectation_type} failed (observed {outcome.get('observed_value')!r})"


def failure_lines(table: str, result: ExpectationSuiteValidationResult) -> list[str]:
    """Readable lines for every failed expectation of one table's suite result."""
    lines = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        exception = item.exception_info or {}
        message = None
        if exception.get("raised_exception"):
            message = exception.get("exception_message")
        else:  # metric errors are keyed by metric id, one level down
            for value in exception.values():
                if isinstance(value, dict) and value.get("raised_exception"):
                    message = value.get("exception_message")
                    break
        lines.append(failure_line(table, config.type, config.kwargs, item.result or {}, message))
    return lines
