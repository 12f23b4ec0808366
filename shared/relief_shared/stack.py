"""The embedded suite: a real nats-server and the five services as processes, on one machine.

`python -m relief_shared.stack` is what `make run` starts: SQLite files under ./data, NATS on
14222, services on 8001-8005; Ctrl-C stops everything. The end-to-end tests, the demo and the
benchmark drive the same class on free ports, so what they prove is what `make run` runs.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from relief_shared import broker
from relief_shared.db import sqlite_url
from relief_shared.embedded import NatsServer, free_port
from relief_shared.migrate import upgrade
from relief_shared.settings import EMBEDDED_NATS_PORT


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    package: str
    env_prefix: str
    default_port: int


SERVICES = (
    ServiceInfo("eligibility", "eligibility", "ELIGIBILITY_", 8001),
    ServiceInfo("benefit-calc", "benefit_calc", "BENEFIT_CALC_", 8002),
    ServiceInfo("approval", "approval", "APPROVAL_", 8003),
    ServiceInfo("means-check", "means_check", "MEANS_CHECK_", 8004),
    ServiceInfo("disbursement", "disbursement", "DISBURSEMENT_", 8005),
)


class Stack:
    def __init__(self, data_dir: Path, *, nats_port: int | None = None, free_ports: bool = False,
                 extra_env: dict[str, str] | None = None, extra_nats_users: Iterable[broker.User] = ()):
        self.data_dir = Path(data_dir).resolve()
        # NATS with the suite's users (relief_shared.broker) and their development passwords; each
        # service connects as itself (its settings' default), partners as partner-<department>.
        self.nats = NatsServer(self.data_dir / "nats", nats_port or free_port(), self.data_dir / "nats.log",
                               extra_users=extra_nats_users)
        self.ports = {s.name: (free_port() if free_ports else s.default_port) for s in SERVICES}
        self.extra_env = extra_env or {}
        self._procs: dict[str, subprocess.Popen] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def database_url(self, service: ServiceInfo) -> str:
        return sqlite_url(self.data_dir / f"{service.name}.sqlite")

    def start(self) -> Stack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.nats.start()
        for service in SERVICES:
            upgrade(service.package, self.database_url(service))
        for service in SERVICES:
            self.start_service(service.name)
        for service in SERVICES:
            self.wait_ready(service.name)
        return self

    def _env(self, service: ServiceInfo) -> dict[str, str]:
        p = service.env_prefix
        return {**os.environ, f"{p}DATA_DIR": str(self.data_dir), f"{p}DATABASE_URL": self.database_url(service),
                f"{p}NATS_URL": self.nats.url, f"{p}DISBURSEMENT_URL": self.url("disbursement"), **self.extra_env}

    def start_service(self, name: str) -> None:
        service = next(s for s in SERVICES if s.name == name)
        log = open(self.data_dir / f"{name}.log", "ab")
        self._procs[name] = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"{service.package}.main:app", "--host", "127.0.0.1",
             "--port", str(self.ports[name]), "--log-level", "warning", "--no-access-log"],
            env=self._env(service), stdout=log, stderr=log,
        )

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.data_dir / (name + '.log')}")
            try:
                with urllib.request.urlopen(self.url(name) + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{name} not ready after {timeout}s; see {self.data_dir / (name + '.log')}")

    def kill_service(self, name: str) -> None:
        """SIGKILL: the process dies wherever it is, as a crash would."""
        proc = self._procs.pop(name)
        proc.kill()
        proc.wait()

    def stop(self) -> None:
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self._procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs.clear()
        self.nats.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the relief suite on this machine.")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--nats-port", type=int, default=EMBEDDED_NATS_PORT)
    args = parser.parse_args()
    stack = Stack(Path(args.data_dir), nats_port=args.nats_port)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    print(f"starting NATS (JetStream) on {stack.nats.url} and five services; data in {stack.data_dir}", flush=True)
    try:
        stack.start()
        for service in SERVICES:
            print(f"  {service.name:<13} {stack.url(service.name)}   docs: {stack.url(service.name)}/docs", flush=True)
        print(f"NATS users (development passwords dev-<user>): one per service, partner-<department>, ops; "
              f"see {stack.nats.config_file}", flush=True)
        print(f"logs: {stack.data_dir}/*.log — Ctrl-C stops everything", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stack.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
