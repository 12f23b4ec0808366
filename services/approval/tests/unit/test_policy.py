from datetime import date, datetime, timezone

import pytest

from approval import policy
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.money import Money
from relief_shared.regions import RegionPacks

ADVANCE = {"step": "approve", "role": "approver", "skip": ["means_check", "democratic_appraisal", "public_notice"],
           "district_consent_before_payment": False, "time_limits": ["CQ-ADV", "CQ-EMG-3WD"]}


def test_emergency_is_approved_in_advance_by_the_town_alone() -> None:
    route = policy.advance_route(ADVANCE, "seed 000 四", ceiling=Money.yuan("5000.00"))
    assert route.rules == ("FX-ADV", "ADV-SKIP")
    assert route.skipped == ("means_check", "democratic_appraisal", "public_notice")
    assert route.sources == ("seed 000 四",)
    assert [(s.step, s.role, s.time_limits) for s in route.steps] == [("approve", "approver",
                                                                        ("CQ-ADV", "CQ-EMG-3WD"))]


def test_the_route_names_the_regions_own_rule() -> None:
    route = policy.advance_route(ADVANCE, "seed 001", ceiling=Money.yuan("5000.00"), rule="CQ-ADV")
    assert route.rules == ("CQ-ADV", "ADV-SKIP")


def test_the_pack_can_require_district_consent_before_an_advance_payment() -> None:
    advance = {**ADVANCE, "district_consent_before_payment": True}
    route = policy.advance_route(advance, "seed 000 四", ceiling=Money.yuan("3000.00"),
                                 town_limit=Money.yuan("2000.00"), limit_source="seed 000 三")
    assert [s.step for s in route.steps] == ["approve", "district_consent"]


def test_town_limit_is_inclusive() -> None:
    at_limit = policy.town_route(ceiling=Money.yuan("2000.00"), town_limit=Money.yuan("2000.00"), source="s")
    above = policy.town_route(ceiling=Money.yuan("2000.01"), town_limit=Money.yuan("2000.00"), source="s")
    assert [s.step for s in at_limit.steps] == ["approve"]
    assert [s.step for s in above.steps] == ["approve", "district_consent"]
    assert above.steps[1].role == "district"
    assert not above.steps[1].needed_for(Money.yuan("2000.00"))
    assert above.steps[1].needed_for(Money.yuan("2000.01"))


def test_the_handler_may_not_decide() -> None:
    assert "DT-SOD" in policy.duty_conflict("clerk-1", accepted_by="clerk-1", acted_on=[], step="approve")


def test_one_person_may_not_act_on_two_steps() -> None:
    reason = policy.duty_conflict("ann", accepted_by="clerk-1", acted_on=[("approve", "ann")], step="district_consent")
    assert "approve" in reason
    assert policy.duty_conflict("bob", accepted_by="clerk-1", acted_on=[("approve", "ann")],
                                step="district_consent") is None


def test_an_amount_above_the_ceiling_is_refused() -> None:
    ceiling = Money.yuan("3000.00")
    assert policy.amount_refusal(Money.yuan("3000.00"), ceiling) is None
    assert "deliberation" in policy.amount_refusal(Money.yuan("3000.01"), ceiling)
    assert policy.amount_refusal(Money.zero(), ceiling)


def test_three_working_days_over_the_national_day_holiday() -> None:
    received = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    due = WorkingCalendar.load().due_at(received, 3)
    assert due.isoformat() == "2026-10-10T23:59:59+08:00"  # Oct 1-7 off, Oct 10 is an adjusted workday


def test_a_late_utc_evening_counts_from_the_shanghai_day() -> None:
    received = datetime(2026, 9, 29, 17, 0, tzinfo=timezone.utc)  # already 30 Sept in Shanghai
    assert WorkingCalendar.load().due_at(received, 3).date().isoformat() == "2026-10-10"




# --- Routes per region, from the shipped packs ------------------------------------------------------------

PACKS = RegionPacks.load()
AS_OF = date(2026, 3, 16)


def route_of(region: str, case_type: str, ceiling: str) -> policy.Route:
    return policy.route_for(PACKS.get(region), case_type, Money.yuan(ceiling), AS_OF)


@pytest.mark.parametrize("case_type, ceiling", [("expenditure", "5000.00"), ("expenditure", "80000.00"),
                                                ("emergency", "5000.00")])
def test_dongtou_street_approves_every_amount(case_type: str, ceiling: str) -> None:
    route = route_of("wenzhou-dongtou", case_type, ceiling)
    deciding = [(s.step, s.role) for s in route.steps if not route.post_approval(s.step)]
    assert ("approve", "approver") in deciding and "district" not in {role for _, role in deciding}
    assert "DT-15D" in route.steps[0].time_limits


@pytest.mark.parametrize("region, limit", [("linfen", "1000.00"), ("chongqing-yubei", "2000.00")])
def test_delegated_limit_at_the_town_above_it_the_district(region: str, limit: str) -> None:
    at = route_of(region, "expenditure", limit)
    above = route_of(region, "expenditure", str(Money.yuan(limit) + Money.yuan("0.01")))
    assert [s.step for s in at.steps] == ["approve"] and at.rules == ("FX-ROUTE",)
    assert [(s.step, s.role) for s in above.steps] == [("approve", "approver"), ("district_consent", "district")]
    assert above.steps[1].only_above == Money.yuan(limit)


def test_linfen_has_no_advance_aid_so_an_emergency_takes_the_delegated_route() -> None:
    route = route_of("linfen", "emergency", "3000.00")
    assert route.rules == ("FX-ROUTE",) and [s.step for s in route.steps] == ["approve", "district_consent"]
    assert route.skipped == ()


@pytest.mark.parametrize("region, rule, limits", [
    ("chongqing-yubei", "CQ-ADV", ("CQ-ADV", "CQ-EMG-3WD")), ("anyang", "ANY-ADV", ()),
    ("fuxin-haizhou", "FX-ADV", ()), ("wenzhou-dongtou", "DT-ADV", ("DT-ADV", "DT-15D")),
])
def test_advance_aid_by_the_regions_own_rule(region: str, rule: str, limits: tuple[str, ...]) -> None:
    route = route_of(region, "emergency", "5000.00")
    assert route.rules[:2] == (rule, "ADV-SKIP") and route.steps[0].time_limits == limits
    assert route.pack_version == PACKS.get(region).pack_version
