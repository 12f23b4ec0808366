"""One valid example payload per registered event type: shown in the AsyncAPI document, and
used by tests that need some event of a type without caring what it says (a test of one
consumer's own behaviour builds its input from the producer's real code instead; see
tests/contract)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from relief_shared.contract import approval, benefit, case, deadline, household, means, payment, status
from relief_shared.contract.fields import Actor, Payload, Person, system
from relief_shared.contract.registry import REGISTRY, EventSpec
from relief_shared.money import Money

CLERK = Actor(id="clerk-hjd-01", name="李经办")
APPROVER = Actor(id="approver-hjd-01", name="张审批")
APPLICANT = Person(id_number="210902198001011236", name="王秀兰")
ORG_UNIT = "fuxin-haizhou/hanjiadian"
DAY = date(2026, 11, 21)
AT = datetime(2026, 11, 21, 2, 30, tzinfo=timezone.utc)
FIVE_THOUSAND = Money.yuan(Decimal("5000.00"))

_CLASSIFICATION = case.Classification(type="emergency", household_category="none", rules=["CLS-EMG"],
                                      reasons=["sudden event (fire): emergency aid (急难型, Fuxin 二)"])
_ROUTE = approval.RouteSummary(rules=["FX-ADV", "ADV-SKIP"], skipped=["means_check"], sources=["seed 000 四"])

_DEADLINE = dict(
    deadline_id="7c4d0e11-0000-4000-8000-000000000003", limit="CQ-ADV", rule="CQ-ADV", name="advance-aid approval",
    clause="seed 001 Yubei notice 三 (审批时限不超过3个工作日)", service="approval", org_unit="chongqing-yubei/longxi",
    watches="approval task 5b0c7a3e-0000-4000-8000-000000000001", unit="working_days", amount=3,
    started_at=datetime(2026, 2, 12, 1, 0, tzinfo=timezone.utc),
    due=datetime(2026, 2, 24, 15, 59, 59, tzinfo=timezone.utc),
    warn_at=datetime(2026, 2, 14, 15, 59, 59, tzinfo=timezone.utc), state="open", met=None, late_by_seconds=None,
    warned_at=None, breached_at=None, closed_at=None, calendar_complete=True,
    calendar_version="2026:official:9795f3bf", revision=1, escalate_to="district")
_WARNED = {**_DEADLINE, "warned_at": datetime(2026, 2, 14, 16, 0, tzinfo=timezone.utc), "revision": 2}
_BREACHED = {**_WARNED, "state": "breached", "met": False,
             "breached_at": datetime(2026, 2, 24, 16, 0, tzinfo=timezone.utc), "revision": 3}

EXAMPLES: dict[tuple[str, int], Payload] = {
    ("case.received", 1): case.CaseReceived(org_unit=ORG_UNIT, channel="window",
                                            applies_for="temporary_assistance", accepted_on=DAY, by=CLERK),
    ("case.classified", 1): case.CaseClassified(
        org_unit=ORG_UNIT, applies_for="temporary_assistance", classification=_CLASSIFICATION,
        applicant=APPLICANT,
        household=case.HouseholdFacts(status="none", size=1, monthly_income_per_capita=Money.yuan("812.00"),
                                      registered_in_region=True),
        situation=case.SituationFacts(events=[case.SituationEvent(kind="fire", occurred_on=date(2026, 11, 20))],
                                      severity="severe", needs=["housing"]),
        accepted_on=DAY, accepted_by=CLERK, by=system("eligibility")),
    ("means.skipped", 1): means.MeansSkipped(scope="none", rules=["ADV-SKIP"], by=system("means-check"),
                                             reason="emergency case helped in advance: means check skipped"),
    ("means.requested", 1): means.MeansRequested(scope="full", rules=["ANY-MEANS-SOURCES"], by=system("means-check"),
                                                 reason="full household economic status verification"),
    ("benefit.calculated", 1): benefit.BenefitCalculated(
        org_unit=ORG_UNIT, type="emergency", as_of=DAY, ceiling=FIVE_THOUSAND, recommended=FIVE_THOUSAND,
        rules=["FX-EMG-TIER"],
        trace=[benefit.TraceStep(rule="FX-EMG-TIER", source="seed 000 三(一)", inputs={"severity": "severe"},
                                 result=FIVE_THOUSAND, note="ceiling for a severe emergency")],
        needs_deliberation=False, decision="FX-EMG-TIER: ceiling for a severe emergency", pack_version="2026.11.2",
        parameters={"emergency_tier_ceilings": {"value": {"severe": "5000.00"}, "valid_from": "2020-12-08",
                                                "source": "seed 000 三(一)", "sample": False}},
        applicant=APPLICANT, accepted_by=CLERK, by=system("benefit-calc")),
    ("approval.requested", 1): approval.ApprovalRequested(
        task_id="5b0c7a3e-0000-4000-8000-000000000001", step="approve", role="approver", org_unit=ORG_UNIT,
        due=datetime(2026, 11, 26, 15, 59, 59, tzinfo=timezone.utc), amount_ceiling=FIVE_THOUSAND, route=_ROUTE,
        by=system("approval")),
    ("case.approved", 1): approval.CaseApproved(
        task_id="5b0c7a3e-0000-4000-8000-000000000001", step="approve", amount=FIVE_THOUSAND, approved_by=APPROVER,
        org_unit=ORG_UNIT, payee=APPLICANT, rules=["FX-ADV", "ADV-SKIP", "DT-SOD"], comment="", by=APPROVER),
    ("case.rejected", 1): approval.CaseRejected(
        task_id="5b0c7a3e-0000-4000-8000-000000000001", step="approve", rejected_by=APPROVER,
        comment="not an emergency", rules=["FX-ADV", "DT-SOD"], by=APPROVER),
    ("payment.scheduled", 1): payment.PaymentScheduled(
        payment_id="9d1e2f00-0000-4000-8000-000000000002", amount=FIVE_THOUSAND, channel="bank", due=None,
        rules=["FX-PAY-CHANNEL"], by=system("disbursement")),
    ("payment.sent", 1): payment.PaymentSent(payment_id="9d1e2f00-0000-4000-8000-000000000002",
                                             amount=FIVE_THOUSAND, bank_reference="9d1e2f00-0000-4000-8000-000000000002",
                                             by=system("disbursement")),
    ("payment.paid", 1): payment.PaymentPaid(
        payment_id="9d1e2f00-0000-4000-8000-000000000002", amount=FIVE_THOUSAND, paid_at=AT,
        bank_reference="9d1e2f00-0000-4000-8000-000000000002", bank_transaction="SIM-000001",
        by=system("disbursement")),
    ("deadline.opened", 1): deadline.DeadlineOpened(**_DEADLINE),
    ("deadline.due_soon", 1): deadline.DeadlineDueSoon(**_WARNED),
    ("deadline.breached", 1): deadline.DeadlineBreached(**_BREACHED),
    ("deadline.closed", 1): deadline.DeadlineClosed(**{**_BREACHED, "closed_at": datetime(2026, 2, 25, 2, 0,
                                                                                        tzinfo=timezone.utc),
                                                       "late_by_seconds": 36001, "revision": 4}),
    ("deadline.rescheduled", 1): deadline.DeadlineRescheduled(**{**_DEADLINE, "revision": 2}),
    ("status.changed", 1): status.StatusChanged(
        person=APPLICANT, status="dibao", previous="none", since=date(2026, 3, 1), household_size=2,
        monthly_amount=Money.yuan("520.00"), reason="dibao application approved (DT-20D)", rules=["DT-20D"],
        by=APPROVER),
    ("case.verification_needed", 1): household.CaseVerificationNeeded(
        org_unit=ORG_UNIT, applies_for="dibao", classification_type="expenditure", household_status="none",
        members=[household.HouseholdMember(id_number=APPLICANT.id_number, relation="self"),
                 household.HouseholdMember(id_number="210902198203051236", relation="spouse")],
        consent=household.MeansConsent(means_check=True, signed_on=DAY), accepted_at=AT, requested_by=CLERK,
        by=system("eligibility")),
    ("means.verified", 1): means.MeansVerified(
        verification_id="3f6b7c2a-0000-4000-8000-000000000004", scope="full", complete=True, partial=False,
        household_size=2, monthly_income=Money.yuan("1400.00"), monthly_income_per_capita=Money.yuan("700.00"),
        assets={"deposits": Money.yuan("12000.00")},
        figures=[means.VerifiedFigure(source="tax", reference="TAX-2026-000123", member="210902********1236",
                                      category="wages", kind="income", monthly=Money.yuan("1400.00")),
                 means.VerifiedFigure(source="bank_deposits", reference="BANK-2026-000456",
                                      member="210902********1233", category="deposits", kind="asset",
                                      value=Money.yuan("12000.00"))],
        thresholds=[means.ThresholdCheck(name="income above the dibao standard", rule="ANY-MEANS-SOURCES",
                                         limit="760.00", value="700.00", crossed=False, sources=["tax"],
                                         clause="sample dibao standard")],
        started_at=AT, finished_at=AT, took_days=3,
        decision_periods=[means.DecisionPeriod(limit="DT-20D", rule="DT-MEANS-15D", days=20, extended=False)],
        rules=["ANY-MEANS-SOURCES"], reason="every source answered", by=system("means-check")),
    ("payment.failed", 1): payment.PaymentFailed(payment_id="9d1e2f00-0000-4000-8000-000000000002",
                                                 amount=FIVE_THOUSAND, reason="account closed", retryable=False,
                                                 by=system("disbursement")),
    ("case.revoked", 1): approval.CaseRevoked(reason="income concealed (隐瞒收入)", fraudulent=True,
                                              recover=Money.yuan("1500.00"), rules=["ANY-RECOVER"], by=APPROVER),
    ("payment.cancelled", 1): payment.PaymentCancelled(
        payment_id="9d1e2f00-0000-4000-8000-000000000002", amount=FIVE_THOUSAND, reason="approval revoked",
        rules=["STAGED"], by=system("disbursement")),
    ("payment.task_opened", 1): payment.PaymentTaskOpened(
        task_id="3f6a1c20-0000-4000-8000-000000000004", kind="correct_account", role="clerk", org_unit=ORG_UNIT,
        payment_id="9d1e2f00-0000-4000-8000-000000000002", detail="the bank refused the account: correct it",
        rules=["FX-PAY-CHANNEL"], by=system("disbursement")),
    ("payment.reserve_below_floor", 1): payment.ReserveBelowFloor(
        org_unit="wenzhou-dongtou/beiyan", balance=Money.yuan("8000.00"), floor=Money.yuan("10000.00"),
        rules=["DT-RESERVE"], by=system("disbursement")),
    ("payment.payroll_month_opened", 1): payment.PayrollMonthOpened(
        run_id="6a2b3c40-0000-4000-8000-000000000005", month="2026-12", recipients=1200,
        total=Money.yuan("624000.00"), skipped=0, due=date(2026, 12, 9), by=system("disbursement")),
    ("payment.payroll_completed", 1): payment.PayrollCompleted(
        run_id="6a2b3c40-0000-4000-8000-000000000005", month="2026-12", paid=1199, failed=1,
        total_paid=Money.yuan("623480.00"), by=system("disbursement")),
}
# the standard procedure (issue 13): returns, deliberation, advance paperwork
EXAMPLES.update({
    ("approval.returned", 1): approval.ApprovalReturned(
        task_id="5b0c7a3e-0000-4000-8000-000000000007", step="investigation", round=2,
        reason="the household's income from the spouse's shop was not visited", by=APPROVER),
    ("approval.deliberated", 1): approval.ApprovalDeliberated(
        task_id="5b0c7a3e-0000-4000-8000-000000000008", org_unit="wenzhou-dongtou/beiyan", held_on=date(2026, 10, 9),
        participants=12, participant_roles={"street_staff": 3, "village_committee": 4, "resident_cadre": 1,
                                            "residents_representative": 4},
        observer_unit="区纪委派驻组", vote=approval.DeliberationVote(in_favour=11, against=1, abstain=0),
        decided_amount=Money.yuan("8000.00"), amount_ceiling=Money.yuan("0.00"),
        minutes_sha256="0" * 64, rules=["DT-CASE"], by=APPROVER),
    ("approval.paperwork_completed", 1): approval.PaperworkCompleted(
        task_id="5b0c7a3e-0000-4000-8000-000000000009", amount=FIVE_THOUSAND, signatures=3, sealed=True,
        rules=["CQ-ADV"], by=APPROVER),
    ("approval.filed", 1): approval.PaperworkFiled(task_id="5b0c7a3e-0000-4000-8000-00000000000a", rules=["CQ-ADV"],
                                                   by=APPROVER),
})


def example(spec: EventSpec | tuple[str, int]) -> Payload:
    key = (spec.type, spec.version) if isinstance(spec, EventSpec) else spec
    try:
        return EXAMPLES[key]
    except KeyError:
        raise LookupError(f"no example payload for {key[0]} v{key[1]}: add one to contract/examples.py") from None


def missing_examples() -> list[str]:
    return [spec.key for key, spec in REGISTRY.events.items() if key not in EXAMPLES]
