"""LF-CAP in the event chain: benefit-calc reads what disbursement paid the person and the
household this year (its `paid-this-year`, over HTTP, before the calculation's transaction)
and recommends no more than the year still allows; with disbursement unreachable it calculates
all the same and says the amount paid is unknown (the cap is enforced again at payment)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from benefit_calc.main import build as build_benefit_calc
from benefit_calc.settings import Settings as BenefitCalcSettings
from disbursement.main import build as build_disbursement
from disbursement.settings import Settings as DisbursementSettings
from relief_shared.contract import Envelope
from relief_shared.testing import eventually, harness_js, make_event, migrated, serving, staff_token

PERSON = "141002198001010011"
CLERK = staff_token("clerk", sub="clerk-lf", region="linfen", org_unit="linfen/jiefanglu")


def classified(case_id: str) -> Envelope:
    return make_event("case.classified", case_id, region="linfen", org_unit="linfen/jiefanglu",
                      classification={"type": "emergency", "household_category": "none", "rules": ["CLS-EMG"],
                                      "reasons": []},
                      applicant={"id_number": PERSON, "name": "临汾居民"},
                      household={"status": "none", "size": 1, "registered_in_region": True},
                      situation={"events": [{"kind": "fire", "occurred_on": "2026-11-19"}], "severity": "severe"},
                      accepted_on="2026-11-20")


@contextlib.asynccontextmanager
async def service(build: Any, settings: Any, package: str, url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    await migrated(package, url)
    app = build(settings)
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        yield client, app


async def publish(app: Any, event: Envelope) -> None:
    """As eligibility would: over a harness connection, since benefit-calc's own user may not."""
    async with harness_js(app.state.runtime.settings.nats_url) as js:
        await js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})


async def calculation(client: httpx.AsyncClient, case_id: str) -> dict:
    async def probe() -> dict:
        r = await client.get(f"/v1/calculations/{case_id}", headers=CLERK)
        assert r.status_code == 200, r.text
        return r.json()

    return await eventually(probe, timeout=20, message=f"calculation of {case_id}")


async def test_a_linfen_case_is_capped_by_what_disbursement_paid_this_year(nats_server, tmp_path: Path) -> None:  # noqa: ANN001
    disbursement_db = f"sqlite:///{tmp_path / 'disbursement.sqlite'}"
    async with service(build_disbursement, DisbursementSettings(database_url=disbursement_db, nats_url=nats_server.url,
                                                                data_dir=tmp_path, payment_poll_seconds=0.2),
                       "disbursement", disbursement_db) as (paying, disbursement):
        await publish(disbursement, make_event(
            "case.approved", "lf-paid", region="linfen", task_id="t-lf", step="approve", amount="4000.00",
            org_unit="linfen/jiefanglu", payee={"id_number": PERSON, "name": "临汾居民"}, rules=["FX-ROUTE"]))

        async def paid() -> bool:
            r = await paying.get("/v1/payments", params={"case_id": "lf-paid"}, headers=CLERK)
            return [p["status"] for p in r.json()] == ["paid"]

        await eventually(paid, timeout=20, message="4,000 paid this year")
        calc_db = f"sqlite:///{tmp_path / 'benefit-calc.sqlite'}"
        settings = BenefitCalcSettings(database_url=calc_db, nats_url=nats_server.url, data_dir=tmp_path,
                                       disbursement_url=str(paying.base_url))
        async with service(build_benefit_calc, settings, "benefit_calc", calc_db) as (calc, app):
            await publish(app, classified("lf-next"))
            result = await calculation(calc, "lf-next")
    person = next(c for c in result["caps"] if c["scope"] == "person")
    assert (person["remaining"], person["applied"]) == ("1000.00", True)
    assert result["recommended"] == "1000.00"
    cap_step = next(s for s in result["trace"] if s["rule"] == "LF-CAP")
    assert cap_step["inputs"]["paid_known"] is True


async def test_with_disbursement_unreachable_the_amount_is_calculated_and_says_paid_is_unknown(
        nats_server, tmp_path: Path) -> None:  # noqa: ANN001
    calc_db = f"sqlite:///{tmp_path / 'benefit-calc.sqlite'}"
    settings = BenefitCalcSettings(database_url=calc_db, nats_url=nats_server.url, data_dir=tmp_path,
                                   disbursement_url="http://127.0.0.1:9")
    async with service(build_benefit_calc, settings, "benefit_calc", calc_db) as (calc, app):
        await publish(app, classified("lf-unknown"))
        result = await calculation(calc, "lf-unknown")
    cap_step = next(s for s in result["trace"] if s["rule"] == "LF-CAP")
    assert cap_step["inputs"]["paid_known"] is False and result["recommended"] == "3000.00"
