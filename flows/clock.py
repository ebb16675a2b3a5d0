"""The pipeline's notion of "now", so that reproducible runs can pin it.

``SOURCE_DATE_EPOCH`` (the reproducible-builds convention, seconds since 1970) fixes every
timestamp the pipeline writes; without it, the wall clock in UTC.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone


def utc_now() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)
