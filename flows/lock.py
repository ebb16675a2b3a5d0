"""One nightly run per workspace at a time, whatever started it (cron, a person, a backfill).

An OS file lock (``fcntl.flock``) on ``DATA_DIR/.nightly.lock``: released by the kernel if the
holder dies, so a crashed run never leaves the workspace locked. The file records who holds it,
for the message a refused run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flows.clock import utc_now


class RunInProgress(RuntimeError):
    """Another nightly run holds this workspace."""


@contextmanager
def workspace_lock(root: Path, wait_seconds: float = 0.0, poll_seconds: float = 0.5) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    path = root / ".nightly.lock"
    handle = open(path, "a+", encoding="utf-8")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise RunInProgress(
                        f"another nightly run is using {root} ({holder}). Wait for it to finish, or set "
                        "NEWSEVENTS_LOCK_WAIT_SECONDS to wait for it instead of exiting."
                    ) from None
                time.sleep(poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": utc_now().isoformat()}))
        handle.flush()
        yield
    finally:
        try:
            fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()
