"""Feeds and web pages from a real HTTP server on 127.0.0.1: what is ingested, what is
quarantined and why, and what a second night downloads again (nothing it already has)."""

from __future__ import annotations

import pytest

from flows.settings import Settings
from flows.sources import Source
from flows.workspace import Workspace
from tests.news_fixtures import NewsServer, Route, article_html, article_text, atom, rss

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
GERMAN = ("Die Regierung hat am Montag neue Regeln für den Verkehr in der Stadt beschlossen, "
          "und die Bürger sollen sich daran halten. ") * 12


def web_settings(tmp_path, **overrides) -> Settings:
    values = dict(data_dir=tmp_path / "ws", fetch_allowed_hosts=["127.0.0.1"], fetch_timeout_seconds=0.5,
                  fetch_retries=1, fetch_backoff_seconds=0.01, per_host_delay_seconds=0.0,
                  max_fetch_bytes=100_000)
    values.update(overrides)
    return Settings(**values)


def ingest(sources: list[Source], settings: Settings):
    from flows.ingest import ingest_sources

    return ingest_sources(sources, Workspace(settings.data_dir).ensure(), settings)


@pytest.fixture
def news_site():
    with NewsServer() as server:
        pages = {f"/articles/a{i}.html": article_html(f"Story {i}", article_text(i)) for i in (1, 2, 3)}
        for path, html in pages.items():
            server.routes[path] = Route(body=html.encode())
        server.routes["/robots.txt"] = Route(body=ROBOTS, content_type="text/plain")
        server.routes["/private/secret.html"] = Route(body=article_html("Secret", article_text(9)).encode())
        server.routes["/flaky.html"] = Route(body=article_html("Flaky", article_text(4)).encode(), fail_first=1)
        server.routes["/slow.html"] = Route(body=article_html("Slow", article_text(5)).encode(), delay=1.5)
        server.routes["/big.html"] = Route(body=article_html("Big", article_text(6) * 60).encode())
        server.routes["/articles/german.html"] = Route(body=article_html("Verkehr", GERMAN, lang="de").encode())
        server.routes["/rss.xml"] = Route(
            body=rss([("One", "/articles/a1.html"), ("Two", "/articles/a2.html"), ("Gone", "/missing.html"),
                      ("Flaky", "/flaky.html"), ("Slow", "/slow.html"), ("Big", "/big.html"),
                      ("Secret", "/private/secret.html"), ("German", "/articles/german.html"),
                      ("Intranet", "http://10.0.0.1/internal.html"),
                      ("Metadata", "http://169.254.169.254/latest/meta-data")], server.base),
            content_type="application/rss+xml", headers={"ETag": '"rss-v1"'})
        server.routes["/atom.xml"] = Route(
            body=atom([("Three", "/articles/a3.html"), ("One again", "/articles/a1.html?utm_source=atom")], server.base),
            content_type="application/atom+xml", headers={"ETag": '"atom-v1"'})
        server.routes["/broken.xml"] = Route(body=b"<rss><channel><item><title>cut off", content_type="application/rss+xml")
        yield server


def sources_of(server: NewsServer) -> list[Source]:
    return [Source("rss", "feed", server.url("/rss.xml")), Source("atom", "feed", server.url("/atom.xml")),
            Source("broken", "feed", server.url("/broken.xml"))]


