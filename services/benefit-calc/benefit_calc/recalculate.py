"""Recalculate every household of a file for the day a standard changes, and say who gains and
who loses: `python -m benefit_calc.recalculate FILE --region anyang --as-of 2026-07-01`.

In: CSV with a header (`id,type,status,members,income,severity,paid_person,paid_household,
care_ability,dispersed`; money in yuan as "1500.00", empty where unknown) or JSON lines, each the
body of `POST /v1/calculations` without region and as_of, plus an `id`. Out: a CSV row per
household (its amounts as of `--as-of` and as of `--baseline`, the change, the rules, any
refusal), and a report (JSON, and a summary on standard output): how many gain, lose or keep
their amount, by how much, by the rule that decides the new amount, the largest changes.

Exact to the fen: the rules of `policy` over integer columns (`columns`), never a float. It
works in chunks; after each one the results and a checkpoint (`OUT.progress.json`) are on
disk, so a run stopped anywhere resumes where it stopped with the same command, and no
household is written twice. A changed input file or other arguments start afresh.
"""
from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from itertools import islice
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from benefit_calc.columns import ABILITIES, SEVERITIES, STATUSES, TYPES, UNKNOWN, Households, Results, calculate_all
from benefit_calc.policy import Facts
from benefit_calc.schemas import CalculationIn, facts
from relief_shared.money import Money
from relief_shared.regions import RegionPack, RegionPacks

COLUMNS = ("id", "type", "status", "members", "income", "severity", "paid_person", "paid_household", "care_ability",
           "dispersed")
OUT_HEADER = ("line,id,type,ceiling,recommended,baseline_recommended,change,rules,needs_deliberation,error\n")
TOP = 10


