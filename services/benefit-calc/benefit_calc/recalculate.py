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
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from benefit_calc.columns import ABILITIES, SEVERITIES, STATUSES, TYPES, UNKNOWN, Households, Results, calculate_all
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
        parse = _json_line if json_lines else _csv_row
        for _ in range(skip):
            next(rows, None)
        while True:
            chunk = [next(rows, None) for _ in range(size)]
            chunk = [c for c in chunk if c is not None]
            if not chunk:
                return
            parsed = [parse(number, row) for number, row in chunk]
            ids = [p[0] for p in parsed]
            yield chunk[0][0], ids, _columns([p[1] for p in parsed])


def _json_line(number: int, line: str) -> tuple[str, tuple]:
    try:
        raw = json.loads(line)
        body = CalculationIn.model_validate({"region": "-", "as_of": "2000-01-01", **raw})
    except ValueError as exc:
        raise BadLine(number, str(exc).splitlines()[0]) from exc
    f = facts(body.classification.type, body.household, body.situation, body.paid_this_year, body.care)
    return str(raw.get("id", number)), ("facts", f)


def _csv_row(number: int, row: list[str]) -> tuple[str, tuple]:
    values = dict(zip(COLUMNS, row + [""] * (len(COLUMNS) - len(row))))
    try:
        return values["id"] or str(number), (
            TYPES.index(values["type"]), STATUSES.index(values["status"] or "none"), int(values["members"] or 1),
            _fen(values["income"]), SEVERITIES.index(values["severity"] or None),
            _fen(values["paid_person"]), _fen(values["paid_household"]),
            ABILITIES.index(values["care_ability"] or None), values["dispersed"].strip().lower() in ("1", "true", "yes"))
    except ValueError as exc:
        raise BadLine(number, str(exc)) from exc


def _fen(value: str) -> int:
    return UNKNOWN if not value.strip() else Money.yuan(value).fen


def _columns(parsed: list[tuple]) -> Households:
    if parsed and parsed[0][0] == "facts":
        return Households.of([p[1] for p in parsed])
    t, s, n, inc, sev, pp, ph, ab, disp = zip(*parsed) if parsed else ((),) * 9
    return Households(np.array(t, np.int8), np.array(s, np.int8), np.array(n, np.int64), np.array(inc, np.int64),
                      np.array(sev, np.int8), np.array(pp, np.int64), np.array(ph, np.int64), np.array(ab, np.int8),
                      np.array(disp, np.bool_))


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
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


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
    `stop_after_chunks` stops early as a crash would, for tests."""
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