def test_feeds_ingest_articles_and_quarantine_each_failure_with_its_reason(prefect_harness, tmp_path, news_site):
    settings = web_settings(tmp_path)
    result = ingest(sources_of(news_site), settings)
    base = news_site.base
    assert sorted(d.source_uri for d in result.documents) == [
        f"{base}/articles/a1.html", f"{base}/articles/a2.html", f"{base}/articles/a3.html", f"{base}/flaky.html"]
    assert {(q["source_uri"], q["reason"]) for q in result.quarantine} == {
        (f"{base}/missing.html", "http_error"),
        (f"{base}/slow.html", "timeout"),
        (f"{base}/big.html", "too_large"),
        (f"{base}/private/secret.html", "robots_disallowed"),
        (f"{base}/articles/german.html", "not_english"),
        ("http://10.0.0.1/internal.html", "private_address"),
        ("http://169.254.169.254/latest/meta-data", "private_address"),
        (f"{base}/broken.xml", "malformed_feed"),
    }
    # The same page again under a tracking parameter is recorded as a duplicate of the first.
    [duplicate] = result.duplicates
    first = next(d for d in result.documents if d.source_uri.endswith("/a1.html"))
    assert duplicate["source_uri"] == f"{base}/articles/a1.html?utm_source=atom"
    assert duplicate["duplicate_of"] == first.doc_id
    # Feed metadata fills in what the page leaves out; the page's own title wins.
    assert first.title == "Story 1" and first.published_at is not None
    # The 500 recovered on retry; the slow page was tried twice, then given up.
    assert news_site.hits["/flaky.html"] == 2 and news_site.hits["/slow.html"] == 2
    assert news_site.hits["/robots.txt"] == 1 * 3  # once per source and host
    assert all(h.get("user-agent") == settings.user_agent for _, h, _ in news_site.log)


def test_a_second_night_downloads_nothing_it_already_has(prefect_harness, tmp_path, news_site):
    settings = web_settings(tmp_path)
    first = ingest(sources_of(news_site), settings)
    article_hits = {p: n for p, n in news_site.hits.items() if p.startswith("/articles/")}
    second = ingest(sources_of(news_site), settings)
    assert {p: n for p, n in news_site.hits.items() if p.startswith("/articles/")} == article_hits
    # The feeds are asked for conditionally and answer 304 Not Modified.
    assert [s for _, s in news_site.requests_to("/rss.xml")] == [200, 304]
    assert news_site.requests_to("/rss.xml")[1][0]["if-none-match"] == '"rss-v1"'
    # No normalise stage ran, so no document is in the ledger yet: they are offered again, from
    # the raw store (a run that dies before the ledger loses nothing); the duplicate is not.
    assert [d.doc_id for d in second.documents] == [d.doc_id for d in first.documents]
    assert second.duplicates == []
    # Forced, the pages are downloaded again.
    ingest(sources_of(news_site), web_settings(tmp_path, force_fetch=True))
    assert news_site.hits["/articles/a2.html"] == article_hits["/articles/a2.html"] + 1


def test_raw_store_keeps_fetch_metadata_for_every_payload(prefect_harness, tmp_path, news_site):
    from flows.ingest import read_payload_index

    settings = web_settings(tmp_path)
    ingest(sources_of(news_site), settings)
    workspace = Workspace(settings.data_dir)
    index = read_payload_index(workspace)
    stored = index[index["sha256"].notna()]
    assert all(workspace.raw_path(sha).exists() for sha in stored["sha256"])
    page = stored[stored["location"] == news_site.url("/articles/a2.html")].iloc[0]
    assert page["status"] == 200 and "text/html" in page["headers"] and page["fetched_at"] is not None
    assert page["outcome"] == "document" and page["url"] == news_site.url("/articles/a2.html")
    feed = stored[stored["location"] == news_site.url("/rss.xml")].iloc[0]
    assert '"etag": "\\"rss-v1\\""' in feed["headers"]


def test_a_link_to_a_private_address_is_refused_by_default(prefect_harness, tmp_path):
    from flows.fetch import Fetcher

    with Fetcher(Settings(data_dir=tmp_path)) as fetcher:
        for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/a", "http://192.168.0.1/", "http://169.254.169.254/",
                    "http://[::1]/", "ftp://example.org/file", "file:///etc/passwd"):
            result = fetcher.fetch(url)
            assert result.reason in ("private_address", "unsupported"), url
        assert fetcher.requests_made == 0


def test_a_list_of_urls_is_fetched_page_by_page(prefect_harness, tmp_path, news_site):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# today\n{news_site.url('/articles/a2.html')}\n\n{news_site.url('/missing.html')}  # gone\n")
    result = ingest([Source("list", "urls", str(listing))], web_settings(tmp_path))
    assert [d.source_uri for d in result.documents] == [news_site.url("/articles/a2.html")]
    assert [(q["source_uri"], q["reason"]) for q in result.quarantine] == [(news_site.url("/missing.html"), "http_error")]