class BadLine(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")


@dataclass
class Report:
    """What a recalculation changed, summed chunk by chunk (so a resumed run reports the whole file)."""

    households: int = 0
    refused: int = 0
    gain: int = 0
    lose: int = 0
    same: int = 0
    total_change_fen: int = 0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    largest_gains: list[tuple[int, str]] = field(default_factory=list)
    largest_losses: list[tuple[int, str]] = field(default_factory=list)

    def add(self, ids: list[str], now: Results, before: Results, change: np.ndarray, ok: np.ndarray) -> None:
        self.households += len(ids)
        self.refused += int((~ok).sum())
        self.gain += int((ok & (change > 0)).sum())
        self.lose += int((ok & (change < 0)).sum())
        self.same += int((ok & (change == 0)).sum())
        self.total_change_fen += int(change[ok].sum())
        for index in np.unique(now.outcome[ok]):
            mine = ok & (now.outcome == index)
            rule = (now.outcomes[index].rules or ("?",))[0]
            entry = self.by_rule.setdefault(rule, {"households": 0, "gain": 0, "lose": 0, "change_fen": 0})
            entry["households"] += int(mine.sum())
            entry["gain"] += int((mine & (change > 0)).sum())
            entry["lose"] += int((mine & (change < 0)).sum())
            entry["change_fen"] += int(change[mine].sum())
        for rows, sign, into in ((ok & (change > 0), 1, self.largest_gains), (ok & (change < 0), -1, self.largest_losses)):
            picked = np.flatnonzero(rows)
            if len(picked) > TOP:
                picked = picked[np.argpartition(-sign * change[picked], TOP)[:TOP]]
            into.extend((int(change[i]), ids[i]) for i in picked)
            into.sort(key=lambda item: -sign * item[0])
            del into[TOP:]

    def document(self) -> dict[str, Any]:
        def yuan(fen: int) -> str:
            return str(Money(fen))

        return {"households": self.households, "refused": self.refused, "gain": self.gain, "lose": self.lose,
                "unchanged": self.same, "total_change": yuan(self.total_change_fen),
                "by_rule": {rule: {**{k: v for k, v in e.items() if k != "change_fen"}, "change": yuan(e["change_fen"])}
                            for rule, e in sorted(self.by_rule.items())},
                "largest_gains": [{"id": i, "change": yuan(c)} for c, i in self.largest_gains],
                "largest_losses": [{"id": i, "change": yuan(c)} for c, i in self.largest_losses]}

    @classmethod
    def from_document(cls, raw: dict[str, Any]) -> Report:
        def fen(value: str) -> int:
            return Money.yuan(value).fen

        return cls(raw["households"], raw["refused"], raw["gain"], raw["lose"], raw["unchanged"],
                   fen(raw["total_change"]),
                   {rule: {"households": e["households"], "gain": e["gain"], "lose": e["lose"],
                           "change_fen": fen(e["change"])} for rule, e in raw["by_rule"].items()},
                   [(fen(x["change"]), x["id"]) for x in raw["largest_gains"]],
                   [(fen(x["change"]), x["id"]) for x in raw["largest_losses"]])


def read_chunks(path: Path, skip: int, size: int) -> Iterator[tuple[int, list[str], Households]]:
    """(first line number, ids, columns) per chunk of `size` households, after `skip` of them."""
    with path.open(encoding="utf-8", newline="") as f:
        json_lines = path.suffix in (".jsonl", ".ndjson") or f.read(1) == "{"
        f.seek(0)
        rows: Iterator[tuple[int, Any]] = enumerate(f if json_lines else csv.reader(f), start=1)
        if not json_lines:
            header = next(rows)[1]
            if tuple(header[: len(COLUMNS)]) != COLUMNS:
                raise BadLine(1, f"the header must start with {','.join(COLUMNS)}")
        for _ in islice(rows, skip):
            pass
        while True:
            chunk = list(islice(rows, size))
            if not chunk:
                return
            if json_lines:
                parsed = [_json_line(number, line) for number, line in chunk]
                yield chunk[0][0], [p[0] for p in parsed], Households.of([p[1] for p in parsed])
            else:
                ids, households = _csv_chunk(chunk)
                yield chunk[0][0], ids, households


def _json_line(number: int, line: str) -> tuple[str, Facts]:
    try:
        raw = json.loads(line)
        body = CalculationIn.model_validate({"region": "-", "as_of": "2000-01-01", **raw})
    except ValueError as exc:
        raise BadLine(number, str(exc).splitlines()[0]) from exc
    f = facts(body.classification.type, body.household, body.situation, body.paid_this_year, body.care)
    return str(raw.get("id", number)), f


CODES = {name: {value: code for code, value in enumerate(values)} | ({"": values.index(default)} if default != "-" else {})
         for name, values, default in (("type", TYPES, "-"), ("status", STATUSES, "none"), ("severity", SEVERITIES, None),
                                       ("care_ability", ABILITIES, None))}


def _csv_chunk(chunk: list[tuple[int, list[str]]]) -> tuple[list[str], Households]:
    """A chunk of CSV rows as columns, converted column by column; a bad value names its line."""
    width = len(COLUMNS)
    rows = [row if len(row) == width else (row + [""] * width)[:width] for _, row in chunk]
    columns = dict(zip(COLUMNS, zip(*rows)))
    ids = [value or str(number) for (number, _), value in zip(chunk, columns["id"])]
    try:
        coded = {name: [CODES[name][v] for v in columns[name]] for name in CODES}
    except KeyError as exc:
        name, bad = next((n, v) for n in CODES for v in columns[n] if v not in CODES[n])
        number = chunk[columns[name].index(bad)][0]
        raise BadLine(number, f"{name} {bad!r} is not one of {', '.join(k for k in CODES[name] if k)}") from exc
    money = {name: _fen_column(columns[name], chunk, name) for name in ("income", "paid_person", "paid_household")}
    members = _int_column(columns["members"], chunk)
    return ids, Households(
        np.array(coded["type"], np.int8), np.array(coded["status"], np.int8), np.array(members, np.int64),
        np.array(money["income"], np.int64), np.array(coded["severity"], np.int8),
        np.array(money["paid_person"], np.int64), np.array(money["paid_household"], np.int64),
        np.array(coded["care_ability"], np.int8),
        np.array([v.strip().lower() in ("1", "true", "yes") for v in columns["dispersed"]], np.bool_))


def _fen_column(values: tuple[str, ...], chunk: list[tuple[int, list[str]]], name: str) -> list[int]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(_fen(value))
        except ValueError as exc:
            raise BadLine(chunk[i][0], f"{name}: {exc}") from exc
    return out


def _fen(value: str) -> int:
    """Yuan as written ("1500", "1500.5", "1500.00") in fen, exactly; anything else by `Money.yuan`'s
    own rule and message; never negative; empty is unknown."""
    if not value.strip():
        return UNKNOWN
    whole, dot, frac = value.partition(".")
    if whole.isascii() and whole.isdigit() and len(whole) <= 12 and (
            not dot or (frac.isascii() and frac.isdigit() and len(frac) <= 2)):
        return int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if dot else 0)
    fen = Money.yuan(value).fen
    if fen < 0:
        raise ValueError("an amount cannot be negative")
    return fen


