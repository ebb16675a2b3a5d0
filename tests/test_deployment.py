"""The nightly deployment against a real Prefect server on 127.0.0.1: schedule, trigger, artifacts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PROJECT_ROOT, SEED_DIR

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    raise TimeoutError(f"timed out waiting for {what}")


@pytest.fixture
def prefect_server(tmp_path):
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_UI_ENABLED": "false"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def healthy():
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait_until(healthy, 120, "the Prefect server")
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_served_nightly_deployment_runs_on_schedule_and_on_demand(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}):
        _serve_and_run(prefect_server, tmp_path)


def _serve_and_run(prefect_server: dict, tmp_path: Path) -> None:
    data_dir = tmp_path / "ws"
    serve = subprocess.Popen(
        [str(Path(sys.executable).parent / "newsevents"), "serve", "--data-dir", str(data_dir)],
        env=prefect_server, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        from prefect.client.orchestration import get_client
        from prefect.deployments import run_deployment

        def deployment():
            with get_client(sync_client=True) as client:
                try:
                    return client.read_deployment_by_name("nightly/nightly")
                except Exception:
                    return None

        found = _wait_until(deployment, 120, "the served deployment")
        [schedule] = found.schedules
        assert schedule.schedule.cron == "0 2 * * *"
        assert schedule.schedule.timezone == "UTC"
        assert schedule.active

        run = run_deployment("nightly/nightly", parameters={"sources": [str(SEED_DIR)], "data_dir": str(data_dir)},
                             timeout=600)
        assert run.state is not None and run.state.is_completed(), run.state
        with get_client(sync_client=True) as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
        assert {a.key for a in artifacts} >= {"nightly-summary", "nightly-row-counts"}
        assert (data_dir / "releases" / "latest").exists()
    finally:
        serve.terminate()
        serve.wait(timeout=60)
