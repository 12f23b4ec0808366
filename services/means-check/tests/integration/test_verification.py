"""Verification against the simulated departments: the result, the deadline, restarts, breakers."""
from __future__ import annotations

import asyncio

from relief_shared.testing import eventually, make_event

from .harness import FULL_ID, members, means_check, published, token


async def test_income_from_three_sources_gives_the_per_capita_figure(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url) as mc:
        vid = await mc.start(members("three-sources"), case_id="TA-three")
        v = await mc.finished(vid)
        result = v["result"]
        assert v["status"] == "completed" and result["complete"] and not result["partial"]
        # wages 1800 + 600 (two employers, tax), pension 1200 (social insurance), shop 900 (market entity)
        assert (result["monthly_income"], result["monthly_income_per_capita"]) == ("4500.00", "1500.00")
        income = {(f["source"], f["category"], f["monthly"]) for f in result["figures"] if f["kind"] == "income"}
        assert income == {("tax", "wages", "1800.00"), ("tax", "wages", "600.00"),
                          ("social_insurance", "pension", "1200.00"), ("market_entity", "business", "900.00")}
        assert all(f["reference"] and "*" in f["member"] for f in result["figures"])
        lines = {t["name"]: t for t in result["thresholds"]}
        assert lines["dibao standard"]["crossed"] and not lines["low-income line"]["crossed"]
        assert lines["dibao standard"]["sources"] == ["market_entity", "social_insurance", "tax"]
        assert lines["businesses"]["crossed"]  # a member runs a business: the sample pack allows none
        [event] = await published(mc.js, "relief.means.verified", 1)
        assert b"1500.00" in event and not FULL_ID.search(event.decode())


async def test_a_deposit_above_the_limit_is_flagged_with_its_source(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url) as mc:
        deposit = await mc.finished(await mc.start(members("large-deposit"), case_id="TA-deposit"))
        [assets] = [t for t in deposit["result"]["thresholds"] if t["name"] == "financial assets"]
        assert assets["crossed"] and assets["value"] == "186000.00" and assets["sources"] == ["bank_deposits"]
        [reference] = assets["references"]
        assert reference.startswith("BANK-")
        assert deposit["result"]["assets"]["deposits"] == "186000.00"
        home = await mc.finished(await mc.start(members("car-and-second-home"), case_id="TA-home"))
        crossed = {t["name"] for t in home["result"]["thresholds"] if t["crossed"]}
        assert {"homes", "vehicles"} <= crossed and "financial assets" not in crossed
        # the child is not sent to sources that hold nothing about minors (tax, business, vehicles …)
        child = home["members"][1]["member"]
        asked = {r["source"] for r in home["requests"] if r["member"] == child and r["status"] != "not_asked"}
        assert asked == {"household_registration", "social_insurance", "real_estate", "bank_deposits",
                         "commercial_insurance", "internet_finance"}


async def test_a_person_unknown_to_a_source_is_an_answer_not_a_gap(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url) as mc:
        v = await mc.finished(await mc.start(members("unknown-person"), case_id="TA-unknown"))
        assert v["status"] == "completed"
        assert sorted(r["source"] for r in v["requests"] if r["status"] == "not_found") == ["social_insurance", "tax"]


async def test_a_failing_source_opens_its_breaker_and_the_others_go_on(database_url, nats_server) -> None:  # noqa: ANN001
    async with means_check(database_url, nats_server.url, faults={"tax": "fail"}, max_attempts=1,
                           breaker_cool_off_seconds=1.5) as mc:
        ids = [await mc.start(members(name), case_id=f"TA-b{i}")
               for i, name in enumerate(["three-sources", "large-deposit", "car-and-second-home"])]

        async def tax_breaker_opened() -> bool:
            sources = (await mc.client.get("/v1/sources", headers=token("clerk"))).json()
            tax = next(s for s in sources if s["code"] == "tax")
            return tax["state"] in ("open", "half_open") and tax["errors"] >= 3

        await eventually(tax_breaker_opened, message="the tax breaker opens")
        held_at = mc.simulators.queries("tax")
        await asyncio.sleep(0.3)  # proving an absence: while open, the department is not called
        assert mc.simulators.queries("tax") <= held_at + 1  # at most the one half-open trial
        for vid in ids:
            v = await mc.finished(vid)
            assert v["status"] == "partial" and v["result"]["partial"]
            assert v["result"]["missing"] and all(m.startswith("tax ") for m in v["result"]["missing"])
            others = [r for r in v["requests"] if r["source"] != "tax" and r["status"] != "not_asked"]
            assert others and all(r["status"] in ("answered", "not_found") for r in others)
        tax_requests = 0
        for vid in ids:
            tax_requests += sum(1 for r in (await mc.verification(vid))["requests"]
                                if r["source"] == "tax" and r["status"] != "not_asked")
        assert mc.simulators.queries("tax") == tax_requests  # one attempt each, none lost while held back
        healthy = [s for s in (await mc.client.get("/v1/sources", headers=token("clerk"))).json()
                   if s["code"] != "tax"]
        assert all(s["state"] == "closed" and s["errors"] == 0 for s in healthy)


