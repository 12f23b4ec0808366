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
