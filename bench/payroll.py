"""Payroll benchmark: the monthly dibao payroll for 1,000,000 recipients — produced, paid
through the bank simulator (batch files) and reconciled — on SQLite and on PostgreSQL, with
the time and peak memory of each stage; the payer is SIGKILLed in the middle and started
again, and the bank's own ledger is then checked: one credit per person, nobody paid twice.

Each stage runs in its own process (its peak RSS is that process's `ru_maxrss`), on the
service's own code: `payroll.produce_chunk`, the `PaymentWorker` with the `SimulatedBank`,
`reconcile.reconcile`. Beside each stage a floor measured in the same run: a bare bulk INSERT
of as many payment-shaped rows (produce), the simulator booking the same transfers with no
service around it (pay; the payer's simulator also waits 20 ms per batch call, a bank's round trip), and reading the statement file alone (reconcile).

`make bench-payroll` (`BENCH_ARGS="--recipients 200000 --no-postgres"`); PostgreSQL is the
server at RELIEF_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) in
a fresh database, skipped with a note if none answers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve()
MONTH, REGION, ORG_UNIT = "2026-03", "fuxin-haizhou", "fuxin-haizhou/hanjiadian"
BANK_NOW = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)  # the simulated bank's business day: 2026-03-03
DAY = date(2026, 3, 3)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def person(n: int) -> str:
    return f"2109{n:013d}X"


# --- the children: one stage each ---------------------------------------------------------

def _database(url: str):  # noqa: ANN202
    from disbursement.store import UnitOfWork, plumbing
    from relief_shared.db import Database, create_engine
    return Database(create_engine(url), plumbing, UnitOfWork)


def _terms():  # noqa: ANN202
    from disbursement.terms import PaymentTerms
    from relief_shared.calendar import WorkingCalendar
    from relief_shared.regions import RegionPacks
    return PaymentTerms(RegionPacks.load(), WorkingCalendar.load())


async def child_produce(url: str) -> dict:
    from disbursement import payroll
    db = _database(url)
    started = time.perf_counter()
    run = await payroll.open_run(REGION, MONTH, db.uow(), _terms(), now=datetime.now(timezone.utc))
    while run is not None and run.status == "producing":
        run = await payroll.produce_chunk(run, db.uow(), size=10_000, now=datetime.now(timezone.utc))
        if run is None:
            async with db.reading() as uow:
                run = await uow.runs.of_month(REGION, MONTH)
    await db.dispose()
    return {"seconds": time.perf_counter() - started, "produced": run.produced if run else 0}


async def child_pay(url: str, bank_path: str) -> dict:
    from disbursement import payroll
    from disbursement.bank import SimulatedBank
    from disbursement.worker import PaymentWorker, WorkerTimings
    db = _database(url)
    bank = SimulatedBank(Path(bank_path), now=lambda: BANK_NOW, latency_seconds=0.02)
    timings = WorkerTimings(poll_seconds=0.05, batch=4000, bank_timeout_seconds=120, lease_seconds=600,
                            retry_seconds=0.05, retry_max_seconds=1, max_calls=4, bank_batch=2000)
    worker = PaymentWorker(db, bank, asyncio.Event(), timings, terms=_terms())
    started = time.perf_counter()
    from disbursement import paying
    released = await paying.release_in_flight(db.uow())
    async with db.reading() as uow:
        counts = await uow.payments.run_counts(MONTH, REGION)
    total, before = sum(counts.values()), counts.get("paid", 0) + counts.get("failed", 0)

    async def watch() -> None:  # says when batches are booked at the bank and not yet answered: the moment to die
        while True:
            await asyncio.sleep(0.005)
            if worker.calls:
                print(json.dumps({"progress": {"done": before + worker.settled, "total": total,
                                               "in_flight": sum(len(g) for g in worker.calls.values())}}), flush=True)

    watcher = asyncio.create_task(watch())
    while before + worker.settled < total or worker.calls:
        await worker.step()
        print(json.dumps({"progress": {"done": before + worker.settled, "total": total}}), flush=True)
    watcher.cancel()
    async with db.reading() as uow:
        run = await uow.runs.of_month(REGION, MONTH)
    await payroll.complete_if_settled(run, db.uow(), now=datetime.now(timezone.utc))
    await db.dispose()
    return {"seconds": time.perf_counter() - started, "released_at_start": released}


async def child_reconcile(url: str, bank_path: str) -> dict:
    from disbursement import reconcile
    from disbursement.bank import SimulatedBank
    db = _database(url)
    bank = SimulatedBank(Path(bank_path), now=lambda: BANK_NOW)
    started = time.perf_counter()
    result = await reconcile.reconcile(DAY, db, bank, region=REGION, now=datetime.now(timezone.utc))
    await db.dispose()
    return {"seconds": time.perf_counter() - started, "credits": result["credits"], "matched": result["matched"],
            "breaks": result["breaks"]}


async def child_floor_bank(bank_path: str, count: int) -> dict:
    from disbursement.bank import SimulatedBank, TransferOrder
    from relief_shared.money import Money
    bank = SimulatedBank(Path(bank_path), now=lambda: BANK_NOW)
    started = time.perf_counter()
    for start in range(0, count, 2000):
        await bank.transfer_batch([TransferOrder(f"floor-{n:09d}", Money(52_000), "低保对象", person(n), f"62{n:014d}")
                                   for n in range(start, min(start + 2000, count))])
    return {"seconds": time.perf_counter() - started}


async def child_floor_statement(bank_path: str) -> dict:
    from disbursement.bank import SimulatedBank, read_statement
    bank = SimulatedBank(Path(bank_path), now=lambda: BANK_NOW)
    started = time.perf_counter()
    lines = sum(1 for _ in read_statement(await bank.statement(DAY)))
    return {"seconds": time.perf_counter() - started, "lines": lines}


def child(argv: list[str]) -> None:
    stage, *rest = argv
    work = {"produce": child_produce, "pay": child_pay, "reconcile": child_reconcile,
            "floor-bank": lambda path, n: child_floor_bank(path, int(n)), "floor-statement": child_floor_statement}
    print(json.dumps({"result": asyncio.run(work[stage](*rest))}), flush=True)


# --- the parent ---------------------------------------------------------------------------

def run_child(args: list[str], *, kill_when=None) -> tuple[dict | None, float, int, bool]:  # noqa: ANN001
    """Run a stage in its own process: its result, wall seconds, peak RSS (KiB), and whether it
    was killed (SIGKILL once `kill_when(progress)` says so)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(HERE), "--child", *args], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    result, killed = None, False
    assert proc.stdout is not None
    for line in proc.stdout:
        message = json.loads(line)
        if "progress" in message:
            done, total = message["progress"]["done"], message["progress"]["total"]
            bar = "#" * int(30 * done / max(total, 1))
            print(f"\r      [{bar:<30}] {done / max(total, 1):6.1%} {done}/{total}", end="", flush=True)
            if kill_when is not None and not killed and message["progress"].get("in_flight") and kill_when(done, total):
                proc.send_signal(signal.SIGKILL)
                killed = True
        else:
            result = message["result"]
    _, status, usage = os.wait4(proc.pid, 0)
    if kill_when is not None:
        print()
    if not killed and status != 0:
        raise SystemExit(f"stage {args[0]} failed ({status})")
    return result, time.perf_counter() - started, usage.ru_maxrss, killed


