"""disbursement against a real migrated database, a real nats-server over a socket, and the
simulated bank's own ledger file, which outlives every app started on it."""
from __future__ import annotations

import json

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from nats.js import JetStreamContext
from sqlalchemy import select

from disbursement.bank import SimulatedBank
from disbursement.main import build
from disbursement.settings import BankSettings, Settings
from relief_shared.auth import issue
from relief_shared.contract import Envelope
from relief_shared import testing
from relief_shared.testing import eventually, harness_js, make_event, migrated, serving, staff_token

STAFF = staff_token("clerk")
OPS = staff_token("ops", sub="ops-1")


def approved(case_id: str, *, task_id: str = "task-1", amount: str = "1500.00") -> Envelope:
    return make_event("case.approved", case_id, task_id=task_id, step="approve", amount=amount,
                      approved_by={"id": "staff-9", "name": "审批人"}, org_unit="fuxin-haizhou/hanjiadian",
                      payee={"id_number": "210902199001011234", "name": "张三"}, rules=["FX-ROUTE"], comment="",
                      by={"id": "staff-9", "name": "审批人"})


def altered(event: Envelope, **data: object) -> bytes:
    """The event's bytes with payload fields replaced: what a broken producer would send."""
    raw = json.loads(event.to_bytes())
    raw["data"].update(data)
    return json.dumps(raw).encode()


@dataclass
class Running:
    client: httpx.AsyncClient
    js: JetStreamContext
    app: object

    async def publish(self, event: Envelope, raw: bytes | None = None) -> None:
        await self.js.publish(event.subject, raw or event.to_bytes(), headers={"Nats-Msg-Id": event.id})

    async def payments(self, case_id: str) -> list[dict]:
        r = await self.client.get("/v1/payments", params={"case_id": case_id}, headers=STAFF)
        assert r.status_code == 200, r.text
        return r.json()

    async def settled(self, case_id: str, status: str = "paid") -> dict:
        async def probe() -> dict | None:
            found = await self.payments(case_id)
            return found[0] if found and found[0]["status"] == status else None

        return await eventually(probe, message=f"payment of {case_id} {status}")


class Suite:
    """One database, one NATS and one bank file; apps may be started on them one after another."""

    def __init__(self, database_url: str, nats_url: str, data_dir: Path):
        self.database_url, self.nats_url, self.data_dir = database_url, nats_url, data_dir

    def settings(self, mode: str = "succeed", **overrides: object) -> Settings:
        values = dict(database_url=self.database_url, nats_url=self.nats_url, data_dir=self.data_dir,
                      environment="test", bank=BankSettings(mode=mode, timeout_seconds=30),
                      payment_poll_seconds=0.05, payment_retry_seconds=0.05, payment_retry_max_seconds=0.2,
                      payroll_opens_monthly=False)  # the payroll tests open their months by hand
        return Settings(**{**values, **overrides})

    @property
    def bank(self) -> SimulatedBank:
        """The bank seen from outside: its own ledger file, not the app's object."""
        return SimulatedBank(self.data_dir / "bank-simulator.sqlite")

    async def bookings(self, reference: str | None = None) -> int:
        return sum(r.booked and reference in (None, r.reference) for r in await self.bank.ledger())

    @contextlib.asynccontextmanager
    async def running(self, mode: str = "succeed", **overrides: object) -> AsyncIterator[Running]:
        app = build(self.settings(mode, **overrides))
        async with serving(app) as base, httpx.AsyncClient(base_url=base) as client, harness_js(self.nats_url) as js:
            yield Running(client, js, app)


@pytest.fixture
async def suite(database_url: str, nats_server, tmp_path: Path) -> Suite:  # noqa: ANN001
    await migrated("disbursement", database_url)
    return Suite(database_url, nats_server.url, tmp_path / "data")


async def published(js: JetStreamContext, type_: str, case_id: str) -> list[Envelope]:
    """Every event of one type for one case that is in the RELIEF stream."""
    return await testing.published(js, f"relief.{type_}", case_id=case_id)


async def published_once(js: JetStreamContext, type_: str, case_id: str) -> Envelope:
    async def probe() -> list[Envelope]:
        return await published(js, type_, case_id)

    [event] = await eventually(probe, message=f"{type_} published")
    assert len(await published(js, type_, case_id)) == 1
    return event


