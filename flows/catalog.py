"""The releases catalog: ``catalog.json`` for programs and a static ``index.html`` for people.

Both sit beside the version folders and are rebuilt from the releases' manifests after every
publish, so they never list a release that is not complete and heal themselves if a publisher
died between the release appearing and the catalog being written. The page is one file with no
scripts and no external assets (it must work from a file server, offline, in any browser): the
release list with sizes, checksums and download links, the counts and a chart of events per
week by type for the newest release, the data dictionary and the example queries.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from flows.store import CATALOG_FILE, INDEX_FILE, MANIFEST_FILE, ReleaseStore
from schemas import Table, load_tables
from schemas.dictionary import column_constraints
from schemas.generate import DUCKDB_TYPES

CATALOG_FORMAT = 1

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)
"""One colour per PLOVER event type (16 types, 16 colours), fixed so charts compare across releases."""


def _release_entry(store: ReleaseStore, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = store.read_bytes(version, MANIFEST_FILE)
    manifest = json.loads(raw)
    entry = {
        "version": version,
        "date": "-".join(version.split(".")[:3]),
        "created_at": manifest.get("created_at"),
        "schema_version": manifest.get("schema_version"),
        "code_version": manifest.get("code_version"),
        "previous_version": manifest.get("previous_version"),
        "row_counts": manifest.get("row_counts", {}),
        "files": len(manifest.get("files", [])),
        "bytes": sum(f["bytes"] for f in manifest.get("files", [])) + len(raw),
        "manifest": f"{version}/{MANIFEST_FILE}",
        "manifest_sha256": hashlib.sha256(raw).hexdigest(),
    }
    return entry, manifest


def build_catalog(store: ReleaseStore, latest: str | None = None) -> tuple[dict[str, Any], dict[str, dict]]:
    """The catalog (newest release first) and every release's manifest by version."""
    versions = store.versions()
    entries, manifests = [], {}
    for version in versions:
        entry, manifest = _release_entry(store, version)
        entries.append(entry)
        manifests[version] = manifest
    latest = latest if latest in manifests else (versions[-1] if versions else None)
    catalog = {"format": CATALOG_FORMAT, "latest": latest, "releases": entries[::-1]}
    return catalog, manifests


def events_per_week(events: pd.DataFrame | None) -> pd.DataFrame:
    """Events per ISO week (Monday) and event type, once per document that reports them; undated
    events are left out."""
    if events is None or events.empty:
        return pd.DataFrame({"week": [], "event_type": [], "events": []})
    dated = events.dropna(subset=["event_date"])
    if dated.empty:
        return pd.DataFrame({"week": [], "event_type": [], "events": []})
    days = pd.to_datetime(dated["event_date"])
    weeks = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date
    counts = (
        pd.DataFrame({"week": weeks, "event_type": dated["event_type"].to_numpy()})
        .groupby(["week", "event_type"]).size().rename("events").reset_index()
    )
    return counts.sort_values(["week", "event_type"]).reset_index(drop=True)


def _all_weeks(first: date, last: date) -> list[date]:
    weeks, week = [], first
    while week <= last:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks


