"""Every rule ID of policy.md and the service that owns it (policy.md, "Rule index").

A region pack lists which of these apply in the region; an ID that is not here is a typing
error in the pack, and the pack is refused. One ID is the suite's own, for a clause policy.md
names without an ID: ANY-RESIDENCE (Anyang 二(一)3, residence-permit holders apply where they
live).
"""
from __future__ import annotations

OWNERS: dict[str, tuple[str, ...]] = {
    "eligibility": (
        "ONE-WINDOW", "CLS-EMG", "CLS-EXP", "CLS-ROUTE-OUT", "CQ-EXP-SCOPE", "CQ-CLASS-B", "FX-EMG-ALL",
        "FX-LOWINC", "LF-TK-DEF", "ANY-TK-AGE", "ANY-SINGLE", "DT-MARGINAL", "ANY-EXIT", "ANY-RESIDENCE",
        "REF-DETECT", "DT-FEEDBACK-1WD", "DT-DEPT-REPORT", "DT-EDU-NEXT-MONTH", "DT-NO-PAPER", "LF-COMPLAINT",
    ),
    "means-check": ("ANY-MEANS-SOURCES", "LF-MEANS-PLATFORM", "DT-MEANS-15D", "CQ-EXP-ONLY", "ADV-SKIP"),
    "benefit-calc": (
        "FX-EMG-TIER", "FX-EXP-DIBAO", "FX-MED-DIBAO", "FX-MED-LOWINC", "FX-MED-OTHER", "LF-CAP", "FX-CASE",
        "DT-CARE", "DT-MARGINAL", "ANY-DIBAO-PAY", "CQ-CLASS-B",
    ),
    "approval": (
        "FX-ROUTE", "DT-15D", "DT-20D", "DT-SOD", "LF-KIN", "FX-RECORD", "FX-ADV", "CQ-ADV", "CQ-EMG-3WD",
        "DT-ADV", "ANY-ADV", "ADV-SKIP", "ANY-NO-APPRAISAL", "DT-CASE", "FX-CASE-MIN", "FX-EXP-PROC", "STAGED",
        "DT-SPOT", "DT-CASE-RECHECK", "ANY-RECHECK",
    ),
    "disbursement": (
        "FX-PAY-CHANNEL", "CQ-PAY-KIND", "DT-PAY-3WD", "DT-PAY-10TH", "STAGED", "FX-RESERVE", "DT-RESERVE",
        "LF-FUND", "LF-CAP", "ANY-NO-CLAWBACK", "ANY-RECOVER", "FX-LEDGER",
    ),
    "shared": ("WD-CAL",),
}

KNOWN: frozenset[str] = frozenset(rule for rules in OWNERS.values() for rule in rules)


def owners(rule: str) -> tuple[str, ...]:
    return tuple(service for service, rules in OWNERS.items() if rule in rules)
