"""The bank, which is the outside world: a protocol and a simulator that behaves like one.

The simulator keeps its own ledger in its own SQLite file, so it outlives our process the way
a real bank does, and it is idempotent on `reference`: a transfer whose reference it has seen
returns the first receipt and books nothing. That is what makes retrying with the same
reference safe. Real-time transfers go one per call (`transfer`); the payroll goes as batch
files (`transfer_batch`, 代发), each item answered on its own. Every booking is a credit on the
day's statement, which `statement(day)` writes as a CSV file, as a bank sends one.

Its behaviour is steered per call, for tests and demos:

- `succeed` books and replies; `fail` refuses (account closed); `bad_account` refuses (no such
  account: the case needs a corrected account) — as does any account in `bad_accounts`;
- `unknown` books but answers "outcome unknown" (still processing): only a status query tells;
- `timeout` books nothing and raises `BankTimeout`;
- `lost_reply` books, then raises `BankTimeout`: the money moved but we were not told;
- `hang` / `book_then_hang` never reply (before / after booking), as when our process dies
  mid-call or the caller's own timeout has to give up.

The statement can be spoiled on purpose (`drop_credit`, `duplicate_credit`, `alter_credit`,
`stray_credit`) so reconciliation has breaks to find. The ledger is written on one connection
in the caller's loop: a booking is a few microseconds of SQLite, cheaper than a thread hop.
"""
from __future__ import annotations

import asyncio
import csv
import sqlite3
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal, Protocol, get_args

from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money

BankMode = Literal["succeed", "fail", "bad_account", "unknown", "timeout", "lost_reply", "hang", "book_then_hang"]
MODES: tuple[str, ...] = get_args(BankMode)
REFUSAL = "account closed (销户): the bank refuses the transfer"
BAD_ACCOUNT = "no such account (账户不存在): the transfer is refused"
STATEMENT_COLUMNS = ("transaction_id", "reference", "amount", "account", "payee_name", "booked_at")


class BankTimeout(Exception):
    """No answer: the transfer may or may not have been booked."""


@dataclass(frozen=True)
class TransferOrder:
    reference: str
    amount: Money
    payee_name: str
    payee_id_number: str
    account: str | None = None


@dataclass(frozen=True)
class BankReceipt:
    reference: str
    transaction_id: str
    outcome: Literal["booked", "refused", "unknown"]
    amount: Money
    at: datetime
    reason: str | None = None
    code: str | None = None  # refusals: account_closed | bad_account

    @property
    def booked(self) -> bool:
        return self.outcome == "booked"

    @property
    def answered(self) -> bool:
        return self.outcome != "unknown"


@dataclass(frozen=True)
class StatementLine:
    transaction_id: str
    reference: str
    amount: Money
    account: str
    payee_name: str
    booked_at: str


class Bank(Protocol):
    async def transfer(self, reference: str, amount: Money, payee_name: str, payee_id_number: str,
                       account: str | None = None) -> BankReceipt: ...

    async def transfer_batch(self, orders: list[TransferOrder]) -> list[BankReceipt]: ...

    async def status(self, reference: str) -> BankReceipt | None: ...

    async def status_batch(self, references: list[str]) -> dict[str, BankReceipt]: ...

    async def statement(self, day: date) -> Path: ...


_SCHEMA = ("""CREATE TABLE IF NOT EXISTS transfers (
    reference TEXT PRIMARY KEY, transaction_id TEXT NOT NULL, outcome TEXT NOT NULL,
    amount_fen INTEGER NOT NULL, payee_name TEXT NOT NULL, payee_id_number TEXT NOT NULL,
    reason TEXT, at TEXT NOT NULL, account TEXT, code TEXT)""",
           """CREATE TABLE IF NOT EXISTS credits (
    id INTEGER PRIMARY KEY, reference TEXT NOT NULL, transaction_id TEXT NOT NULL, amount_fen INTEGER NOT NULL,
    account TEXT NOT NULL, payee_name TEXT NOT NULL, day TEXT NOT NULL, at TEXT NOT NULL)""",
           "CREATE INDEX IF NOT EXISTS credits_day_reference ON credits (day, reference)")