def render_chart(counts: pd.DataFrame, event_types: Sequence[str]) -> str:
    """A stacked bar chart (inline SVG) of events per week by type, with a legend."""
    if counts.empty:
        return '<p class="empty" id="chart-empty">No dated events in this release.</p>'
    weeks = _all_weeks(min(counts["week"]), max(counts["week"]))
    colour = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(event_types)}
    per_week = dict(iter(counts.groupby("week", sort=True)))  # weeks without events are left out
    highest = max(int(frame["events"].sum()) for frame in per_week.values()) or 1
    width, height, left, bottom, top = 760, 260, 44, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    bar_w = max(2.0, min(40.0, plot_w / len(weeks) * 0.8))
    step = plot_w / len(weeks)
    parts = [
        f'<svg id="events-chart" role="img" aria-label="Events per week by type" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{highest}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    label_every = max(1, len(weeks) // 8)
    for index, week in enumerate(weeks):
        x = left + index * step + (step - bar_w) / 2
        y = top + plot_h
        rows = per_week[week].sort_values("event_type").itertuples(index=False) if week in per_week else ()
        for row in rows:
            h = plot_h * int(row.events) / highest
            y -= h
            title = html.escape(f"week of {week.isoformat()}: {row.event_type} {int(row.events)}")
            parts.append(
                f'<rect class="bar" data-type="{html.escape(row.event_type)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{colour.get(row.event_type, "#999")}">'
                f"<title>{title}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'font-size="10">{week.isoformat()}</text>'
            )
    parts.append("</svg>")
    present = [t for t in event_types if t in set(counts["event_type"])]
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour[t]}"></span>{html.escape(t)}</li>' for t in present
    )
    return "".join(parts) + f'<ul class="legend" id="chart-legend">{legend}</ul>'


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _release_rows(catalog: Mapping[str, Any], manifests: Mapping[str, Mapping[str, Any]]) -> str:
    rows = []
    for entry in catalog["releases"]:
        version = entry["version"]
        counts = entry["row_counts"]
        files = "".join(
            f'<tr><td><a href="{_esc(version)}/{_esc(f["path"])}">{_esc(f["path"])}</a></td>'
            f'<td class="num">{_size(f["bytes"])}</td><td><code>{_esc(f["sha256"])}</code></td></tr>'
            for f in manifests[version].get("files", [])
        )
        latest = ' <span class="tag">latest</span>' if version == catalog.get("latest") else ""
        rows.append(
            f'<tr class="release" id="release-{_esc(version)}"><td><strong>{_esc(version)}</strong>{latest}</td>'
            f"<td>{_esc(entry['created_at'])}</td><td>{_esc(entry['schema_version'])}</td>"
            f'<td class="num">{counts.get("events", "")}</td><td class="num">{counts.get("statements", "")}</td>'
            f'<td class="num">{_size(entry["bytes"])}</td>'
            f'<td><a href="{_esc(version)}/{MANIFEST_FILE}">manifest</a> <code title="SHA-256 of manifest.json">'
            f'{_esc(entry["manifest_sha256"][:16])}…</code></td>'
            f'<td><a href="{_esc(version)}/newsevents.duckdb">newsevents.duckdb</a> · '
            f'<a href="{_esc(version)}/README.md">data card</a> · <a href="{_esc(version)}/CHANGES.md">changes</a> · '
            f'<a href="{_esc(version)}/datapackage.json">datapackage.json</a></td></tr>'
            f'<tr class="files"><td colspan="8"><details><summary>{len(manifests[version].get("files", []))} files '
            f"with SHA-256</summary><table><tr><th>File</th><th>Size</th><th>SHA-256</th></tr>{files}</table>"
            "</details></td></tr>"
        )
    return "".join(rows)