def _int_column(values: tuple[str, ...], chunk: list[tuple[int, list[str]]]) -> list[int]:
    try:
        return [int(v) if v else 1 for v in values]
    except ValueError:
        i = next(i for i, v in enumerate(values) if v and not v.strip().isdigit())
        raise BadLine(chunk[i][0], f"members {values[i]!r} is not a whole number") from None


def write_rows(out: TextIO, first_line: int, ids: list[str], rows: Households, now: Results, before: Results,
               change: np.ndarray, ok: np.ndarray) -> None:
    rules = [" ".join(o.rules) for o in now.outcomes]
    errors = [_csv_text(o.error or "") for o in now.outcomes]
    deliberate = ["true" if o.needs_deliberation else "false" for o in now.outcomes]
    buffer = io.StringIO()
    for i, (ceiling, recommended, old, outcome) in enumerate(zip(now.ceiling.tolist(), now.recommended.tolist(),
                                                                 before.recommended.tolist(), now.outcome.tolist())):
        error = errors[outcome]
        buffer.write(f"{first_line + i},{_csv_text(ids[i])},{TYPES[rows.type[i]]},"
                     f"{_yuan(ceiling) if not error else ''},{_yuan(recommended) if not error else ''},"
                     f"{_yuan(old) if ok[i] else ''},{_yuan(int(change[i])) if ok[i] else ''},"
                     f"{rules[outcome]},{deliberate[outcome]},{error}\n")
    out.write(buffer.getvalue())


def _yuan(fen: int) -> str:
    if fen >= 0:
        digits = f"{fen:03d}"
        return f"{digits[:-2]}.{digits[-2:]}"
    return "-" + _yuan(-fen)


