"""The calculation of `policy` over columns of households, for recalculating a whole file on the
day a standard changes: the same rules, the same numbers, exact to the fen, a million at a time.

Nothing here restates a rule. Every household of one class — its type, status, severity and
care — gets the same ceiling, rules and decision from `policy.calculate` itself, called once for
the class. Only what differs from household to household is done on integer fen columns (numpy
int64, never a float): ANY-DIBAO-PAY's gap (S − income) × members or its tiers, and LF-CAP's
min(ceiling, limit − paid) per person and household — the same integer arithmetic as the scalar
rules. Households whose amount depends on their list of expenses (seed 000 三(二)'s formulas)
are calculated one by one by `policy.calculate`. A test holds the columns equal to the single
calculation on random households of every region.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from benefit_calc.policy import Care, Expense, Facts, Household, MissingInput, calculate
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack, RuleNotDeclared

TYPES = ("emergency", "expenditure", "dibao", "marginal", "tekun_care")
STATUSES = ("dibao", "tekun", "marginal", "low_income", "registered_poor", "none")
SEVERITIES = (None, "light", "moderate", "serious", "severe")
ABILITIES = (None, "fully_lost", "moderate", "mild", "self_caring")
UNKNOWN = -1  # an income or an amount paid that the row does not give
EXPENSE_FORMULAS = ("FX-EXP-DIBAO", "FX-MED-DIBAO", "FX-MED-LOWINC", "FX-MED-OTHER")


@dataclass
class Households:
    """One column per fact; codes index the tuples above; money in fen, `UNKNOWN` where not given."""

    type: np.ndarray
    status: np.ndarray
    size: np.ndarray
    income: np.ndarray
    severity: np.ndarray
    paid_person: np.ndarray
    paid_household: np.ndarray
    ability: np.ndarray
    dispersed: np.ndarray
    expenses: dict[int, tuple[Expense, ...]] = field(default_factory=dict)  # only the rows that list any

    def __len__(self) -> int:
        return len(self.type)

    @classmethod
    def of(cls, many: list[Facts]) -> Households:
        def fen(m: Money | None) -> int:
            return UNKNOWN if m is None else m.fen

        def column(values: list, dtype: type) -> np.ndarray:
            return np.array(values, dtype=dtype)

        return cls(
            type=column([TYPES.index(f.type) for f in many], np.int8),
            status=column([STATUSES.index(f.household.status) for f in many], np.int8),
            size=column([f.household.size for f in many], np.int64),
            income=column([fen(f.household.monthly_income_per_capita) for f in many], np.int64),
            severity=column([SEVERITIES.index(f.severity) for f in many], np.int8),
            paid_person=column([fen(f.paid_person) for f in many], np.int64),
            paid_household=column([fen(f.paid_household) for f in many], np.int64),
            ability=column([ABILITIES.index(f.care.ability if f.care else None) for f in many], np.int8),
            dispersed=column([bool(f.care and f.care.dispersed) for f in many], np.bool_),
            expenses={i: f.expenses for i, f in enumerate(many) if f.expenses},
        )

    def facts(self, i: int) -> Facts:
        """Row `i` as the single calculation takes it."""
        def money(column: np.ndarray) -> Money | None:
            return None if column[i] == UNKNOWN else Money(int(column[i]))

        ability = ABILITIES[self.ability[i]]
        return Facts(TYPES[self.type[i]], Household(STATUSES[self.status[i]], int(self.size[i]), money(self.income)),
                     SEVERITIES[self.severity[i]], self.expenses.get(i, ()), money(self.paid_person),
                     money(self.paid_household), Care(ability, bool(self.dispersed[i])) if ability else None)


@dataclass(frozen=True)
class Outcome:
    rules: tuple[str, ...]
    needs_deliberation: bool
    decision: str
    error: str | None = None
    whole: bool = False  # a row calculated one by one: its decision already names its cap


@dataclass
class Results:
    ceiling: np.ndarray
    recommended: np.ndarray
    outcome: np.ndarray  # index into `outcomes`
    outcomes: list[Outcome]

    def row(self, i: int) -> tuple[Money, Money, Outcome]:
        """Row `i`'s amounts and outcome; a row the year's cap lowered says so as `calculate` does."""
        ceiling, recommended = Money(int(self.ceiling[i])), Money(int(self.recommended[i]))
        known = self.outcomes[self.outcome[i]]
        if recommended < ceiling and not known.whole:
            known = Outcome(known.rules, known.needs_deliberation, known.decision + (
                f"; LF-CAP lowers the recommendation to {recommended}, what the year still allows"))
        return ceiling, recommended, known


def calculate_all(pack: RegionPack, as_of: date, rows: Households) -> Results:
    n = len(rows)
    ceiling, recommended = np.zeros(n, np.int64), np.zeros(n, np.int64)
    outcome = np.zeros(n, np.int32)
    outcomes: list[Outcome] = []
    one_by_one = np.zeros(n, bool)
    one_by_one[list(rows.expenses)] = True
    one_by_one |= rows.size < 1
    if pack.first_declared(*EXPENSE_FORMULAS):
        one_by_one |= rows.type == TYPES.index("expenditure")
    dibao = (rows.type == TYPES.index("dibao")) & ~one_by_one
    by_class = ~(dibao | one_by_one)

    key = ((rows.type.astype(np.int64) * 8 + rows.status) * 8 + rows.severity) * 8 + rows.ability * 2 + rows.dispersed
    classes, first, inverse = np.unique(key[by_class], return_index=True, return_inverse=True)
    where = np.flatnonzero(by_class)
    class_ceiling = np.zeros(len(classes), np.int64)
    class_outcome = np.zeros(len(classes), np.int32)
    for c, i in enumerate(where[first]):
        sample = rows.facts(int(i))
        sample = Facts(sample.type, Household(sample.household.status, 1), sample.severity, (), None, None, sample.care)
        class_ceiling[c], class_outcome[c] = _one(pack, as_of, sample, outcomes)
    ceiling[where], outcome[where] = class_ceiling[inverse], class_outcome[inverse]

    if dibao.any():
        _dibao(pack, as_of, rows, dibao, ceiling, outcome, outcomes)
    recommended[:] = ceiling
    _caps(pack, as_of, rows, by_class, recommended)
    for i in np.flatnonzero(one_by_one):
        outcome[i] = len(outcomes)
        try:
            result = calculate(pack, as_of, rows.facts(int(i)))
        except (RuleNotDeclared, MissingInput, MissingParameter) as exc:
            outcomes.append(Outcome((), False, "", str(exc)))
            continue
        ceiling[i], recommended[i] = result.ceiling.fen, result.recommended.fen
        outcomes.append(Outcome(tuple(result.rules), result.needs_deliberation, result.decision, whole=True))
    return Results(ceiling, recommended, outcome, outcomes)


def _one(pack: RegionPack, as_of: date, facts: Facts, outcomes: list[Outcome]) -> tuple[int, int]:
    """One class's ceiling by the single calculation, and its outcome's index."""
    try:
        result = calculate(pack, as_of, facts)
    except (RuleNotDeclared, MissingInput, MissingParameter) as exc:
        outcomes.append(Outcome((), False, "", str(exc)))
        return 0, len(outcomes) - 1
    outcomes.append(Outcome(tuple(result.rules), result.needs_deliberation, result.decision))
    return result.ceiling.fen, len(outcomes) - 1


def _dibao(pack: RegionPack, as_of: date, rows: Households, mask: np.ndarray, ceiling: np.ndarray,
           outcome: np.ndarray, outcomes: list[Outcome]) -> None:
    """ANY-DIBAO-PAY over the column: the rule's own refusals (undeclared, no income) come from
    the single calculation of the first row concerned."""
    known = mask & (rows.income != UNKNOWN) & (rows.size >= 1)
    bad = mask & ~known
    if bad.any():
        _, outcome[bad] = _one(pack, as_of, rows.facts(int(np.flatnonzero(bad)[0])), outcomes)
    if not known.any():
        return
    _, outcome[known] = _one(pack, as_of, rows.facts(int(np.flatnonzero(known)[0])), outcomes)
    if outcomes[-1].error:
        return
    s = Money.yuan(pack.parameter("dibao_standard", as_of).value).fen
    method = pack.parameter("dibao_payment", as_of).value
    income, size = rows.income[known], rows.size[known]
    if method["method"] == "tiers":
        per_person = np.zeros(len(income), np.int64)
        paid = np.zeros(len(income), bool)
        for tier in method["tiers"]:
            hit = ~paid & (income <= Money.yuan(tier["income_up_to"]).fen)
            per_person[hit], paid = Money.yuan(tier["per_person"]).fen, paid | hit
    else:
        per_person = np.maximum(s - income, 0)
    ceiling[known] = per_person * size


def _caps(pack: RegionPack, as_of: date, rows: Households, mask: np.ndarray, recommended: np.ndarray) -> None:
    """LF-CAP over the column: min(ceiling, limit − paid) per person and household, never below zero."""
    temporary = mask & (rows.type <= TYPES.index("expenditure"))
    if not pack.has_rule("LF-CAP") or not temporary.any():
        return
    limits = pack.parameter("assistance_caps", as_of).value
    for scope, paid in (("person", rows.paid_person), ("household", rows.paid_household)):
        if scope in limits:
            remaining = np.maximum(Money.yuan(limits[scope]).fen - np.where(paid == UNKNOWN, 0, paid), 0)
            recommended[temporary] = np.minimum(recommended[temporary], remaining[temporary])
