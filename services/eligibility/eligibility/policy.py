"""Classification of a temporary-assistance request (policy.md §2).

CLS-ROUTE-OUT first: vagrancy and natural disaster are not temporary assistance and go to
the rescue station / disaster relief. Then CLS-EMG: a sudden event named by the texts (Fuxin 二,
Chongqing 二(一), Dongtou 三, Anyang 二(四)14) makes it emergency, for anyone in the area,
registered or not (FX-EMG-ALL). Otherwise a sudden rise of necessary spending on education,
medical care or housing makes it expenditure (CLS-EXP).
"""
from __future__ import annotations

from dataclasses import dataclass

ROUTE_OUT = {"vagrancy": "rescue_station", "disaster": "emergency"}
EMERGENCY_KINDS = frozenset({
    "fire", "traffic_accident", "injury", "drowning", "sudden_illness", "business_failure", "job_loss",
    "safety_incident", "despair", "other",
})
EXPENDITURE_KINDS = frozenset({"chronic_illness", "schooling"})


@dataclass(frozen=True)
class Classification:
    type: str  # emergency | expenditure | referral_only
    household_category: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    route_out_to: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"type": self.type, "household_category": self.household_category, "rules": list(self.rules),
                "reasons": list(self.reasons), "route_out_to": list(self.route_out_to)}


def classify(event_kinds: list[str], expense_categories: list[str], household_status: str,
             registered_in_region: bool) -> Classification:
    kinds = set(event_kinds)
    if kinds and kinds <= set(ROUTE_OUT):
        targets = tuple(sorted({ROUTE_OUT[k] for k in kinds}))
        return Classification("referral_only", household_status, ("CLS-ROUTE-OUT",),
                              (f"{', '.join(sorted(kinds))}: not temporary assistance, routed to {', '.join(targets)}"
                               " (Fuxin 二, Linfen 二(三), 二(八)2, Anyang 二(四)15-16)",), targets)
    emergency = sorted(kinds & EMERGENCY_KINDS)
    if emergency:
        rules = ("CLS-EMG",) if registered_in_region else ("CLS-EMG", "FX-EMG-ALL")
        reasons = [f"sudden event ({', '.join(emergency)}): emergency aid (急难型, Fuxin 二)"]
        if not registered_in_region:
            reasons.append("not registered here: emergency aid has no registration limit (Fuxin 二(一))")
        return Classification("emergency", household_status, rules, tuple(reasons))
    return Classification("expenditure", household_status, ("CLS-EXP",),
                          (f"necessary spending ({', '.join(sorted(set(expense_categories)) or 'unspecified')}) "
                           "beyond the household's capacity: expenditure aid (支出型, Fuxin 二)",))