_COLUMNS = "reference, transaction_id, outcome, amount_fen, at, reason, code"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SimulatedBank:
    def __init__(self, path: Path, mode: BankMode = "succeed", *, now: Callable[[], datetime] = _utc_now,
                 latency_seconds: float = 0.0):
        self.path = Path(path)
        self.latency_seconds = latency_seconds  # between booking and replying, as a real bank's round trip
        self.mode: str = mode
        self.script: deque[str] = deque()
        self.bad_accounts: set[str] = set()
        self.now = now  # the bank's clock: the suite clock in rehearsals, so statements fall on its days
        self._conn: sqlite3.Connection | None = None

    def steer(self, mode: str | None = None, script: Iterable[str] | None = None,
              bad_accounts: Iterable[str] | None = None) -> None:
        """`mode` answers every call once the `script` (modes for the next calls) runs out."""
        for m in [mode, *(script or [])]:
            if m is not None and m not in MODES:
                raise ValueError(f"unknown bank mode {m!r}; one of {', '.join(MODES)}")
        if mode is not None:
            self.mode = mode
        if script is not None:
            self.script = deque(script)
        if bad_accounts is not None:
            self.bad_accounts = set(bad_accounts)

    async def transfer(self, reference: str, amount: Money, payee_name: str, payee_id_number: str,
                       account: str | None = None) -> BankReceipt:
        [receipt] = await self.transfer_batch([TransferOrder(reference, amount, payee_name, payee_id_number, account)])
        return receipt

    async def transfer_batch(self, orders: list[TransferOrder]) -> list[BankReceipt]:
        """One call: every order booked (or refused) in one go, answered item by item."""
        mode = self.script.popleft() if self.script else self.mode
        if mode == "timeout":
            raise BankTimeout(f"no reply to {len(orders)} transfers")
        if mode == "hang":
            await asyncio.Event().wait()
        receipts = self._book(orders, mode)
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        if mode == "lost_reply":
            raise BankTimeout(f"reply to {len(orders)} transfers lost")
        if mode == "book_then_hang":
            await asyncio.Event().wait()
        if mode == "unknown":
            return [BankReceipt(r.reference, r.transaction_id, "unknown", r.amount, r.at) for r in receipts]
        return receipts

    async def status(self, reference: str) -> BankReceipt | None:
        return (await self.status_batch([reference])).get(reference)

    async def status_batch(self, references: list[str]) -> dict[str, BankReceipt]:
        conn, found = self._connection(), {}
        for chunk in _chunks(references, 500):
            marks = ",".join("?" * len(chunk))
            found.update((r.reference, r) for r in self._rows(conn, f"WHERE reference IN ({marks})", tuple(chunk)))
        return found

    async def ledger(self) -> list[BankReceipt]:
        """Every transfer the bank has answered, booked or refused, oldest first."""
        return self._rows(self._connection(), "", ())

    # --- the daily statement ---------------------------------------------------------------

    async def statement(self, day: date) -> Path:
        """Write the day's statement (every credit booked that day, Asia/Shanghai) and return it."""
        folder = self.path.parent / "statements"
        folder.mkdir(parents=True, exist_ok=True)
        target, partial = folder / f"{day.isoformat()}.csv", folder / f".{day.isoformat()}.csv.partial"
        rows = self._connection().execute(
            "SELECT transaction_id, reference, amount_fen, account, payee_name, at FROM credits WHERE day = ? "
            "ORDER BY reference, id", (day.isoformat(),))
        with partial.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(STATEMENT_COLUMNS)
            for tx, ref, fen, account, name, at in rows:
                writer.writerow((tx, ref, str(Money(fen)), account, name, at))
        partial.replace(target)
        return target

    def drop_credit(self, reference: str) -> None:
        """The credit never reached the account (the statement lacks it)."""
        self._write("DELETE FROM credits WHERE reference = ?", (reference,))

    def duplicate_credit(self, reference: str) -> None:
        self._write("INSERT INTO credits (reference, transaction_id, amount_fen, account, payee_name, day, at) "
                    "SELECT reference, transaction_id || '-DUP', amount_fen, account, payee_name, day, at "
                    "FROM credits WHERE reference = ? LIMIT 1", (reference,))

    def alter_credit(self, reference: str, *, amount: Money | None = None, account: str | None = None) -> None:
        if amount is not None:
            self._write("UPDATE credits SET amount_fen = ? WHERE reference = ?", (amount.fen, reference))
        if account is not None:
            self._write("UPDATE credits SET account = ? WHERE reference = ?", (account, reference))

    def stray_credit(self, reference: str, amount: Money, account: str, day: date) -> None:
        """A credit under a reference nobody here sent."""
        at = datetime.combine(day, datetime.min.time(), SHANGHAI).isoformat()
        self._write("INSERT INTO credits (reference, transaction_id, amount_fen, account, payee_name, day, at) "
                    "VALUES (?, ?, ?, ?, '?', ?, ?)",
                    (reference, f"SIM-STRAY-{uuid.uuid4().hex[:8].upper()}", amount.fen, account, day.isoformat(), at))

    # --- internals -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                conn.execute(statement)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(transfers)")}
            for column in ("account", "code"):  # a ledger file from before accounts and refusal codes
                if column not in columns:
                    conn.execute(f"ALTER TABLE transfers ADD COLUMN {column} TEXT")
            self._conn = conn
        return self._conn

    def _write(self, sql: str, params: tuple) -> None:
        self._connection().execute(sql, params)

    def _book(self, orders: list[TransferOrder], mode: str) -> list[BankReceipt]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")  # another process on the same ledger queues here
        try:
            earlier = {}
            for chunk in _chunks([o.reference for o in orders], 500):
                marks = ",".join("?" * len(chunk))
                earlier.update((r.reference, r) for r in self._rows(conn, f"WHERE reference IN ({marks})", tuple(chunk)))
            at = self.now().astimezone(timezone.utc)
            day = at.astimezone(SHANGHAI).date().isoformat()
            receipts, transfers, credits = [], [], []
            for order in orders:
                if order.reference in earlier:
                    receipts.append(earlier[order.reference])
                    continue
                code, reason = None, None
                if mode == "fail":
                    code, reason = "account_closed", REFUSAL
                elif mode == "bad_account" or (order.account or "") in self.bad_accounts:
                    code, reason = "bad_account", BAD_ACCOUNT
                receipt = BankReceipt(order.reference, f"SIM-{uuid.uuid4().hex[:16].upper()}",
                                      "refused" if code else "booked", order.amount, at, reason, code)
                earlier[order.reference] = receipt
                receipts.append(receipt)
                account = order.account or ""
                transfers.append((order.reference, receipt.transaction_id, receipt.outcome, order.amount.fen,
                                  order.payee_name, order.payee_id_number, reason, at.isoformat(), account, code))
                if receipt.booked:
                    credits.append((order.reference, receipt.transaction_id, order.amount.fen, account,
                                    order.payee_name, day, at.isoformat()))
            conn.executemany("INSERT INTO transfers (reference, transaction_id, outcome, amount_fen, payee_name, "
                             "payee_id_number, reason, at, account, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             transfers)
            conn.executemany("INSERT INTO credits (reference, transaction_id, amount_fen, account, payee_name, day, "
                             "at) VALUES (?, ?, ?, ?, ?, ?, ?)", credits)
            conn.execute("COMMIT")
            return receipts
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    @staticmethod
    def _rows(conn: sqlite3.Connection, where: str, params: tuple) -> list[BankReceipt]:
        sql = f"SELECT {_COLUMNS} FROM transfers {where} ORDER BY rowid"
        return [BankReceipt(ref, tx, outcome, Money(fen), datetime.fromisoformat(at), reason, code)
                for ref, tx, outcome, fen, at, reason, code in conn.execute(sql, params)]


def read_statement(path: Path) -> Iterator[StatementLine]:
    """The lines of a statement file, in its order (by reference)."""
    with path.open(newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            yield StatementLine(row["transaction_id"], row["reference"], Money.yuan(row["amount"]), row["account"],
                                row["payee_name"], row["booked_at"])


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
