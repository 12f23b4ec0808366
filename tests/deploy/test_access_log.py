"""Each service started exactly as its Dockerfile's CMD starts it: the access log is on, and a
query string with an ID number never reaches it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from relief_shared.db import sqlite_url
from relief_shared.embedded import free_port
from relief_shared.stack import SERVICES, ServiceInfo
from relief_shared.testing import eventually, migrated

REPO_ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "210902198001011236"


def dockerfile_command(service: ServiceInfo, port: int) -> list[str]:
    """The Dockerfile's CMD, on a free local port instead of the container's."""
    dockerfile = REPO_ROOT / "services" / service.name / "Dockerfile"
    cmd = json.loads(next(line for line in dockerfile.read_text().splitlines() if line.startswith("CMD "))[4:])
    assert cmd[0] == "uvicorn", cmd
    cmd = [{"0.0.0.0": "127.0.0.1", str(service.default_port): str(port)}.get(arg, arg) for arg in cmd[1:]]
    return [sys.executable, "-m", "uvicorn", *cmd]


def access_lines(log: Path) -> list[str]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [line["message"] for line in lines if line["logger"] == "uvicorn.access"]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_the_access_log_names_the_path_but_never_the_query(service: ServiceInfo, tmp_path: Path,
                                                                 nats_server) -> None:  # noqa: ANN001
    port, log, prefix = free_port(), tmp_path / "service.log", service.env_prefix
    database = await migrated(service.package, sqlite_url(tmp_path / "service.sqlite"))
    env = {**os.environ, f"{prefix}DATABASE_URL": database, f"{prefix}NATS_URL": nats_server.url}
    with open(log, "wb") as out:
        process = subprocess.Popen(dockerfile_command(service, port), cwd=REPO_ROOT / "services" / service.name,
                                   env=env, stdout=out, stderr=out)
    try:
        async def up() -> bool:
            assert process.poll() is None, log.read_text()
            return get(f"http://127.0.0.1:{port}/healthz") == 200

        await eventually(up, timeout=30, message=f"{service.name} up")
        get(f"http://127.0.0.1:{port}/v1/ledger/paid-this-year?id_number={ID_NUMBER}&year=2026")
        get(f"http://127.0.0.1:{port}/healthz?id_number={ID_NUMBER}")

        async def logged() -> list[str]:
            lines = access_lines(log)
            return lines if sum('"GET /healthz HTTP/1.1" 200' in line for line in lines) >= 2 else []

        lines = await eventually(logged, message="both requests in the access log")
        assert any('"GET /v1/ledger/paid-this-year HTTP/1.1"' in line for line in lines), lines
        assert ID_NUMBER not in log.read_text()
    finally:
        process.terminate()
        process.wait(10)