async def test_a_timed_out_source_leaves_a_partial_result_at_the_deadline(database_url, nats_server) -> None:  # noqa: ANN001
    """DT-MEANS-15D (Dongtou): the verification runs on past 15 days, which extends DT-20D to 30, and
    is closed at its limit on the data it has, the missing source named."""
    async with means_check(database_url, nats_server.url, faults={"bank_deposits": "timeout"}, max_attempts=10_000,
                           timeout_seconds=0.1, retry_seconds=[0.2], breaker_threshold=1_000) as mc:
        [applicant] = members("dongtou-pension")
        event = make_event("case.verification_needed", "DT-partial", region="wenzhou-dongtou",
                           org_unit="wenzhou-dongtou/beiyan", applies_for="dibao",
                           members=[{"id_number": applicant, "relation": "self"}])
        await mc.publish(event)

        async def waiting_for_the_bank() -> dict | None:
            r = await mc.client.get("/v1/checks/DT-partial", headers=token("clerk", "wenzhou-dongtou"))
            ids = r.json().get("verifications", []) if r.status_code == 200 else []
            if not ids:
                return None
            v = await mc.verification(ids[0], "wenzhou-dongtou")
            pending = {r["source"] for r in v["requests"] if r["status"] not in ("answered", "not_found")}
            return v if pending == {"bank_deposits"} else None

        await mc.publish(make_event("case.classified", "DT-partial", region="wenzhou-dongtou",
                                    classification={"type": "expenditure", "household_category": "none",
                                                    "rules": ["CLS-EXP"], "reasons": []}))
        v = await eventually(waiting_for_the_bank, message="all but the bank answered")
        assert v["status"] == "verifying" and v["deadline_at"].startswith("2")
        await mc.advance(16)
        assert (await mc.verification(v["verification_id"], "wenzhou-dongtou"))["status"] == "verifying"
        await mc.advance(10)
        done = await mc.finished(v["verification_id"], "wenzhou-dongtou")
        result = done["result"]
        assert done["status"] == "partial" and result["partial"] and not result["complete"]
        assert [m.split(" ")[0] for m in result["missing"]] == ["bank_deposits"]
        assert result["monthly_income_per_capita"] == "700.00"
        assert result["took_days"] >= 25 and "DT-MEANS-15D" in result["rules"]
        assert result["decision_periods"] == [{"limit": "DT-20D", "rule": "DT-MEANS-15D", "days": 30,
                                               "extended": True}]
        deadline_events = await published(mc.js, "relief.deadline.>", 2)
        assert [e.split(b'"type":"')[1].split(b'"')[0] for e in deadline_events] == [b"deadline.opened",
                                                                                      b"deadline.due_soon"]


async def test_a_source_answering_after_a_restart_completes_the_verification(database_url, nats_server) -> None:  # noqa: ANN001
    faults = {"real_estate": "later"}
    async with means_check(database_url, nats_server.url, faults=faults, later_days=20) as mc:
        vid = await mc.start(members("car-and-second-home"), case_id="TA-later")

        async def promised() -> bool:
            v = await mc.verification(vid)
            return any(r["source"] == "real_estate" and r["status"] == "waiting" for r in v["requests"])

        await eventually(promised, message="the real-estate registry promised an answer")
    async with means_check(database_url, nats_server.url, migrate=False, faults=faults, later_days=20) as mc:
        assert (await mc.verification(vid))["status"] == "verifying"
        await mc.advance(21)
        v = await mc.finished(vid)
        assert v["status"] == "completed" and v["result"]["complete"]
        homes = [f for f in v["result"]["figures"] if f["category"] == "real_estate"]
        assert len(homes) == 2 and all(f["reference"].startswith("REAL-") for f in homes)
        assert mc.simulators.queries("real_estate") >= 1  # the new process collected the answer


async def test_hanging_departments_hold_neither_the_write_lock_nor_the_door(database_url, nats_server) -> None:  # noqa: ANN001
    """Every department hangs: while the calls are out, the service still writes (a new
    verification needs the database's write lock) and answers at once."""
    from means_check.sources.catalog import CODES

    async with means_check(database_url, nats_server.url, faults={code: "timeout" for code in CODES},
                           timeout_seconds=30) as mc:
        await mc.start(members("three-sources"), case_id="TA-hang-1")

        async def all_out() -> bool:
            sources = (await mc.client.get("/v1/sources", headers=token("clerk"))).json()
            return sum(s["in_flight"] for s in sources) >= 20

        await eventually(all_out, message="the calls are out and hanging")
        t = asyncio.get_running_loop().time()
        await mc.start(members("large-deposit"), case_id="TA-hang-2")  # a write transaction
        assert (await mc.client.get("/v1/sources", headers=token("clerk"))).status_code == 200
        assert asyncio.get_running_loop().time() - t < 2.0
        assert mc.app.state.runtime.db._write_lock is None or not mc.app.state.runtime.db._write_lock.locked()