def _csv_text(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n') else value


class Progress:
    """A progress bar on standard error: households done, of how many, how fast."""

    def __init__(self, total: int, done: int, stream: TextIO = sys.stderr):
        self.total, self.done, self.stream, self.started = total, done, stream, time.monotonic()
        self.resumed_at = done

    def advance(self, count: int) -> None:
        self.done += count
        share = self.done / self.total if self.total else 1.0
        rate = (self.done - self.resumed_at) / max(time.monotonic() - self.started, 1e-9)
        bar = "#" * int(share * 30)
        self.stream.write(f"\r[{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,} households, {rate:,.0f}/s")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")


@dataclass(frozen=True)
class Job:
    source: Path
    region: str
    as_of: date
    baseline: date
    out: Path
    chunk: int = 100_000

    @property
    def checkpoint(self) -> Path:
        return self.out.with_name(self.out.name + ".progress.json")

    @property
    def report_path(self) -> Path:
        return self.out.with_name(self.out.name + ".report.json")

    def identity(self) -> dict[str, Any]:
        stat = self.source.stat()
        return {"source": str(self.source.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                "region": self.region, "as_of": self.as_of.isoformat(), "baseline": self.baseline.isoformat()}


def run(job: Job, packs: RegionPacks, *, progress: bool = True, stop_after_chunks: int | None = None) -> dict[str, Any]:
    """Recalculate the file (resuming where a checkpoint says); the report's document.
    `stop_after_chunks` stops early as a crash would, for tests.

    The cyclic garbage collector is off meanwhile: a chunk is a hundred thousand small lists,
    freed by reference counting as soon as it is written, and the collector rescanning them
    would double the run's time; nothing here makes cycles."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(job, packs, progress, stop_after_chunks)
    finally:
        if collecting:
            gc.enable()


def _run(job: Job, packs: RegionPacks, progress: bool, stop_after_chunks: int | None) -> dict[str, Any]:
    pack = packs.get(job.region)
    done, report = 0, Report()
    saved = json.loads(job.checkpoint.read_text("utf-8")) if job.checkpoint.exists() else None
    if saved and saved["job"] == job.identity():
        done, report = saved["households_done"], Report.from_document(saved["report"])
        with job.out.open("r+b") as out:
            out.truncate(saved["out_bytes"])  # a chunk written after the checkpoint is written again
    else:
        job.out.write_text(OUT_HEADER, "utf-8")
    total = _count(job.source)
    bar = Progress(total, done) if progress else None
    chunks = 0
    with job.out.open("a", encoding="utf-8", newline="") as out:
        for first_line, ids, rows in read_chunks(job.source, done, job.chunk):
            now, before = recalculated(pack, job.as_of, rows), recalculated(pack, job.baseline, rows)
            ok = _ok(now) & _ok(before)
            change = now.recommended - before.recommended
            write_rows(out, first_line, ids, rows, now, before, change, ok)
            report.add(ids, now, before, change, ok)
            done += len(ids)
            out.flush()
            os.fsync(out.fileno())
            _save(job, done, out.tell(), report)
            if bar:
                bar.advance(len(ids))
            chunks += 1
            if stop_after_chunks is not None and chunks >= stop_after_chunks:
                return report.document()
    if bar:
        bar.close()
    document = {"region": job.region, "as_of": job.as_of.isoformat(), "baseline": job.baseline.isoformat(),
                "pack_version": pack.pack_version, **report.document()}
    job.report_path.write_text(json.dumps(document, ensure_ascii=False, indent=2), "utf-8")
    job.checkpoint.unlink(missing_ok=True)
    return document


def recalculated(pack: RegionPack, as_of: date, rows: Households) -> Results:
    return calculate_all(pack, as_of, rows)


def _ok(results: Results) -> np.ndarray:
    failed = np.array([o.error is not None for o in results.outcomes], bool)
    return ~failed[results.outcome] if len(failed) else np.ones(len(results.outcome), bool)


def _save(job: Job, done: int, out_bytes: int, report: Report) -> None:
    temporary = job.checkpoint.with_suffix(".tmp")
    temporary.write_text(json.dumps({"job": job.identity(), "households_done": done, "out_bytes": out_bytes,
                                     "report": report.document()}), "utf-8")
    os.replace(temporary, job.checkpoint)


def _count(path: Path) -> int:
    with path.open("rb") as f:
        lines = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
    with path.open("rb") as f:
        first = f.read(1)
    return lines - (0 if first == b"{" else 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benefit_calc.recalculate", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="households: .csv with a header, or JSON lines")
    parser.add_argument("--region", required=True)
    parser.add_argument("--as-of", required=True, type=date.fromisoformat, help="the day the new standard applies")
    parser.add_argument("--baseline", type=date.fromisoformat, help="compare with this day (default: the day before)")
    parser.add_argument("--out", type=Path, help="results CSV (default: FILE.results.csv)")
    parser.add_argument("--regions-dir", type=Path, help="an operator's folder of region packs")
    parser.add_argument("--chunk", type=int, default=100_000, help="households a checkpoint (default 100,000)")
    args = parser.parse_args(argv)
    job = Job(args.file, args.region, args.as_of, args.baseline or args.as_of - timedelta(days=1),
              args.out or args.file.with_name(args.file.name + ".results.csv"), args.chunk)
    try:
        document = run(job, RegionPacks.load(args.regions_dir), progress=sys.stderr.isatty())
    except (BadLine, LookupError, OSError) as exc:
        print(f"recalculate: {exc}", file=sys.stderr)
        return 2
    print(f"{document['households']:,} households of {job.region} as of {job.as_of} against {job.baseline}: "
          f"{document['gain']:,} gain, {document['lose']:,} lose, {document['unchanged']:,} unchanged, "
          f"{document['refused']:,} refused; total change {document['total_change']} yuan a month")
    for rule, entry in document["by_rule"].items():
        print(f"  {rule:<14} {entry['households']:>10,} households  {entry['gain']:>9,} gain  {entry['lose']:>9,} lose"
              f"  change {entry['change']}")
    print(f"results: {job.out}\nreport:  {job.report_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
