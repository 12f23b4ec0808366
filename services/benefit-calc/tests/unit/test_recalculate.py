"""The bulk recalculation command: the same results as a single calculation and as the batch,
a report of who gains and loses when a standard changes, and a stopped run that resumes."""
from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from benefit_calc import recalculate
from benefit_calc.policy import MissingInput, calculate
from benefit_calc.schemas import CalculationIn, facts
from benefit_calc.service import calculate_many
from relief_shared.auth import Principal
from relief_shared.regions import RegionPacks, RuleNotDeclared

PACKS = RegionPacks.load()
AS_OF = date(2026, 7, 1)


def households(region: str, count: int, seed: int) -> list[dict]:
    """Random bodies of `POST /v1/calculations` (without region and as_of), each with an id."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = rng.choice(["emergency", "expenditure", "dibao", "marginal", "tekun_care"])
        body = {"id": f"{region}-{i}", "classification": {"type": kind},
                "household": {"status": rng.choice(["dibao", "none", "registered_poor", "low_income"]),
                              "members": [{}] * rng.randint(1, 5)},
                "situation": {"severity": rng.choice(["light", "severe"])}}
        if rng.random() < 0.9:
            body["household"]["monthly_income_per_capita"] = f"{rng.randint(0, 120000) / 100:.2f}"
        if rng.random() < 0.5:
            body["paid_this_year"] = {"person": f"{rng.randint(0, 600000) / 100:.2f}"}
        if kind == "tekun_care":
            body["care"] = {"ability": rng.choice(["fully_lost", "mild"]), "dispersed": rng.random() < 0.5}
        out.append(body)
    return out


def as_csv(bodies: list[dict], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(recalculate.COLUMNS)
        for b in bodies:
            h, care = b["household"], b.get("care", {})
            w.writerow([b["id"], b["classification"]["type"], h["status"], len(h["members"]),
                        h.get("monthly_income_per_capita", ""), b["situation"]["severity"],
                        b.get("paid_this_year", {}).get("person", ""), "", care.get("ability", ""),
                        "true" if care.get("dispersed") else ""])
    return path


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("region", ["anyang", "linfen", "wenzhou-dongtou", "chongqing-yubei"])
def test_single_batch_and_the_command_agree_to_the_fen(region: str, tmp_path: Path) -> None:
    bodies = households(region, 300, seed=len(region))
    source = as_csv(bodies, tmp_path / "in.csv")
    recalculate.run(recalculate.Job(source, region, AS_OF, AS_OF, tmp_path / "out.csv", chunk=64), PACKS,
                    progress=False)
    lines = tmp_path / "in.jsonl"
    lines.write_text("".join(json.dumps(b) + "\n" for b in bodies), "utf-8")
    recalculate.run(recalculate.Job(lines, region, AS_OF, AS_OF, tmp_path / "out-jsonl.csv"), PACKS, progress=False)
    command, from_json_lines = rows_of(tmp_path / "out.csv"), rows_of(tmp_path / "out-jsonl.csv")
    principal = Principal(sub="t", name="t", roles=("clerk",), region=region, org_unit=f"{region}/x")
    for body, row, other in zip(bodies, command, from_json_lines, strict=True):
        request = CalculationIn.model_validate({"region": region, "as_of": AS_OF.isoformat(), **body})
        assert {k: v for k, v in row.items() if k != "line"} == {k: v for k, v in other.items() if k != "line"}
        try:
            single = calculate(PACKS.get(region), AS_OF, facts(request.classification.type, request.household,
                                                                 request.situation, request.paid_this_year, request.care))
        except (RuleNotDeclared, MissingInput) as exc:
            assert row["error"] == str(exc) and row["ceiling"] == ""
            continue
        [batch] = calculate_many([request], PACKS, principal, batch=True)
        assert (row["ceiling"], row["recommended"], row["rules"]) == \
            (str(single.ceiling), str(single.recommended), " ".join(single.rules))
        assert (batch["ceiling"], batch["recommended"], batch["rules"]) == \
            (str(single.ceiling), str(single.recommended), single.rules)


def _raised_standard(tmp_path: Path) -> RegionPacks:
    folder = tmp_path / "regions"
    shutil.copytree(Path(str(resources.files("relief_shared") / "regions")), folder)
    parameters = folder / "anyang" / "parameters.toml"
    parameters.write_text(parameters.read_text("utf-8").replace(
        'source = "SAMPLE VALUE for demos and tests; seed 003 二(二)6 has the county set and adjust it"\n',
        'source = "SAMPLE VALUE for demos and tests; seed 003 二(二)6 has the county set and adjust it"\n\n'
        '[[parameters.dibao_standard.values]]\nvalue = "720.00"\nvalid_from = 2026-07-01\nsample = true\n'
        'source = "SAMPLE: the raised standard"\n', 1), "utf-8")
    return RegionPacks.load(folder)


def test_a_raised_standard_is_reported_by_who_gains_and_by_how_much(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,type,status,members,income,severity,paid_person,paid_household,care_ability,dispersed\n"
                      "a,dibao,dibao,3,500.00,,,,,\n"      # gap 190 → 220 a member: +90.00
                      "b,dibao,dibao,1,700.00,,,,,\n"      # above 690, under 720: 0 → 20.00
                      "c,dibao,dibao,2,720.00,,,,,\n"      # at the new standard: nothing either way
                      "d,emergency,none,1,,severe,,,,\n"   # case by case: not touched by S
                      "e,marginal,none,1,,,,,,\n", "utf-8")  # Anyang has no marginal standard: refused
    job = recalculate.Job(source, "anyang", AS_OF, date(2026, 6, 30), tmp_path / "out.csv")
    report = recalculate.run(job, _raised_standard(tmp_path), progress=False)
    assert (report["households"], report["gain"], report["lose"], report["unchanged"], report["refused"]) == \
        (5, 2, 0, 2, 1)
    assert report["total_change"] == "110.00"
    assert report["by_rule"]["ANY-DIBAO-PAY"] == {"households": 3, "gain": 2, "lose": 0, "change": "110.00"}
    assert report["largest_gains"] == [{"id": "a", "change": "90.00"}, {"id": "b", "change": "20.00"}]
    rows = {r["id"]: r for r in rows_of(job.out)}
    assert (rows["a"]["baseline_recommended"], rows["a"]["recommended"], rows["a"]["change"]) == \
        ("570.00", "660.00", "90.00")
    assert "does not declare DT-MARGINAL" in rows["e"]["error"]
    assert json.loads(job.report_path.read_text("utf-8")) == {**report}


def test_a_stopped_run_resumes_without_writing_a_household_twice(tmp_path: Path) -> None:
    source = as_csv(households("anyang", 50, seed=7), tmp_path / "in.csv")
    packs = _raised_standard(tmp_path)
    whole = recalculate.run(recalculate.Job(source, "anyang", AS_OF, date(2026, 6, 30), tmp_path / "whole.csv", 8),
                            packs, progress=False)
    job = recalculate.Job(source, "anyang", AS_OF, date(2026, 6, 30), tmp_path / "out.csv", 8)
    recalculate.run(job, packs, progress=False, stop_after_chunks=3)
    with job.out.open("a", encoding="utf-8") as out:
        out.write("99,half-written")  # a crash in the middle of a chunk's write
    assert json.loads(job.checkpoint.read_text("utf-8"))["households_done"] == 24
    resumed = recalculate.run(job, packs, progress=False)
    assert job.out.read_text("utf-8") == (tmp_path / "whole.csv").read_text("utf-8")
    assert resumed == whole and not job.checkpoint.exists()
