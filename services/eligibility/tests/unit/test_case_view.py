from datetime import datetime, timezone

from eligibility.domain import CaseView

AT = datetime(2026, 11, 22, 8, tzinfo=timezone.utc)


def test_status_never_moves_back_when_events_arrive_late() -> None:
    view = CaseView("received")
    view.apply("payment.paid", {"payment_id": "p1", "amount": "5000.00"}, AT)
    view.apply("benefit.calculated", {"ceiling": "5000.00"}, AT)
    assert view.status == "paid"
    assert view.benefit["ceiling"] == "5000.00"


def test_a_deadline_keeps_its_highest_revision_whatever_the_order_of_arrival() -> None:
    from relief_shared.contract.examples import EXAMPLES

    view = CaseView("pending_approval")
    closed = EXAMPLES[("deadline.closed", 1)].model_dump(mode="json")
    opened = EXAMPLES[("deadline.opened", 1)].model_dump(mode="json")
    view.apply("deadline.closed", closed, AT)
    view.apply("deadline.opened", opened, AT)  # late: an older revision
    [deadline] = view.deadlines
    assert (deadline["rule"], deadline["state"], deadline["met"], deadline["late_by"]) == (
        "CQ-ADV", "breached", False, "PT10H0M1S")
    assert deadline["clause"].startswith("seed 001")
    assert datetime.fromisoformat(deadline["due"]) == datetime(2026, 2, 24, 15, 59, 59, tzinfo=timezone.utc)


def test_a_late_payment_sent_never_overwrites_paid() -> None:
    view = CaseView("approved")
    view.apply("payment.paid", {"payment_id": "p1", "amount": "5000.00"}, AT)
    view.apply("payment.sent", {"payment_id": "p1", "amount": "5000.00"}, AT)
    assert view.payments["p1"]["status"] == "paid"


def test_the_view_starts_from_the_stored_snapshot_and_folds_only_rows_with_facts() -> None:
    from types import SimpleNamespace

    from eligibility.store import view_of

    snapshot = {"classification": {"type": "emergency"}, "benefit": {"ceiling": "3000.00"}, "approval": {},
                "payments": {}, "deadlines": []}
    row = SimpleNamespace(status="approved", view=snapshot)
    old = SimpleNamespace(event="benefit.calculated", facts=None, at=AT)  # folded into the snapshot already
    new = SimpleNamespace(event="payment.paid", facts={"payment_id": "p1", "amount": "3000.00"}, at=AT)
    view = view_of(row, [old, new])
    assert view.benefit == {"ceiling": "3000.00"} and view.payments["p1"]["status"] == "paid"
    assert view.status == "approved"  # the case row's status is the one that counts