def _dictionary(tables: Mapping[str, Table]) -> str:
    sections = []
    for name, table in tables.items():
        rows = "".join(
            f"<tr><td><code>{_esc(c.name)}</code>{' (key)' if c.name in table.primary_key else ''}</td>"
            f"<td>{_esc(DUCKDB_TYPES[c.type])}</td><td>{'yes' if c.nullable else 'no'}</td>"
            f"<td>{_esc(column_constraints(c).replace('`', ''))}</td><td>{_esc(c.description)}</td></tr>"
            for c in table.columns
        )
        sections.append(
            f'<section class="table-doc" id="table-{_esc(name)}"><h3>{_esc(name)}</h3><p>{_esc(table.description)}</p>'
            "<table><tr><th>Column</th><th>Type</th><th>Nullable</th><th>Allowed values</th><th>Description</th></tr>"
            f"{rows}</table></section>"
        )
    return "".join(sections)


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#f4f4f4}.num{text-align:right}code{font-size:.9em}pre{background:#f6f8fa;padding:.8em;overflow:auto}
.tag{background:#2ca02c;color:#fff;border-radius:3px;padding:0 .4em;font-size:.8em}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.8em;font-size:.85em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
"""


def render_index(
    catalog: Mapping[str, Any],
    manifests: Mapping[str, Mapping[str, Any]],
    *,
    tables: Mapping[str, Table],
    weekly: pd.DataFrame,
    example_queries: Mapping[str, str],
) -> str:
    """The catalog page: one self-contained HTML file (inline CSS and SVG, no scripts)."""
    latest = catalog.get("latest")
    counts = manifests[latest].get("row_counts", {}) if latest else {}
    count_rows = "".join(f'<tr><td>{_esc(n)}</td><td class="num">{c}</td></tr>' for n, c in counts.items())
    event_types = list(tables["events"].column("event_type").allowed_values or ())
    queries = "".join(
        f'<section class="query"><h3>{_esc(name)}</h3><pre><code>{_esc(sql.strip())}</code></pre></section>'
        for name, sql in example_queries.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>newsevents releases</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>newsevents releases</h1>
<p>Events and statements extracted from news text, published as immutable, versioned releases of
Parquet files and a DuckDB database. Cite a release by its version. Machine-readable list:
<a href="{CATALOG_FILE}">{CATALOG_FILE}</a>; newest version: <a href="latest">latest</a>
(<strong id="latest-version">{_esc(latest or "none")}</strong>).</p>
<p>Download and verify a release: <code>newsevents download latest --from &lt;this folder's URL&gt; --to DIR</code>.
Query one in place: <code>newsevents query --from &lt;this folder's URL&gt; "SELECT …"</code>.</p>
<h2 id="releases">Releases</h2>
<table id="release-list"><tr><th>Version</th><th>Created (UTC)</th><th>Schema</th><th>Events</th><th>Statements</th>
<th>Size</th><th>Manifest (SHA-256)</th><th>Download</th></tr>{_release_rows(catalog, manifests)}</table>
<h2 id="counts">Rows in {_esc(latest or "—")}</h2>
<table id="row-counts"><tr><th>Table</th><th>Rows</th></tr>{count_rows}</table>
<h2 id="chart">Events per week by type ({_esc(latest or "—")})</h2>
<p>Events per ISO week (starting Monday) of <code>event_date</code>, once per document that reports them; undated events are not shown.</p>
{render_chart(weekly, event_types)}
<h2 id="dictionary">Data dictionary</h2>
{_dictionary(tables)}
<h2 id="queries">Example queries</h2>
<p>Each runs on every release before it is published.</p>
{queries}
</body></html>
"""


def _latest_queries(store: ReleaseStore, version: str | None, manifest: Mapping[str, Any] | None) -> dict[str, str]:
    if version is None or manifest is None:
        return {}
    names = [f["path"] for f in manifest.get("files", []) if f["path"].startswith("queries/") and f["path"].endswith(".sql")]
    return {name.split("/", 1)[1]: store.read_text(version, name) for name in sorted(names)}


def write_catalog(store: ReleaseStore, latest: str | None = None) -> dict[str, Any]:
    """Rebuild ``catalog.json`` and ``index.html`` from the releases in ``store``; return the catalog."""
    catalog, manifests = build_catalog(store, latest)
    newest = catalog["latest"]
    events = store.read_table(newest, "events") if newest else None
    weekly = events_per_week(events.select(["event_date", "event_type"]).to_pandas() if events is not None else None)
    page = render_index(
        catalog,
        manifests,
        tables=load_tables(),
        weekly=weekly,
        example_queries=_latest_queries(store, newest, manifests.get(newest) if newest else None),
    )
    store.write_atomic(CATALOG_FILE, (json.dumps(catalog, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    store.write_atomic(INDEX_FILE, page.encode("utf-8"))
    return catalog
