"""Monthly amounts set by standards (policy.md §1, §3.6): the dibao payment, the marginal
standard, the care fees of tekun. Each is one rule of one region's texts; a region that does
not declare the rule has no such amount here and the calculation says so (`RuleNotDeclared`).
Shares and multiples are decimal strings in the pack, multiplied by `Money.times` (half up to
the fen, once).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from relief_shared.money import Money
from relief_shared.regions import RegionPack

from benefit_calc.policy import ZERO, Calculation, Facts, Household, MissingInput, Step, _sample

KINDS = ("dibao", "marginal", "tekun_care")
ABILITIES = ("fully_lost", "moderate", "mild", "self_caring")


def calculate(pack: RegionPack, as_of: date, facts: Facts) -> Calculation:
    if facts.type == "dibao":
        steps = [dibao_payment(pack, as_of, facts.household)]
    elif facts.type == "marginal":
        steps = [marginal_standard(pack, as_of)]
    elif facts.type == "tekun_care":
        if facts.care is None:
            raise MissingInput("care", "a care fee needs the person's self-care ability")
        steps = [care_fee(pack, as_of, facts.care.ability, facts.care.dispersed)]
        if not facts.care.dispersed:
            steps.append(pocket_money(pack, as_of))
    else:
        raise MissingInput("classification.type", f"no amount for a {facts.type!r} case")
    amount = steps[0].result  # the pocket money is the institution's floor, beside the fee, not instead of it
    return Calculation(facts.type, amount, amount, tuple(steps), (), False, f"{steps[0].rule}: {steps[0].note}",
                       pack.pack_version)


def dibao_payment(pack: RegionPack, as_of: date, household: Household) -> Step:
    """ANY-DIBAO-PAY (Anyang 二(二)4): dibao is paid monthly, by the gap between the standard and
    the per-capita income (`method = "gap"`: (S − income) × members, never below zero) or by
    tier (`method = "tiers"`: the first tier whose `income_up_to` the income does not exceed
    pays its `per_person` amount to each member)."""
    clause = pack.require_rule("ANY-DIBAO-PAY", "the region has no dibao payment rule")
    if household.size < 1:
        raise MissingInput("household.members", "a dibao payment needs the members living together")
    income = household.monthly_income_per_capita
    if income is None:
        raise MissingInput("household.monthly_income_per_capita", "a dibao payment is counted on the income")
    standard, method = pack.parameter("dibao_standard", as_of), pack.parameter("dibao_payment", as_of)
    s, n = Money.yuan(standard.value), household.size
    inputs = {"dibao_standard": str(s), "members": n, "income_per_capita": str(income),
              "method": method.value["method"]}
    if method.value["method"] == "tiers":
        tier = next((t for t in method.value["tiers"] if income <= Money.yuan(t["income_up_to"])), None)
        per_person = Money.yuan(tier["per_person"]) if tier else ZERO
        inputs["tier"] = tier
        note = f"tier {tier['income_up_to']}: {per_person} a member" if tier else "income above every tier"
    else:
        per_person = max(s - income, ZERO)
        note = f"the gap between the standard and the income, {per_person} a member, a month"
    return Step("ANY-DIBAO-PAY", clause, inputs, per_person.times(n), _sample(standard, note), (standard, method))


def marginal_standard(pack: RegionPack, as_of: date) -> Step:
    """DT-MARGINAL (Dongtou 九): the marginal standard is twice the dibao standard, but not
    above the minimum wage — whichever is lower wins."""
    clause = pack.require_rule("DT-MARGINAL", "the region has no marginal standard")
    standard, factor = pack.parameter("dibao_standard", as_of), pack.parameter("marginal_standard_factor", as_of)
    wage = pack.parameter("minimum_wage", as_of)
    twice, cap = Money.yuan(standard.value).times(Decimal(factor.value)), Money.yuan(wage.value)
    value = min(twice, cap)
    why = (f"{factor.value} × the dibao standard ({twice}) is above the minimum wage ({cap}): the minimum wage wins"
           if twice > cap else f"{factor.value} × the dibao standard ({twice}), not above the minimum wage ({cap})")
    inputs = {"dibao_standard": standard.value, "factor": factor.value, "minimum_wage": wage.value}
    return Step("DT-MARGINAL", clause, inputs, value, _sample(standard if standard.sample else wage, why),
                (standard, factor, wage))


def care_fee(pack: RegionPack, as_of: date, ability: str, dispersed: bool) -> Step:
    """DT-CARE (Dongtou 七): the monthly care fee of a tekun person in purchased institutional
    care is a share of the minimum wage by self-care ability (80 / 40 / 20 / 10 %); a dispersed
    tekun person gets half of it."""
    clause = pack.require_rule("DT-CARE", "the region has no care-fee standard")
    if ability not in ABILITIES:
        raise MissingInput("care.ability", f"one of {', '.join(ABILITIES)}")
    wage, shares = pack.parameter("minimum_wage", as_of), pack.parameter("care_fee_shares", as_of)
    share = Decimal(shares.value[ability]) * (Decimal(shares.value["dispersed"]) if dispersed else 1)
    inputs = {"minimum_wage": wage.value, "ability": ability, "share": shares.value[ability], "dispersed": dispersed}
    note = f"{share * 100:.0f}% of the minimum wage" + (" (dispersed: half the institutional fee)" if dispersed else "")
    return Step("DT-CARE", clause, inputs, Money.yuan(wage.value).times(share), _sample(wage, note), (wage, shares))


def pocket_money(pack: RegionPack, as_of: date) -> Step:
    """DT-CARE (Dongtou 七): the institution may pay pocket money of at least 10 % of the tekun
    basic living standard: the floor, beside the care fee."""
    standard, share = pack.parameter("tekun_standard", as_of), pack.parameter("pocket_money_share", as_of)
    floor = Money.yuan(standard.value).times(Decimal(share.value))
    return Step("DT-CARE", pack.rules["DT-CARE"], {"tekun_standard": standard.value, "share": share.value}, floor,
                _sample(standard, f"pocket money of at least {floor} a month, paid by the institution"),
                (standard, share))
