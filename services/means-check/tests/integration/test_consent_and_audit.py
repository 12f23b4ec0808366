"""When nothing may be asked, nothing is; every lookup is in the access log; the log's chain
shows any edit; no full ID number leaves in a log line or an event."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from relief_shared.db import create_engine
from relief_shared.testing import eventually, make_event
from sqlalchemy import text

from .harness import FULL_ID, members, means_check, published, token


def classified(case_id: str, type_: str, status: str, rules: list[str]):  # noqa: ANN201
    return make_event("case.classified", case_id, classification={"type": type_, "household_category": status,
                                                                  "rules": rules, "reasons": []},
                      household={"status": status, "size": 3, "registered_in_region": True},
                      situation={"events": [{"kind": "chronic_illness", "occurred_on": "2026-10-01"}],
                                 "expenses": [{"category": "medical_inpatient", "amount": "23000.00"}]})


async def test_skips_and_expenditure_only_cases_make_no_query(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url) as mc:
        cases = {"TA-adv": ("emergency", "none", "ADV-SKIP"), "TA-ref": ("referral_only", "none", "CLS-ROUTE-OUT"),
                 "TA-exp": ("expenditure", "dibao", "CQ-EXP-ONLY"), "TA-tk": ("expenditure", "tekun", "CQ-EXP-ONLY"),
                 "TA-poor": ("expenditure", "registered_poor", "CQ-EXP-ONLY")}
        for case_id, (type_, status, _) in cases.items():
            await mc.publish(classified(case_id, type_, status, ["CLS-EXP"]))

        async def recorded() -> dict:
            found = {}
            for case_id in cases:
                r = await mc.client.get(f"/v1/checks/{case_id}", headers=token("auditor"))
                assert r.status_code == 200, r.text
                found[case_id] = r.json()
            return found

        checks = await eventually(recorded, message="every case's check recorded")
        assert {c: checks[c]["rules"] for c in cases} == {c: [rule] for c, (_, _, rule) in cases.items()}
        expenditure = await published(mc.js, "relief.means.verified", 3)
        scopes = [json.loads(e)["data"] for e in expenditure]
        assert {s["scope"] for s in scopes} == {"expenditure"} and all(s["figures"] == [] for s in scopes)
        assert "23000.00" in scopes[0]["reason"]
        assert mc.simulators.queries() == 0  # the departments' own counters
        log = (await mc.client.get("/v1/access-log", headers=token("auditor"))).json()
        assert log == []


async def test_without_consent_nothing_is_asked(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url) as mc:
        r = await mc.request(members("three-sources"), case_id="TA-nc")
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == ["consent"]
        r = await mc.request(members("three-sources"), case_id="TA-nc", consent={"signed_on": "2099-01-01"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "consent.signed_on"
        # intake without the household's consent: the members are not even handed over
        await mc.publish(make_event("case.verification_needed", "TA-nc2", members=[],
                                    consent={"means_check": False, "signed_on": "2026-01-05"}))
        await mc.publish(classified("TA-nc2", "expenditure", "none", ["CLS-EXP"]))

        async def waiting_for_consent() -> bool:
            check = (await mc.client.get("/v1/checks/TA-nc2", headers=token("clerk"))).json()
            if not check.get("verifications"):
                return False
            return (await mc.verification(check["verifications"][0]))["status"] == "consent_missing"

        await eventually(waiting_for_consent, message="a verification waiting for consent")
        other = await mc.client.post("/v1/verifications", headers=token("reviewer", "anyang"),
                                     json={"case_id": "x", "region": "fuxin-haizhou", "members": members("large-deposit"),
                                           "consent": {"signed_on": "2026-01-05"}})
        assert other.status_code == 403
        assert (await mc.client.post("/v1/verifications", headers=token("auditor"), json={})).status_code == 403
        assert mc.simulators.queries() == 0


async def test_every_query_is_logged_and_an_edit_breaks_the_chain(database_url, nats_server,
                                                                  capfd: pytest.CaptureFixture) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url, faults={"vehicles": "flaky"}) as mc:
        household = members("three-sources")
        vid = await mc.start(household, case_id="TA-log")
        v = await mc.finished(vid)
        rows = (await mc.client.get("/v1/access-log", params={"case_id": "TA-log"}, headers=token("auditor"))).json()
        asked = [r for r in rows if r["action"] == "asked"]
        assert len(asked) == mc.simulators.queries()  # every call the departments saw, and no other
        assert {"asked", "answered", "failed"} <= {r["action"] for r in rows}  # vehicles failed once, then answered
        assert all(r["actor"] == "clerk-1" and r["purpose"] and r["source"] and "*" in r["person"] for r in rows)
        by_person = (await mc.client.get("/v1/access-log", params={"id_number": household[0]},
                                         headers=token("auditor"))).json()
        assert by_person and {r["person"] for r in by_person} == {household[0][:6] + "********" + household[0][-4:]}
        assert (await mc.client.get("/v1/access-log", headers=token("clerk"))).status_code == 403
        assert (await mc.client.get("/v1/access-log", headers=token("auditor", "anyang"))).json() == []
        assert (await mc.client.get("/v1/access-log/chain", headers=token("auditor"))).json()["intact"]

        stored = (await mc.js.stream_info("RELIEF")).state.messages
        published_events = await published(mc.js, "relief.>", stored)
        assert any(b"means.verified" in e for e in published_events)
        # the service's JSON log lines; not the test's own HTTP client, which logs the URLs it calls
        log_lines = [line for line in capfd.readouterr().err.splitlines() if '"logger": "httpx"' not in line]
        assert any("member 210902********" in line for line in log_lines)  # the flaky source, masked
        scanned = [json.dumps(v), *(e.decode() for e in published_events), *log_lines]
        leaked = [text for text in scanned if any(i in text for i in household) or FULL_ID.search(text)]
        assert leaked == []

        victim = rows[len(rows) // 2]["seq"]
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE access_log SET summary = 'nothing found' WHERE seq = :s"), {"s": victim})
        await engine.dispose()
        report = (await mc.client.get("/v1/access-log/chain", headers=token("auditor"))).json()
        assert report == {"rows": victim - 1, "intact": False, "first_broken": victim,
                          "reason": "its contents do not match its hash"}
    command = subprocess.run([sys.executable, "-m", "means_check.audit", "--database-url", database_url],
                             capture_output=True, text=True, timeout=60)
    assert command.returncode == 1 and f"row {victim}" in command.stdout, command.stdout + command.stderr


async def test_results_and_id_numbers_are_deleted_after_the_retention(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url, retention_days=30) as mc:
        vid = await mc.start(members("large-deposit"), case_id="TA-ret")
        assert (await mc.finished(vid))["figures"]
        await mc.advance(31)

        async def purged() -> dict | None:
            v = await mc.verification(vid)
            return v if v["purged_at"] else None

        v = await eventually(purged, message="results deleted")
        assert v["figures"] == [] and v["result"] is None
        engine = create_engine(database_url)
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT id_number FROM verification_members"))).scalars().all()
            logged = (await conn.execute(text("SELECT count(*) FROM access_log"))).scalar()
        await engine.dispose()
        assert kept == [None] and logged > 0  # the audit trail stays, masked