async def test_a_duplicated_approval_is_paid_once(suite: Suite) -> None:
    async with suite.running() as app:
        event = approved("case-dup")
        await app.publish(event)
        await app.publish(event)  # same Nats-Msg-Id: JetStream drops it
        # the same envelope delivered again past JetStream's de-duplication: the inbox drops it
        await app.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": f"{event.id}-again"})
        await app.publish(approved("case-dup"))  # a new envelope for the same approval task
        payment = await app.settled("case-dup")
        assert payment["amount"] == "1500.00" and payment["channel"] == "bank" and payment["paid_at"]
        assert len(await app.payments("case-dup")) == 1
        paid = await published_once(app.js, "payment.paid", "case-dup")
        assert paid.data.model_dump(mode="json")["payment_id"] == payment["id"] and paid.data.model_dump(mode="json")["amount"] == "1500.00"
        assert paid.data.model_dump(mode="json")["by"] == {"id": "system:disbursement", "name": "disbursement"}
        scheduled = await published_once(app.js, "payment.scheduled", "case-dup")
        assert scheduled.causation_id == event.id and scheduled.correlation_id == event.correlation_id
        assert scheduled.data.model_dump(mode="json")["rules"] == ["FX-PAY-CHANNEL"] and scheduled.data.model_dump(mode="json")["due"] is None
        sent = await published_once(app.js, "payment.sent", "case-dup")
        assert sent.data.model_dump(mode="json")["bank_reference"] == payment["id"]
    assert await suite.bookings() == 1


async def test_a_bank_timeout_is_retried_with_the_same_reference(suite: Suite) -> None:
    async with suite.running() as app:
        r = await app.client.put("/v1/bank-simulator", json={"script": ["timeout", "timeout"]}, headers=OPS)
        assert r.status_code == 200, r.text
        await app.publish(approved("case-timeout"))
        payment = await app.settled("case-timeout")
        await published_once(app.js, "payment.paid", "case-timeout")
        assert not app.app.state.runtime.extras["bank"].script  # both timeouts were met
    assert await suite.bookings(payment["id"]) == 1 and await suite.bookings() == 1


async def test_a_lost_reply_is_resolved_by_asking_the_bank(suite: Suite) -> None:
    async with suite.running() as app:
        app.app.state.runtime.extras["bank"].steer(script=["lost_reply"])
        await app.publish(approved("case-lost"))
        payment = await app.settled("case-lost")
        paid = await published_once(app.js, "payment.paid", "case-lost")
    [receipt] = await suite.bank.ledger()
    assert receipt.reference == payment["id"] and paid.data.model_dump(mode="json")["bank_transaction"] == receipt.transaction_id


async def test_a_refusal_fails_the_payment_and_asks_for_the_account(suite: Suite) -> None:
    async with suite.running(mode="fail") as app:
        await app.publish(approved("case-fail"))
        payment = await app.settled("case-fail", "failed")
        failed = await published_once(app.js, "payment.failed", "case-fail")
        # refused, not lost: correcting the account lets it be issued again (a clerk's task)
        assert failed.data.model_dump(mode="json")["retryable"] is True and failed.data.model_dump(mode="json")["reason"]
        task = await published_once(app.js, "payment.task_opened", "case-fail")
        assert task.data.kind == "correct_account" and task.data.payment_id == payment["id"]
        assert failed.data.model_dump(mode="json")["payment_id"] == payment["id"] and payment["paid_at"] is None
        assert await published(app.js, "payment.paid", "case-fail") == []
    assert await suite.bookings() == 0


@pytest.mark.parametrize("dies", ["book_then_hang", "hang"])
async def test_a_crash_while_the_bank_has_the_transfer_pays_exactly_once(suite: Suite, dies: str) -> None:
    async with suite.running() as app:
        app.app.state.runtime.extras["bank"].steer(script=[dies])
        await app.publish(approved("case-crash"))
        await app.settled("case-crash", "sent")
        if dies == "book_then_hang":
            await eventually(suite.bookings, message="the bank booked the transfer")
    # the process is gone; the bank is not
    async with suite.running() as app:
        payment = await app.settled("case-crash")
        await published_once(app.js, "payment.paid", "case-crash")
        assert len(await published(app.js, "payment.sent", "case-crash")) == 1
    assert await suite.bookings(payment["id"]) == 1 and await suite.bookings() == 1


async def test_an_approval_that_cannot_be_paid_is_parked(suite: Suite) -> None:
    async with suite.running() as app:
        bad, numeric = approved("case-bad"), approved("case-bad", task_id="task-2")
        await app.publish(bad, altered(bad, payee={}))
        await app.publish(numeric, altered(numeric, amount=1500))  # money as a JSON number is refused, never guessed at
        await app.publish(approved("case-good"))
        await app.settled("case-good")
        engine = app.app.state.runtime.db.engine
        parked = app.app.state.runtime.plumbing.parked

        async def is_parked() -> bool:
            async with engine.connect() as conn:
                ids = set(await conn.scalars(select(parked.c.event_id)))
            return {bad.id, numeric.id} <= ids

        await eventually(is_parked, message="poison parked")
        assert await app.payments("case-bad") == []


