"""The whole suite as `make run` runs it: a real nats-server and five service processes."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from relief_shared.stack import Stack
from relief_shared.testing import service_violations


def _running(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """A started stack on free ports, stopped after; the logs' tails are printed if it fails to start."""
    running = Stack(data_dir, free_ports=True, extra_env=extra_env)
    try:
        running.start()
    except Exception:
        for log in sorted(running.data_dir.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        running.stop()
        raise
    yield running
    running.stop()
    refused = service_violations(running.data_dir / "nats.log")  # each service ran as its own user
    assert not refused, "the broker refused a service what it does:\n" + "\n".join(refused)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _running(Path(tmp_path_factory.mktemp("stack")), {"DISBURSEMENT_PAYMENT_POLL_SECONDS": "0.2"})


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack for one test alone, for tests that kill its processes; settings as `make run` has them."""
    yield from _running(tmp_path / "stack")
