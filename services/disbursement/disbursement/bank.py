"""The bank, which is the outside world: a protocol and a simulator that behaves like one.

The simulator keeps its own ledger in its own SQLite file, so it outlives our process the way
a real bank does, and it is idempotent on `reference`: a transfer whose reference it has seen
returns the first receipt and books nothing. That is what makes retrying with the same
reference safe. Its behaviour is steered per call, for tests and demos:

- `succeed` books and replies; `fail` refuses (account closed: not retryable) and replies;
- `timeout` books nothing and raises `BankTimeout`;
- `lost_reply` books, then raises `BankTimeout`: the money moved but we were not told;
- `hang` / `book_then_hang` never reply (before / after booking), as when our process dies
  mid-call or the caller's own timeout has to give up.

The ledger is written on one connection in the caller's loop: a booking is a few
microseconds of SQLite, cheaper than handing it to a thread.
"""
from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Protocol, get_args

from relief_shared.money import Money

BankMode = Literal["succeed", "fail", "timeout", "lost_reply", "hang", "book_then_hang"]
MODES: tuple[str, ...] = get_args(BankMode)
REFUSAL = "account closed (销户): the bank refuses the transfer"


class BankTimeout(Exception):
    """No answer: the transfer may or may not have been booked."""


@dataclass(frozen=True)
class BankReceipt:
    reference: str
    transaction_id: str
    outcome: Literal["booked", "refused"]
    amount: Money
    at: datetime
    reason: str | None = None

    @property
    def booked(self) -> bool:
        return self.outcome == "booked"


class Bank(Protocol):
    async def transfer(self, reference: str, amount: Money, payee_name: str, payee_id_number: str) -> BankReceipt: ...

    async def status(self, reference: str) -> BankReceipt | None: ...


_SCHEMA = """CREATE TABLE IF NOT EXISTS transfers (
    reference TEXT PRIMARY KEY, transaction_id TEXT NOT NULL, outcome TEXT NOT NULL,
    amount_fen INTEGER NOT NULL, payee_name TEXT NOT NULL, payee_id_number TEXT NOT NULL,
    reason TEXT, at TEXT NOT NULL)"""


class SimulatedBank:
    def __init__(self, path: Path, mode: BankMode = "succeed"):
        self.path = Path(path)
        self.mode: str = mode
        self.script: deque[str] = deque()
        self._conn: sqlite3.Connection | None = None

    def steer(self, mode: str | None = None, script: Iterable[str] | None = None) -> None:
        """`mode` answers every call once the `script` (modes for the next calls) runs out."""
        for m in [mode, *(script or [])]:
            if m is not None and m not in MODES:
                raise ValueError(f"unknown bank mode {m!r}; one of {', '.join(MODES)}")
        if mode is not None:
            self.mode = mode
        if script is not None:
            self.script = deque(script)

    async def transfer(self, reference: str, amount: Money, payee_name: str, payee_id_number: str) -> BankReceipt:
        mode = self.script.popleft() if self.script else self.mode
        if mode == "timeout":
            raise BankTimeout(f"no reply to transfer {reference}")
        if mode == "hang":
            await asyncio.Event().wait()
        receipt = self._book(reference, amount, payee_name, payee_id_number, REFUSAL if mode == "fail" else None)
        if mode == "lost_reply":
            raise BankTimeout(f"reply to transfer {reference} lost")
        if mode == "book_then_hang":
            await asyncio.Event().wait()
        return receipt

    async def status(self, reference: str) -> BankReceipt | None:
        rows = self._rows(self._connection(), "WHERE reference = ?", (reference,))
        return rows[0] if rows else None

    async def ledger(self) -> list[BankReceipt]:
        """Every transfer the bank has answered, booked or refused, oldest first."""
        return self._rows(self._connection(), "", ())

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def _book(self, reference: str, amount: Money, payee_name: str, payee_id_number: str,
              refusal: str | None) -> BankReceipt:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")  # another process on the same ledger queues here
        try:
            [first] = self._rows(conn, "WHERE reference = ?", (reference,)) or [None]
            if first is not None:
                return first
            receipt = BankReceipt(reference, f"SIM-{uuid.uuid4().hex[:16].upper()}",
                                  "refused" if refusal else "booked", amount, datetime.now(timezone.utc), refusal)
            conn.execute("INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (reference, receipt.transaction_id, receipt.outcome, amount.fen, payee_name,
                          payee_id_number, refusal, receipt.at.isoformat()))
            conn.execute("COMMIT")
            return receipt
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    @staticmethod
    def _rows(conn: sqlite3.Connection, where: str, params: tuple) -> list[BankReceipt]:
        sql = f"SELECT reference, transaction_id, outcome, amount_fen, at, reason FROM transfers {where} ORDER BY rowid"
        return [BankReceipt(ref, tx, outcome, Money(fen), datetime.fromisoformat(at), reason)
                for ref, tx, outcome, fen, at, reason in conn.execute(sql, params)]