async def test_the_ledger_counts_what_was_paid_this_year(suite: Suite) -> None:
    async with suite.running() as app:
        await app.publish(approved("case-y1", amount="1200.50"))
        await app.publish(approved("case-y2", amount="300.00"))
        paid = [await app.settled(c) for c in ("case-y1", "case-y2")]
        year = paid[0]["paid_at"][:4]
        r = await app.client.get("/v1/ledger/paid-this-year",
                                 params={"id_number": "210902199001011234", "year": year}, headers=STAFF)
        assert r.status_code == 200, r.text
        assert r.json()["person"] == "1500.50"


async def test_access_rules(suite: Suite) -> None:
    async with suite.running() as app:
        assert (await app.client.get("/v1/payments")).status_code == 401
        r = await app.client.put("/v1/bank-simulator", json={"mode": "fail"}, headers=STAFF)
        assert r.status_code == 403
        r = await app.client.put("/v1/bank-simulator", json={"mode": "explode"}, headers=OPS)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        # ready once NATS is there and the suite clock and holiday data were read from it
        await eventually(lambda: _ready(app.client), message="ready")
    async with suite.running(environment="production", jwt_secret="a-real-production-secret-of-enough-length",
                             kin_secret="a-real-production-kin-key") as app:
        token = issue("a-real-production-secret-of-enough-length", sub="ops-1", name="运维", roles=["ops"], region="fuxin-haizhou")
        r = await app.client.get("/v1/bank-simulator", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 404  # no steering the bank in production


async def test_a_hanging_bank_call_holds_back_no_other_payment_of_its_round(suite: Suite) -> None:
    async with suite.running(mode="hang") as app:  # two payments the bank never answers, then a restart
        await app.publish(approved("case-h1"))
        await app.publish(approved("case-h2"))

        async def both_scheduled() -> bool:
            return all([await app.payments(c) for c in ("case-h1", "case-h2")])

        await eventually(both_scheduled, message="both payments scheduled")
    # After the restart both are due at once, so the first round carries both; its first call hangs.
    async with suite.running(bank=BankSettings(script=["hang"], timeout_seconds=3)) as app:

        async def one_paid_one_waiting() -> list[str]:
            statuses = [(await app.payments(c))[0]["status"] for c in ("case-h1", "case-h2")]
            return statuses if statuses.count("paid") == 1 else []

        await eventually(one_paid_one_waiting, timeout=2.5, message="the other payment paid while one hangs")
        for case_id in ("case-h1", "case-h2"):  # the hung one: no answer, asked again, paid once
            payment = await app.settled(case_id)
            assert await suite.bookings(payment["id"]) == 1


async def test_query_parameters_are_bounded(suite: Suite) -> None:
    async with suite.running() as app:
        for path in ("/v1/ledger/paid-this-year?id_number=x&year=2026",
                     f"/v1/ledger/paid-this-year?id_number={'1' * 19}&year=2026",
                     f"/v1/payments?case_id={'c' * 65}"):
            r = await app.client.get(path, headers=STAFF)
            assert r.status_code == 422, (path, r.text)


async def _ready(client) -> bool:  # noqa: ANN001
    return (await client.get("/readyz")).status_code == 200


async def test_dongtou_pays_within_three_working_days_on_the_deadline_clock(suite: Suite) -> None:
    """DT-PAY-3WD starts with the payment's scheduling and is met by its payment, both in
    disbursement's own transactions; Fuxin has no such limit and gets no due date."""
    async with suite.running() as app:
        ops = staff_token("ops", sub="ops-1", region="wenzhou-dongtou", org_unit=None)
        r = await app.client.put("/v1/ops/clock", json={"now": "2026-03-06T10:00:00+08:00"}, headers=ops)
        assert r.status_code == 200, r.text
        event = make_event("case.approved", "case-dt", region="wenzhou-dongtou", task_id="t-dt", step="approve",
                           amount="800.00", approved_by={"id": "staff-9", "name": "审批人"},
                           org_unit="wenzhou-dongtou/beiyan", payee={"id_number": "210902199001011234", "name": "张三"},
                           rules=["DT-15D"], comment="", by={"id": "staff-9", "name": "审批人"})
        await app.publish(event)  # ordinary temporary aid: advance aid (DT-ADV) is paid from the reserve fund
        scheduled = await published_once(app.js, "payment.scheduled", "case-dt")
        assert str(scheduled.data.due) == "2026-03-11" and "DT-PAY-3WD" in scheduled.data.rules  # Fri → Wed
        opened = await published_once(app.js, "deadline.opened", "case-dt")
        assert (opened.data.limit, opened.data.service, opened.data.state) == ("DT-PAY-3WD", "disbursement", "open")
        closed = await published_once(app.js, "deadline.closed", "case-dt")
        assert (closed.data.state, closed.data.met, closed.data.late_by_seconds) == ("met", True, None)
        await app.publish(approved("case-fx"))
        fuxin = await published_once(app.js, "payment.scheduled", "case-fx")
        assert fuxin.data.due is None and await published(app.js, "deadline.opened", "case-fx") == []
