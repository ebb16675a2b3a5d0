"""The fetcher against a real HTTP server on 127.0.0.1: politeness, limits, retries, refusals."""

from __future__ import annotations

import time

import pytest

from flows.fetch import Fetcher, Validators
from flows.settings import Settings
from tests.news_fixtures import NewsServer, Route


def settings(tmp_path, **overrides) -> Settings:
    values = dict(data_dir=tmp_path, fetch_allowed_hosts=["127.0.0.1"], fetch_timeout_seconds=1.0, fetch_retries=2,
                  fetch_backoff_seconds=0.01, per_host_delay_seconds=0.0, max_fetch_bytes=10_000)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def server():
    with NewsServer() as server:
        server.routes["/robots.txt"] = Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        server.routes["/page"] = Route(body=b"<html>page</html>", headers={"Last-Modified": "Mon, 04 Mar 2024 08:00:00 GMT"})
        yield server


def test_requests_to_one_host_are_spaced_by_the_per_host_delay(tmp_path, server):
    with Fetcher(settings(tmp_path, per_host_delay_seconds=0.3)) as fetcher:
        started = time.monotonic()
        for _ in range(3):
            assert fetcher.fetch(server.url("/page")).ok
        assert time.monotonic() - started >= 0.6


def test_a_body_without_content_length_is_cut_off_at_the_cap(tmp_path, server):
    server.routes["/endless"] = Route(body=b"x" * 50_000, send_length=False)
    with Fetcher(settings(tmp_path)) as fetcher:
        result = fetcher.fetch(server.url("/endless"))
    assert result.reason == "too_large" and result.body is None


def test_server_errors_are_retried_then_quarantined(tmp_path, server):
    server.routes["/down"] = Route(status=503, body=b"down")
    with Fetcher(settings(tmp_path)) as fetcher:
        result = fetcher.fetch(server.url("/down"))
    assert (result.reason, result.status, server.hits["/down"]) == ("http_error", 503, 3)


def test_a_client_error_is_not_retried(tmp_path, server):
    with Fetcher(settings(tmp_path)) as fetcher:
        result = fetcher.fetch(server.url("/nowhere"))
    assert (result.reason, server.hits["/nowhere"]) == ("http_error", 1)


def test_last_modified_makes_the_next_request_conditional(tmp_path, server):
    with Fetcher(settings(tmp_path)) as fetcher:
        first = fetcher.fetch(server.url("/page"))
        again = fetcher.fetch(server.url("/page"), Validators(last_modified=first.headers["last-modified"]))
    assert first.body == b"<html>page</html>" and again.not_modified and again.body is None


def test_a_redirect_to_a_private_address_is_refused(tmp_path, server):
    server.routes["/jump"] = Route(status=302, headers={"Location": "http://192.168.1.1/admin"})
    with Fetcher(settings(tmp_path)) as fetcher:
        result = fetcher.fetch(server.url("/jump"))
    assert result.reason == "private_address" and "192.168.1.1" in result.detail


def test_a_failing_robots_txt_means_stay_away(tmp_path, server):
    server.routes["/robots.txt"] = Route(status=500, body=b"oops")
    with Fetcher(settings(tmp_path)) as fetcher:
        result = fetcher.fetch(server.url("/page"))
    assert result.reason == "robots_disallowed" and "/page" not in server.hits


def test_robots_txt_rules_for_our_user_agent_are_honoured(tmp_path, server):
    server.routes["/robots.txt"] = Route(body=b"User-agent: newsevents\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
                                         content_type="text/plain")
    with Fetcher(settings(tmp_path)) as fetcher:
        assert fetcher.fetch(server.url("/page")).reason == "robots_disallowed"
