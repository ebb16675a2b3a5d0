"""A real static file server on 127.0.0.1 that honours HTTP Range requests, for release tests.

Python's ``http.server`` ignores ``Range``; DuckDB and fsspec need it to read Parquet in place
and ``newsevents download`` needs it to resume. The server records every request, and can be
told to cut the connection part-way through a file, to simulate an interrupted download.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass
class ServerLog:
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, path, Range header) of every request."""
    cut_after: dict[str, int] = field(default_factory=dict)
    """Path -> bytes after which the next full GET of it is cut off (once)."""
    bytes_sent: int = 0


class RangeRequestHandler(SimpleHTTPRequestHandler):
    log: ServerLog

    def __init__(self, *args, log: ServerLog, **kwargs) -> None:
        self.log = log
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass

    def do_HEAD(self) -> None:
        self.log.requests.append(("HEAD", self.path, self.headers.get("Range")))
        super().do_HEAD()

    def do_GET(self) -> None:
        header = self.headers.get("Range")
        self.log.requests.append(("GET", self.path, header))
        path = Path(self.translate_path(self.path))
        match = RANGE.match(header or "")
        if not path.is_file() or (header is None and self.path not in self.log.cut_after) or not (match or header is None):
            return super().do_GET()
        size = path.stat().st_size
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            if start >= size:
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            start, end = 0, size - 1
            self.send_response(200)
        length = end - start + 1
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(length)
        cut = self.log.cut_after.pop(self.path, None) if not match else None
        if cut is not None:
            self.wfile.write(data[:cut])
            self.log.bytes_sent += cut
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)
        self.log.bytes_sent += len(data)

    def end_headers(self) -> None:
        if "Accept-Ranges" not in "".join(h.decode("latin-1") for h in getattr(self, "_headers_buffer", [])):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


@contextmanager
def serve_directory(root: Path) -> Iterator[tuple[str, ServerLog]]:
    """Serve ``root`` on an ephemeral 127.0.0.1 port; yields (base URL, request log)."""
    log = ServerLog()
    handler = partial(RangeRequestHandler, directory=os.fspath(root), log=log)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
