"""Invented news for ingestion tests: article texts and pages, and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUBJECTS = ["The city council", "A spokesman for the ministry", "The regional governor", "Local residents",
            "The transport union", "Officials at the port", "The health agency", "Farmers in the valley",
            "The opposition party", "Police in the capital", "A group of teachers", "The water board"]
VERBS = ["said on Monday that", "announced on Tuesday that", "warned on Friday that", "told reporters that",
         "confirmed in a statement that", "argued at a meeting that"]
CLAIMS = ["the new bridge would open to traffic in {n} weeks", "{n} families had been moved from the flooded district",
          "the budget for the schools would rise by {n} percent", "the strike at the depot would last {n} days",
          "{n} new buses had been ordered for the northern routes", "the harvest was {n} percent smaller than last year",
          "the clinic had treated {n} patients since the storm", "talks with the contractors had failed after {n} hours",
          "the market would close for {n} days of repairs", "{n} workers had joined the protest at the mill"]
TAILS = ["and that more details would follow", "but that the plan still needed approval",
         "as the weather was expected to improve", "while critics said it was not enough",
         "because the old system had broken down", "after a long debate in the chamber"]


def article_text(seed: int, paragraphs: int = 6) -> str:
    """A distinct, plain English article of a few hundred words (seeded, so reproducible)."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(3):
            claim = rng.choice(CLAIMS).format(n=rng.randint(2, 999))
            sentences.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {claim}, {rng.choice(TAILS)}.")
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def article_html(title: str, text: str, lang: str = "en", boilerplate: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title>'
        f'<meta name="author" content="Staff reporter"></head><body>'
        f'<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{title}</h1>{paragraphs}</article>{boilerplate}"
        f"<footer>Copyright Example News. All rights reserved.</footer></body></html>"
    )


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fail_first: int = 0  # answer 500 to the first N requests, then normally
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes


class NewsServer:
    """A threaded HTTP server on an ephemeral port of 127.0.0.1 that logs every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str], int]] = []  # path, request headers, status sent
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                route = server.routes.get(self.path.split("?")[0])
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body, extra = 404, b"not found", {}
                if route is not None:
                    time.sleep(route.delay)
                    status, body, extra = route.status, route.body, dict(route.headers)
                    if server.hits[self.path] <= route.fail_first:
                        status, body, extra = 500, b"server error", {}
                    etag = route.headers.get("ETag")
                    if status == 200 and etag and headers.get("if-none-match") == etag:
                        status, body = 304, b""
                    modified = route.headers.get("Last-Modified")
                    if status == 200 and modified and headers.get("if-modified-since") == modified:
                        status, body = 304, b""
                server.log.append((self.path, headers, status))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", route.content_type if route else "text/plain")
                    if route is None or route.send_length:
                        self.send_header("Content-Length", str(len(body)))
                    else:
                        self.close_connection = True
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests_to(self, path: str) -> list[tuple[dict[str, str], int]]:
        return [(h, s) for p, h, s in self.log if p == path]

    def __enter__(self) -> "NewsServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(items: list[tuple[str, str]], base: str) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link if link.startswith('http') else base + link}</link>"
        f"<pubDate>Mon, 04 Mar 2024 08:00:00 GMT</pubDate></item>"
        for title, link in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>'
            f"<link>{base}/</link><description>Invented news</description>{entries}</channel></rss>").encode()


def atom(items: list[tuple[str, str]], base: str) -> bytes:
    entries = "".join(
        f"<entry><title>{title}</title><link href=\"{base + link}\"/><id>{base + link}</id>"
        f"<updated>2024-03-05T09:00:00Z</updated><author><name>Desk</name></author></entry>"
        for title, link in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Example Atom</title><id>{base}/atom</id><updated>2024-03-05T09:00:00Z</updated>"
            f"{entries}</feed>").encode()




@dataclass(frozen=True)
class WarcCounts:
    articles: int
    images: int
    requests: int
    not_found: int

    @property
    def records(self) -> int:
        return 1 + self.articles + self.images + self.requests + self.not_found  # + warcinfo


def write_warc(path, counts: WarcCounts, broken: bool = True, first_seed: int = 1000) -> None:
    """A gzipped WARC: HTML article responses, JPEG responses, request records, 404 responses, and
    (when ``broken``) a last record cut off in the middle of its gzip member."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsevents tests"}))
        for i in range(counts.articles):
            html = article_html(f"Report {i}", article_text(first_seed + i)).encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/a/{i}", "response", payload=io.BytesIO(html), http_headers=headers))
        for i in range(counts.images):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/img/{i}.jpg", "response", payload=io.BytesIO(b"\xff\xd8\xff" + bytes(500)),
                http_headers=headers))
        for i in range(counts.requests):
            headers = StatusAndHeaders(f"GET /a/{i} HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/a/{i}", "request", payload=io.BytesIO(b""), http_headers=headers))
        for i in range(counts.not_found):
            headers = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://news.example.org/gone/{i}", "response", payload=io.BytesIO(b"<html>gone</html>"),
                http_headers=headers))
    if broken:
        member = io.BytesIO()
        writer = WARCWriter(member, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://news.example.org/cut", "response",
            payload=io.BytesIO(article_html("Cut", article_text(7)).encode()), http_headers=headers))
        data = member.getvalue()
        with open(path, "ab") as out:
            out.write(data[: len(data) // 2])
