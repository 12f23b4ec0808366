"""The case view folds what other services publish, over a real NATS and database."""
from __future__ import annotations

import nats
from relief_shared.testing import eventually, make_event, staff_token

from ..requests import fire_case
from .test_intake import client  # noqa: F401 - the fixture

CLERK = staff_token("clerk", sub="clerk-8", name="王经办")


async def test_events_of_other_services_fold_into_the_view_once_and_never_backwards(client, nats_server) -> None:  # noqa: ANN001, F811
    case_id = (await client.post("/v1/cases", json=fire_case(), headers=CLERK)).json()["case_id"]
    calculated = make_event("benefit.calculated", case_id, ceiling="5000.00", recommended="5000.00")
    paid = make_event("payment.paid", case_id, payment_id="p-1", amount="5000.00", paid_at="2026-11-23T10:00:00+08:00",
                      bank_reference="p-1")
    sent = make_event("payment.sent", case_id, payment_id="p-1", amount="5000.00", bank_reference="p-1")
    nc = await nats.connect(nats_server.url_as("harness"))
    js = nc.jetstream()
    for e in (calculated, paid, paid, sent):  # a duplicate, and a `sent` that arrives after `paid`
        await js.publish(e.subject, e.to_bytes(), headers={"Nats-Msg-Id": e.id})
    unknown = make_event("payment.paid", "TA-unknown", payment_id="p-2", amount="1.00")
    await js.publish(unknown.subject, unknown.to_bytes(), headers={"Nats-Msg-Id": unknown.id})
    await nc.close()

    async def folded() -> dict:
        doc = (await client.get(f"/v1/cases/{case_id}", headers=CLERK)).json()
        assert [t["event"] for t in doc["timeline"]].count("payment.sent") == 1, doc["timeline"]
        return doc

    doc = await eventually(folded, message="events folded")
    assert doc["status"] == "paid"
    assert doc["benefit"]["ceiling"] == "5000.00" and doc["benefit"]["trace"][0]["source"] == "seed 000 三(一)"
    assert doc["payments"] == [{"id": "p-1", "amount": "5000.00", "paid_at": "2026-11-23T10:00:00+08:00",
                                "bank_reference": "p-1", "status": "paid"}]
    assert "applicant" not in doc["benefit"]  # the view keeps no one's ID number twice
    events = [t["event"] for t in doc["timeline"]]
    assert events.count("payment.paid") == 1 and "benefit.calculated" in events
    assert (await client.get("/v1/cases/TA-unknown", headers=CLERK)).status_code == 404


async def test_a_deadline_of_no_case_goes_to_the_overview_and_holds_nothing_back(client, nats_server) -> None:  # noqa: ANN001, F811
    """A payroll run's deadline (DT-PAY-10TH) names the run, not a case: it must reach the district
    overview at once, never be retried as a case not known yet, nor hold back a case's deadline
    fetched in the same batch."""
    case_id = (await client.post("/v1/cases", json=fire_case(), headers=CLERK)).json()["case_id"]
    run = make_event("deadline.breached", "payroll-fuxin-haizhou-2026-03", org_unit=None,
                     deadline_id="payroll-deadline", limit="DT-PAY-10TH", rule="DT-PAY-10TH", service="disbursement")
    case = make_event("deadline.breached", case_id, deadline_id="case-deadline", org_unit=None)
    nc = await nats.connect(nats_server.url_as("harness"))
    js = nc.jetstream()
    for e in (run, case):
        await js.publish(e.subject, e.to_bytes(), headers={"Nats-Msg-Id": e.id})
    await nc.close()
    district = staff_token("district", sub="district-1", org_unit=None)

    async def both() -> list:
        page = (await client.get("/v1/deadlines", params={"region": "fuxin-haizhou", "state": "breached"},
                                 headers=district)).json()
        ids = sorted(item["case_id"] for item in page["items"])
        return ids if len(ids) == 2 else None

    assert await eventually(both, message="both deadlines in the overview") == sorted([case_id, run.case_id])
    doc = (await client.get(f"/v1/cases/{case_id}", headers=CLERK)).json()
    assert "deadline.breached" in [t["event"] for t in doc["timeline"]]


async def test_an_applications_status_change_moves_its_case_and_an_imported_one_holds_nothing_back(client, nats_server) -> None:  # noqa: ANN001, F811, E501
    case_id = (await client.post("/v1/cases", json=fire_case(), headers=CLERK)).json()["case_id"]
    imported = make_event("status.changed", "import-2026-03-01", status="dibao", previous="none", since="2026-03-01")
    returned = make_event("approval.returned", case_id, step="investigation", round=2, reason="收入未核实")
    approved = make_event("status.changed", case_id, status="dibao", previous="none", since="2026-03-12",
                          monthly_amount="685.00")
    nc = await nats.connect(nats_server.url_as("harness"))
    js = nc.jetstream()
    for e in (imported, returned, approved):
        await js.publish(e.subject, e.to_bytes(), headers={"Nats-Msg-Id": e.id})
    await nc.close()

    async def decided() -> dict | None:
        doc = (await client.get(f"/v1/cases/{case_id}", headers=CLERK)).json()
        return doc if doc["status"] == "approved" else None

    doc = await eventually(decided, message="the application's case approved")
    lines = {t["event"]: t for t in doc["timeline"]}
    assert "returned to investigation (round 2)" in lines["approval.returned"]["summary"]
    assert "none → dibao from 2026-03-12, 685.00 a month" in lines["status.changed"]["summary"]
    assert imported.data.person.id_number not in str(doc)  # the person's ID number is not kept twice
