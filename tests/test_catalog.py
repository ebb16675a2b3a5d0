"""The releases catalog: catalog.json, the static index.html, and the page as a browser shows it."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from flows.catalog import events_per_week
from flows.publish import publish_release
from flows.settings import Settings
from flows.workspace import Workspace
from schemas import load_tables
from tests.table_samples import sample_tables

FIRST, SECOND = "2024.04.03", "2024.04.10"


def publish(workspace: Workspace, version: str, tables: dict[str, pd.DataFrame]) -> None:
    publish_release(
        workspace, tables, version=version, created_at=datetime(2024, 4, 10, 6, tzinfo=timezone.utc),
        code_version="test-code", sources=["seeds"], validation={"success": True}, settings=Settings(),
    )


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two releases; the second lacks the quarantine row, so their counts differ."""
    workspace = Workspace(tmp_path_factory.mktemp("data")).ensure()
    publish(workspace, FIRST, sample_tables())
    tables = sample_tables()
    tables["quarantine"] = tables["quarantine"].iloc[0:0]
    del tables["retractions"]
    publish(workspace, SECOND, tables)
    return workspace.releases_dir


def test_catalog_lists_every_release_newest_first(releases: Path) -> None:
    catalog = json.loads((releases / "catalog.json").read_text())
    assert catalog["latest"] == SECOND == (releases / "latest").read_text().strip()
    assert [r["version"] for r in catalog["releases"]] == [SECOND, FIRST]
    for entry in catalog["releases"]:
        manifest_bytes = (releases / entry["version"] / "manifest.json").read_bytes()
        manifest = json.loads(manifest_bytes)
        assert entry["manifest_sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
        assert entry["row_counts"] == manifest["row_counts"]
        assert entry["schema_version"] == manifest["schema_version"]
        assert entry["date"] == entry["version"].replace(".", "-")
        assert entry["bytes"] == sum(f["bytes"] for f in manifest["files"]) + len(manifest_bytes)
    assert catalog["releases"][0]["row_counts"]["quarantine"] == 0
    assert catalog["releases"][1]["row_counts"]["quarantine"] == 1


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def test_index_links_resolve_and_show_checksums(releases: Path) -> None:
    page = (releases / "index.html").read_text()
    links = Links()
    links.feed(page)
    assert links.hrefs
    for href in links.hrefs:
        assert not href.startswith(("http:", "https:", "//")), href  # self-contained, works offline
        assert (releases / href).is_file(), href
    for version in (FIRST, SECOND):
        manifest = json.loads((releases / version / "manifest.json").read_text())
        for entry in manifest["files"]:
            assert f'href="{version}/{entry["path"]}"' in page
            assert entry["sha256"] in page
    assert "<script" not in page and "cdn" not in page.lower()


def test_events_per_week_by_type() -> None:
    events = pd.DataFrame(
        {
            "event_date": [date(2024, 3, 11), date(2024, 3, 17), date(2024, 3, 18), None, date(2024, 3, 12)],
            "event_type": ["ASSAULT", "ASSAULT", "PROTEST", "ASSAULT", "PROTEST"],
        }
    )
    weekly = events_per_week(events)
    assert weekly.to_dict("records") == [
        {"week": date(2024, 3, 11), "event_type": "ASSAULT", "events": 2},
        {"week": date(2024, 3, 11), "event_type": "PROTEST", "events": 1},
        {"week": date(2024, 3, 18), "event_type": "PROTEST", "events": 1},
    ]
    assert events_per_week(events.iloc[3:4]).empty


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium: apt-get install -y chromium")
def test_catalog_page_renders_in_headless_chromium(releases: Path, tmp_path: Path) -> None:
    """What a person sees: the release list, the counts, the chart and the dictionary."""
    profile = tmp_path / "profile"
    url = (releases / "index.html").as_uri()
    dom = subprocess.run(
        [CHROMIUM, *HEADLESS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert re.search(rf'<tr class="release" id="release-{re.escape(SECOND)}">.*?latest', dom)
    assert f'id="release-{FIRST}"' in dom
    assert 'id="latest-version">2024.04.10<' in dom
    bars = re.findall(r'<rect class="bar" data-type="([A-Z]+)"', dom)
    assert sorted(bars) == ["ACCUSE", "ASSAULT", "SUPPORT"]  # the three dated events, one week each
    assert '<svg id="events-chart"' in dom
    for name in load_tables():
        assert f'id="table-{name}"' in dom
    assert "Content-derived ID from doc_id, the trigger" in dom  # a column description
    assert "top_speakers_on_a_topic.sql" in dom

    screenshot = tmp_path / "catalog.png"
    subprocess.run(
        [CHROMIUM, *HEADLESS, f"--user-data-dir={profile}", f"--screenshot={screenshot}",
         "--window-size=1280,2000", url],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert screenshot.is_file() and screenshot.stat().st_size > 20_000
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
