"""The status register over a real socket, a real database and a real NATS: status.changed on the
bus → the register, the education bureau's event on its own subjects effective the next month
(DT-EDU-NEXT-MONTH), the no-paper lookup (DT-NO-PAPER) answering only status, since and region
and logging every lookup, and the ops import of existing recipients."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from eligibility.citizen_id import check_character
from eligibility.main import build
from eligibility.settings import Settings
from eligibility.store import plumbing
from relief_shared import testing
from relief_shared.testing import eventually, harness_js, make_event, migrated, parse_event, serving, staff_token
from sqlalchemy import func, select

DT, FX = "wenzhou-dongtou", "fuxin-haizhou"
EDUCATION = staff_token("partner", sub="system:education", name="教育局", region=DT, org_unit=None,
                        department="education")
AUDITOR = staff_token("auditor", sub="auditor-1", region=DT, org_unit=None)
DISTRICT = staff_token("district", sub="district-dt", region=DT, org_unit=None)
OPS = staff_token("ops", sub="ops-1", region=DT, org_unit=None)
CLERK_DT = staff_token("clerk", sub="clerk-dt", region=DT, org_unit="wenzhou-dongtou/beiyan")


def id_number(n: int, prefix: str = "330322") -> str:
    first = f"{prefix}1985{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return first + check_character(first)


@pytest.fixture
async def client(database_url, nats_server) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    await migrated("eligibility", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as c, harness_js(nats_server.url) as js:
        c.app = app
        await app.state.runtime.bus.wait_ready()
        c.js = js  # the test plays approval (status.changed) and education (its own subjects)
        yield c


def status_changed(case_id: str, person: str, *, status: str, previous: str, since: str, region: str = DT,
                   at: datetime | None = None, name: str = "洞头低保"):
    event = make_event("status.changed", case_id, region=region, person={"id_number": person, "name": name},
                       status=status, previous=previous, since=since, org_unit=f"{region}/beiyan" if region == DT
                       else "fuxin-haizhou/hanjiadian")
    return event.model_copy(update={"occurred_at": at}) if at else event


async def publish(c: httpx.AsyncClient, event) -> None:  # noqa: ANN001
    await c.js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})


async def education_events(c: httpx.AsyncClient) -> list:
    return await testing.published(c.js, "relief.referral.education.>")


async def lookup(c: httpx.AsyncClient, person: str, headers=EDUCATION, purpose: str | None = "education aid"):  # noqa: ANN001
    params = {"purpose": purpose} if purpose is not None else {}
    return await c.get(f"/v1/status/{person}", params=params, headers=headers)


async def test_entering_dibao_in_march_reaches_education_effective_april_first(client) -> None:  # noqa: ANN001
    person = id_number(1)
    entered = status_changed("DB-1", person, status="dibao", previous="none", since="2026-03-12")
    await publish(client, entered)

    async def pushed() -> list:
        return [e for e in await education_events(client) if e.data.person.id_number == person]

    [event] = await eventually(pushed, message="education's event")
    assert event.type == "referral.education.status_changed" and event.subject.startswith("relief.referral.education.")
    assert (event.data.change, event.data.status, event.data.since.isoformat(), event.data.effective_from.isoformat()) \
        == ("entered", "dibao", "2026-03-12", "2026-04-01")
    assert event.data.rule == "DT-EDU-NEXT-MONTH" and event.data.clause == "seed 004 六"
    assert event.causation_id == entered.id and event.case_id == "DB-1"

    # the partner sees only status, since and region; the lookup is logged with its purpose
    r = await lookup(client, person)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "dibao", "since": "2026-03-12", "region": DT}
    log = (await client.get("/v1/status-lookups", params={"id_number": person}, headers=AUDITOR)).json()
    assert log["total"] == 1
    [entry] = log["items"]
    assert (entry["by"]["id"], entry["department"], entry["purpose"], entry["found"]) == \
        ("system:education", "education", "education aid", True)
    assert entry["roles"] == ["partner"]

    # redelivered and out of order: an older change changes nothing and pushes nothing
    older = status_changed("DB-0", person, status="marginal", previous="none", since="2026-01-05")
    await publish(client, older)
    await client.js.publish(entered.subject, entered.to_bytes(), headers={"Nats-Msg-Id": f"{entered.id}-again"})
    left = status_changed("DB-1", person, status="none", previous="dibao", since="2026-05-31")
    await publish(client, left)

    async def two() -> list:
        found = await pushed()
        return found if len(found) >= 2 else []

    events = await eventually(two, message="the exit pushed")
    assert [(e.data.change, e.data.effective_from.isoformat()) for e in events] == \
        [("entered", "2026-04-01"), ("left", "2026-06-01")]
    r = await lookup(client, person)
    assert r.json() == {"status": "none", "since": "2026-05-31", "region": DT}


async def test_a_region_without_the_rule_keeps_the_register_but_pushes_nothing(client) -> None:  # noqa: ANN001
    person = id_number(2, prefix="210902")
    await publish(client, status_changed("FX-1", person, status="tekun", previous="none", since="2026-03-02",
                                         region=FX))
    fx_clerk = staff_token("clerk", sub="clerk-fx", region=FX)

    async def registered() -> dict | None:
        body = (await lookup(client, person, headers=fx_clerk, purpose="window check")).json()
        return body if body["status"] == "tekun" else None

    assert (await eventually(registered, message="registered"))["since"] == "2026-03-02"
    assert [e for e in await education_events(client) if e.region == FX] == []
    # another region's register is not this partner's: Dongtou's bureau sees nothing of Fuxin
    assert (await lookup(client, person)).json() == {"status": "none", "since": None, "region": DT}


@pytest.mark.parametrize(("path", "params", "headers", "status", "field"), [
    ("/v1/status/330322198501011234", {"purpose": "x"}, EDUCATION, 422, "id_number"),
    (f"/v1/status/{id_number(3)}", {}, EDUCATION, 422, "purpose"),
    (f"/v1/status/{id_number(3)}", {"purpose": "  "}, EDUCATION, 422, "purpose"),
    (f"/v1/status/{id_number(3)}", {"purpose": "x"}, OPS, 403, None),
    (f"/v1/status/{id_number(3)}", {"purpose": "x"}, {}, 401, None),
])
async def test_a_bad_lookup_is_refused_and_not_logged(client, path, params, headers, status, field) -> None:  # noqa: ANN001
    r = await client.get(path, params=params, headers=headers)
    assert r.status_code == status, r.text
    if field:
        assert field in [e["field"] for e in r.json()["errors"]]
    assert (await client.get("/v1/status-lookups", headers=AUDITOR)).json()["total"] == 0


async def test_the_lookup_log_is_for_auditors_and_the_district_of_the_region(client) -> None:  # noqa: ANN001
    assert (await lookup(client, id_number(4))).json() == {"status": "none", "since": None, "region": DT}
    assert (await client.get("/v1/status-lookups", headers=EDUCATION)).status_code == 403
    assert (await client.get("/v1/status-lookups", headers=CLERK_DT)).status_code == 403
    assert (await client.get("/v1/status-lookups", params={"region": FX}, headers=AUDITOR)).status_code == 403
    [entry] = (await client.get("/v1/status-lookups", headers=DISTRICT)).json()["items"]
    assert entry["found"] is False and entry["region"] == DT


async def outbox_count(c: httpx.AsyncClient) -> int:
    async with c.app.state.runtime.db.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(plumbing.outbox))


async def test_ops_import_seeds_the_register_publishes_and_refuses_bad_rows_whole(client) -> None:  # noqa: ANN001
    a, b = id_number(5), id_number(6)
    bad = f"id_number,name,status,since\n{a},甲,dibao,2025-06-01\n330322198501011234,乙,rich,2025-13-01\n"
    r = await client.post("/v1/ops/status-import", content=bad.encode(), headers={**OPS, "Content-Type": "text/csv"})
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert {"line 3: id_number", "line 3: status", "line 3: since"} <= set(fields)
    assert await outbox_count(client) == 0

    good = (f"id_number,name,status,since,org_unit,monthly_amount,household_size\n"
            f"{a},甲,dibao,2025-06-01,wenzhou-dongtou/beiyan,520.00,2\n{b},乙,tekun,2024-01-01,,,\n")
    headers = {**OPS, "Content-Type": "text/csv", "Idempotency-Key": "import-1"}
    r = await client.post("/v1/ops/status-import", content=good.encode(), headers=headers)
    assert r.status_code == 201, r.text
    assert (r.json()["rows"], r.json()["applied"], r.json()["skipped"]) == (2, 2, [])
    again = await client.post("/v1/ops/status-import", content=good.encode(), headers=headers)
    assert again.status_code == 201 and again.json() == r.json()
    assert (await lookup(client, a)).json() == {"status": "dibao", "since": "2025-06-01", "region": DT}
    assert (await lookup(client, b)).json() == {"status": "tekun", "since": "2024-01-01", "region": DT}

    async def on_the_bus() -> list:
        sub = await client.js.pull_subscribe("relief.status.changed", stream="RELIEF")
        try:
            msgs = await sub.fetch(10, timeout=0.5)
        finally:
            await sub.unsubscribe()
        found = [parse_event(m.data) for m in msgs]
        return found if len(found) == 2 else []

    published = await eventually(on_the_bus, message="status.changed of the import")
    assert {e.source for e in published} == {"eligibility"} and {e.case_id for e in published} == {r.json()["import_id"]}
    assert str(published[0].data.monthly_amount or published[1].data.monthly_amount) == "520.00"

    # an import of an older status than the register has is skipped, and says so
    stale = f'{{"id_number": "{a}", "name": "甲", "status": "marginal", "since": "2024-01-01"}}\n'
    r = await client.post("/v1/ops/status-import", content=stale.encode(),
                          headers={**DISTRICT, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 201, r.text
    assert r.json()["applied"] == 0 and r.json()["skipped"][0]["row"] == 1
    # a district imports for its own region alone; clerks not at all
    r = await client.post("/v1/ops/status-import", params={"region": FX}, content=stale.encode(),
                          headers={**DISTRICT, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 403
    r = await client.post("/v1/ops/status-import", content=stale.encode(),
                          headers={**CLERK_DT, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 403


async def test_a_change_decided_ahead_of_its_day_is_answered_from_that_day(client) -> None:  # noqa: ANN001
    person = id_number(7)
    await publish(client, status_changed("DB-7", person, status="dibao", previous="none", since="2026-03-12"))
    await publish(client, status_changed("DB-7", person, status="none", previous="dibao", since="2099-01-01"))

    async def both_in() -> list:
        found = [e for e in await education_events(client) if e.data.person.id_number == person]
        return found if len(found) == 2 else []

    events = await eventually(both_in, message="both changes pushed")
    assert events[1].data.effective_from.isoformat() == "2099-02-01"  # told ahead, effective the month after
    # today the person is still dibao: the termination is not in force before its day
    assert (await lookup(client, person)).json() == {"status": "dibao", "since": "2026-03-12", "region": DT}