async def seed(url: str, count: int) -> float:
    from sqlalchemy import insert

    from disbursement.tables import roster
    from relief_shared.db import create_engine
    engine = create_engine(url)
    at = datetime(2026, 2, 20, tzinfo=timezone.utc)
    started = time.perf_counter()
    async with engine.begin() as conn:
        for start in range(0, count, 20_000):
            await conn.execute(insert(roster), [dict(
                id_number=person(n), key=uuid.UUID(int=n).hex, region=REGION, org_unit=ORG_UNIT,
                case_id=f"dibao-{n}", name="低保对象", status="dibao" if n % 20 else "tekun", dispersed=True,
                since=date(2025, 1, 1), monthly_fen=52_000 + (n % 9) * 1_000, bank_account=f"62{n:014d}",
                deceased_on=None, paid_status="dibao", event_at=at) for n in range(start, min(start + 20_000, count))])
    await engine.dispose()
    return time.perf_counter() - started


async def floor_insert(url: str, count: int) -> float:
    """A bare bulk INSERT of as many payment-shaped rows, in chunks as large as production's."""
    from sqlalchemy import text

    from relief_shared.db import create_engine
    engine = create_engine(url)
    like = "CREATE TABLE bench_floor (LIKE payments INCLUDING ALL)" if url.startswith("postgresql") else \
        "CREATE TABLE bench_floor AS SELECT * FROM payments WHERE 0"
    now = datetime.now(timezone.utc)
    async with engine.begin() as conn:
        await conn.execute(text(like))
    started = time.perf_counter()
    for start in range(0, count, 10_000):
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO bench_floor (id, case_id, task_id, region, org_unit, amount_fen, channel, status, "
                "payee_name, payee_id_number, attempts, correlation_id, created_at, instalment, kind, reference, "
                "reissues, payroll_month) VALUES (:id, :case_id, :task_id, :region, :org_unit, 52000, 'bank', "
                "'scheduled', '低保对象', :pid, 0, 'floor', :now, 1, 'payroll', :id, 0, :month)"),
                [dict(id=str(uuid.UUID(int=n)), case_id=f"dibao-{n}", task_id=f"payroll:{MONTH}:{n}", region=REGION,
                      org_unit=ORG_UNIT, pid=person(n), now=now, month=MONTH)
                 for n in range(start, min(start + 10_000, count))])
    seconds = time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_floor"))
    await engine.dispose()
    return seconds


async def payment_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from disbursement.tables import payments
    from relief_shared.db import create_engine
    engine = create_engine(url)
    async with engine.connect() as conn:
        rows = await conn.execute(select(payments.c.status, func.count()).group_by(payments.c.status))
        counts = {s: n for s, n in rows}
    await engine.dispose()
    return counts


