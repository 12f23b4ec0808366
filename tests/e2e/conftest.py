"""The whole suite as `make run` runs it: a real nats-server and five service processes."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from relief_shared.stack import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(Path(tmp_path_factory.mktemp("stack")), free_ports=True,
                    extra_env={"DISBURSEMENT_PAYMENT_POLL_SECONDS": "0.2"})
    try:
        running.start()
    except Exception:
        for log in sorted(running.data_dir.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        running.stop()
        raise
    yield running
    running.stop()
