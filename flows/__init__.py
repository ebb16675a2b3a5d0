"""Prefect flows and tasks: orchestration and I/O around the pure code in ``transforms``."""

import os

# Neither Prefect's local server nor Great Expectations may phone home: runs happen offline.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