def bank_check(bank_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(bank_path)
    try:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"transfers": q("SELECT count(*) FROM transfers WHERE reference NOT LIKE 'floor-%'"),
                "credits": q("SELECT count(*) FROM credits WHERE reference NOT LIKE 'floor-%'"),
                "payees_credited_twice": q("SELECT count(*) FROM (SELECT payee_id_number FROM transfers "
                                           "WHERE outcome = 'booked' AND reference NOT LIKE 'floor-%' "
                                           "GROUP BY payee_id_number HAVING count(*) > 1)")}
    finally:
        conn.close()


def bench(name: str, url: str, folder: Path, count: int, crash_at: float) -> list[str]:
    from relief_shared.migrate import upgrade
    upgrade("disbursement", url)
    bank_path = folder / f"bank-{name}.sqlite"
    lines = []
    print(f"{name}: seeding {count:,} roster entries …", flush=True)
    seeded = asyncio.run(seed(url, count))
    floor_produce = asyncio.run(floor_insert(url, count))
    print(f"{name}: produce", flush=True)
    produced, t_produce, rss_produce, _ = run_child(["produce", url])
    assert produced and produced["produced"] == count, produced
    floor_bank, t_floor_bank, _, _ = run_child(["floor-bank", str(folder / f"floor-bank-{name}.sqlite"), str(count)])
    print(f"{name}: pay (SIGKILL at {crash_at:.0%}, then resumed)", flush=True)
    _, t_pay1, rss_pay1, killed = run_child(["pay", url, str(bank_path)],
                                            kill_when=lambda done, total: done >= crash_at * total)
    paid, t_pay2, rss_pay2, _ = run_child(["pay", url, str(bank_path)])
    counts = asyncio.run(payment_counts(url))
    checked = bank_check(bank_path)
    print(f"{name}: reconcile", flush=True)
    reconciled, t_rec, rss_rec, _ = run_child(["reconcile", url, str(bank_path)])
    floor_statement, _, _, _ = run_child(["floor-statement", str(bank_path)])
    mib = lambda kib: f"{kib / 1024:,.0f} MiB"  # noqa: E731
    lines += [
        f"{name}  seed roster (setup)   {seeded:7.1f} s",
        f"{name}  produce               {produced['seconds']:7.1f} s  peak {mib(rss_produce):>9}   "
        f"(floor: bare INSERT of {count:,} rows {floor_produce:.1f} s)",
        f"{name}  pay, killed + resumed {t_pay1 + t_pay2:7.1f} s  peak {mib(max(rss_pay1, rss_pay2)):>9}   "
        f"(killed after {t_pay1:.1f} s: {'yes' if killed else 'finished first'}; resumed asked the bank about "
        f"{paid['released_at_start'] if paid else '?':} in flight; floor: simulator alone {floor_bank['seconds']:.1f} s)",
        f"{name}  reconcile             {reconciled['seconds']:7.1f} s  peak {mib(rss_rec):>9}   "
        f"(credits {reconciled['credits']:,}, matched {reconciled['matched']:,}, breaks {reconciled['breaks']}; "
        f"floor: reading the statement {floor_statement['seconds']:.1f} s)",
        f"{name}  check: payments {counts}, bank transfers {checked['transfers']:,}, credits "
        f"{checked['credits']:,}, payees credited twice {checked['payees_credited_twice']}",
    ]
    ok = (counts.get("paid") == count and checked["transfers"] == count and checked["credits"] == count
          and checked["payees_credited_twice"] == 0 and reconciled["breaks"] == 0)
    lines.append(f"{name}  {'OK: everybody paid once' if ok else 'FAILED'}")
    return lines


async def _pg_reachable(url: str) -> bool:
    import asyncpg
    from sqlalchemy.engine import make_url
    u = make_url(url)
    try:
        conn = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                                     database=u.database or "postgres", timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


async def _with_postgres(url: str, work) -> list[str]:  # noqa: ANN001
    os.environ.setdefault("RELIEF_TEST_POSTGRES_URL", url)
    from relief_shared.testing import postgres_database
    async with postgres_database() as db_url:
        return await asyncio.to_thread(work, db_url)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--crash-at", type=float, default=0.4, help="kill the payer once this share is settled")
    parser.add_argument("--postgres-url", default=os.environ.get("RELIEF_TEST_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    from relief_shared.db import sqlite_url
    report: list[str] = []
    with tempfile.TemporaryDirectory(prefix="relief-bench-payroll-") as tmp:
        folder = Path(tmp)
        if not args.no_sqlite:
            report += bench("sqlite    ", sqlite_url(folder / "disbursement.sqlite"), folder, args.recipients,
                            args.crash_at)
        if not args.no_postgres:
            if asyncio.run(_pg_reachable(args.postgres_url)):
                report += asyncio.run(_with_postgres(args.postgres_url, lambda url: bench(
                    "postgresql", url, folder, args.recipients,
                    args.crash_at)))
            else:
                report.append(f"postgresql: skipped (nothing answers at {args.postgres_url})")
    print(f"\npayroll of {args.recipients:,} recipients, month {MONTH} ({os.cpu_count()} cores)")
    print("\n".join(report))
    if any("FAILED" in line for line in report):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
