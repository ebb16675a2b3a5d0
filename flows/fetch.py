"""Polite, careful HTTP fetching: timeouts, retries with backoff, conditional requests, a per-host
delay, a body size cap, robots.txt, an honest user agent, and no private addresses by default.

A fetch never raises for a bad URL or a bad server: it returns a ``FetchResult`` whose ``reason``
is a quarantine reason, so the run goes on and the failure is recorded.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlparse

import httpx

from flows.clock import utc_now
from flows.settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
KEPT_HEADERS = ("content-type", "content-length", "etag", "last-modified", "date", "server", "location",
                "content-language", "cache-control")


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    fetched_at: datetime | None = None
    reason: str | None = None  # a quarantine reason when the fetch failed
    detail: str = ""
    not_modified: bool = False  # 304: the copy in the raw store is current

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Validators:
    """What a previous response said, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


class Fetcher:
    """One HTTP client per run; remembers each host's robots.txt and last request time."""

    def __init__(self, settings: Settings, delay_seconds: float | None = None):
        self.settings = settings
        self.delay_seconds = settings.per_host_delay_seconds if delay_seconds is None else delay_seconds
        self.client = httpx.Client(
            timeout=settings.fetch_timeout_seconds, follow_redirects=False,
            headers={"User-Agent": settings.user_agent},
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last_request: dict[str, float] = {}
        self.requests_made = 0

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    # -- checks before any request ---------------------------------------------------------------

    def address_refusal(self, url: str) -> tuple[str, str] | None:
        """(reason, detail) when the URL must not be fetched: not http(s), or a private address."""
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            return "unsupported", f"only http(s) URLs are fetched, not {url!r}"
        host = parsed.hostname
        allowed = {h.lower() for h in self.settings.fetch_allowed_hosts}
        if host.lower() in allowed:
            return None
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, parsed.port or 80, proto=socket.IPPROTO_TCP)}
        except (socket.gaierror, UnicodeError) as error:
            return "fetch_error", f"cannot resolve {host}: {error}"
        for address in sorted(addresses):
            if address.split("%")[0] not in allowed and not is_public_address(address.split("%")[0]):
                return "private_address", f"{host} resolves to {address}, a private, loopback or link-local address"
        return None

    def _wait_for_host(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = self.delay_seconds - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        self._last_request[host] = time.monotonic()

    def robots_allow(self, url: str) -> bool:
        """robots.txt of the URL's origin, fetched once per run: 4xx means no rules, a server error
        or an unreachable robots.txt means stay away (RFC 9309)."""
        parsed = urlparse(url)
        origin = f"{parsed.scheme}://{parsed.netloc}"
        if origin not in self._robots:
            robots_url = origin + "/robots.txt"
            result = self._request(robots_url, Validators(), retries=1)
            parser = urllib.robotparser.RobotFileParser(robots_url)
            if result.ok and result.body is not None:
                parser.parse(result.body.decode("utf-8", "replace").splitlines())
            elif result.status is not None and 400 <= result.status < 500:
                parser.parse([])
            else:
                parser.disallow_all = True
            self._robots[origin] = parser
        return self._robots[origin].can_fetch(self.settings.user_agent, url)

    # -- requests ------------------------------------------------------------------------------

    def fetch(self, url: str, validators: Validators = Validators()) -> FetchResult:
        """GET a URL with every check: address, robots.txt, politeness, retries, size cap."""
        refusal = self.address_refusal(url)
        if refusal:
            return FetchResult(url, url, reason=refusal[0], detail=refusal[1], fetched_at=utc_now())
        if not self.robots_allow(url):
            return FetchResult(url, url, reason="robots_disallowed",
                               detail="robots.txt disallows this URL for our user agent", fetched_at=utc_now())
        return self._request(url, validators, retries=self.settings.fetch_retries)

    def _request(self, url: str, validators: Validators, retries: int) -> FetchResult:
        """GET with redirects followed by hand (each hop is checked), retries and backoff."""
        attempt = 0
        while True:
            result = self._follow(url, validators)
            retryable = result.reason == "timeout" or (result.status in RETRY_STATUSES)
            if not retryable or attempt >= retries:
                return result
            time.sleep(self.settings.fetch_backoff_seconds * (2 ** attempt))
            attempt += 1

    def _follow(self, url: str, validators: Validators) -> FetchResult:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if current != url:
                refusal = self.address_refusal(current)
                if refusal:
                    return FetchResult(url, current, reason=refusal[0], detail=f"redirected: {refusal[1]}",
                                       fetched_at=utc_now())
            result = self._get_once(url, current, validators)
            if result.status in (301, 302, 303, 307, 308) and result.headers.get("location"):
                current = urljoin(current, result.headers["location"])
                continue
            return result
        return FetchResult(url, current, reason="http_error", detail=f"more than {MAX_REDIRECTS} redirects",
                           fetched_at=utc_now())

    def _get_once(self, url: str, current: str, validators: Validators) -> FetchResult:
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        self._wait_for_host(urlparse(current).netloc)
        self.requests_made += 1
        cap = self.settings.max_fetch_bytes
        fetched_at = utc_now()
        try:
            with self.client.stream("GET", current, headers=headers) as response:
                kept = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
                result = FetchResult(url, str(response.url), status=response.status_code, headers=kept,
                                     fetched_at=fetched_at)
                if response.status_code == 304:
                    result.not_modified = True
                    return result
                if response.is_redirect:
                    return result
                if response.status_code >= 400:
                    result.reason, result.detail = "http_error", f"HTTP {response.status_code} {response.reason_phrase}"
                    return result
                declared = int(response.headers.get("content-length") or 0)
                if declared > cap:
                    result.reason, result.detail = "too_large", f"Content-Length {declared} is over the {cap}-byte cap"
                    return result
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        result.reason, result.detail = "too_large", f"body passed the {cap}-byte cap; download stopped"
                        return result
                    chunks.append(chunk)
                result.body = b"".join(chunks)
                return result
        except httpx.TimeoutException as error:
            return FetchResult(url, current, reason="timeout", fetched_at=fetched_at,
                               detail=f"no answer within {self.settings.fetch_timeout_seconds} s ({type(error).__name__})")
        except httpx.HTTPError as error:
            return FetchResult(url, current, reason="fetch_error", fetched_at=fetched_at,
                               detail=f"{type(error).__name__}: {error}")
