"""The partner departments' copyable consumer (examples/partner_consumer.py) against the suite as
`make run` runs it: it consumes its department's referral with its own broker user, answers it
over REST with a partner JWT, acks it — and goes on doing so after the broker is stopped and
started again, with a referral made while the broker was down."""
from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import nats
from relief_shared.samples import fire_case
from relief_shared.stack import Stack
from relief_shared.testing import eventually, staff_token

REGION, TOWN = "wenzhou-dongtou", "wenzhou-dongtou/beiyan"  # a region whose pack declares REF-DETECT
CLERK = staff_token("clerk", sub="clerk-dt-01", name="陈经办", region=REGION, org_unit=TOWN)
EDUCATION_TOKEN = staff_token("partner", sub="partner-education", name="教育局", region=REGION, org_unit=None,
                              department="education")["Authorization"].removeprefix("Bearer ")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner_consumer.py"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("partner_consumer", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def education_case() -> dict[str, Any]:
    body = fire_case(region=REGION, org_unit=TOWN)
    body["situation"]["needs"] = ["education"]
    return body


async def referral_of(client: httpx.AsyncClient, stack: Stack, case_id: str) -> dict:
    doc = (await client.get(f"{stack.url('eligibility')}/v1/cases/{case_id}", headers=CLERK)).json()
    [referral] = [r for r in doc["referrals"] if r["department"] == "education"]
    return referral


async def test_the_example_consumer_answers_referrals_across_a_broker_restart(own_stack: Stack) -> None:
    stack, module = own_stack, example()
    decided: list[str] = []

    async def decide(referral: dict[str, Any]) -> Any:
        decided.append(referral["referral_id"])
        assert referral["person"]["name"]  # the acting department gets the person
        return module.Answer("granted", "学费减免 (example consumer)", module.today())

    consumer = module.PartnerConsumer("education", nats_url=stack.nats.url, user="partner-education",
                                      password="dev-partner-education", api_url=stack.url("eligibility"),
                                      token=EDUCATION_TOKEN, decide=decide)
    running = asyncio.create_task(consumer.run())
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            async def answered(case_id: str) -> dict | None:
                referral = await referral_of(client, stack, case_id)
                return referral if referral["state"] == "completed" else None

            first = await client.post(f"{stack.url('eligibility')}/v1/cases", json=education_case(), headers=CLERK)
            assert first.status_code == 201, first.text
            done = await eventually(lambda: answered(first.json()["case_id"]), timeout=30,
                                    message="the first referral answered")
            assert done["answer"]["outcome"] == "granted"

            await asyncio.to_thread(stack.nats.stop)
            second = await client.post(f"{stack.url('eligibility')}/v1/cases", json=education_case(), headers=CLERK)
            assert second.status_code == 201, second.text  # the window works on; the outbox holds the events
            await asyncio.sleep(1)
            await asyncio.to_thread(stack.nats.start)
            done = await eventually(lambda: answered(second.json()["case_id"]), timeout=60,
                                    message="the referral made while the broker was down answered")
            assert done["answer"]["outcome"] == "granted"

        assert len(decided) == 2 and len(set(decided)) == 2  # each decided once
        async def all_acked() -> bool:  # requested, acknowledged and completed of both: nothing left
            nc = await nats.connect(stack.nats.url_as("ops"))
            try:
                info = await nc.jetstream(timeout=5).consumer_info("REFERRALS", "partner-education")
            finally:
                await nc.close()
            return info.num_pending == 0 and info.num_ack_pending == 0 and consumer.seen >= 6

        await eventually(all_acked, timeout=30, message="every message of the department acked")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await consumer.close()
