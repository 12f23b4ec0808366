"""A lean HTTP/1.1 keep-alive client for the load generator.

httpx spends more CPU per request than the service answering it (its pool is quadratic in
queued requests), and on a two-core machine the generator's CPU is taken from the suite
under test. This client does only what the benchmark needs: JSON POST on a few persistent
connections, Content-Length bodies, no redirects, no TLS.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


class Connections:
    """`size` persistent connections to one origin, each used by one request at a time."""

    def __init__(self, base_url: str, size: int = 16):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(None)  # opened on first use

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return await self._send((f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                                 f"Content-Length: {len(payload)}\r\n{head}\r\n").encode() + payload)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return await self._send(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{head}\r\n".encode())

    async def _send(self, request: bytes) -> tuple[int, Any]:
        conn = await self.idle.get()
        try:
            if conn is not None:
                try:
                    return await self._exchange(conn, request)
                except (asyncio.IncompleteReadError, ConnectionError):
                    conn[1].close()  # the server closed it while idle (keep-alive timeout): once more, afresh
            conn = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(conn, request)
        except BaseException:
            if conn is not None:
                conn[1].close()
            conn = None
            raise
        finally:
            self.idle.put_nowait(conn)

    @staticmethod
    async def _exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes) -> tuple[int, Any]:
        reader, writer = conn
        writer.write(request)
        return await _read_response(reader)

    async def close(self) -> None:
        while not self.idle.empty():
            conn = self.idle.get_nowait()
            if conn is not None:
                conn[1].close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, Any]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding":
            raise HttpError("chunked responses are not expected from the suite")
    body = await reader.readexactly(length) if length else b""
    return status, json.loads(body) if body else None
