"""The simulated departments' population: seeded and deterministic, so every run (and the
benchmark) sees the same people.

A few named households are written out for the tests and the demo (wages from several
employers, a member with a business, a car and a second home, a deposit above the asset
limits, a person one source does not know); anyone else's records are drawn from a random
generator seeded with the suite seed and the person's ID number, so any valid ID number gets
the same plausible records every time.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
REGION_PREFIX = {"fuxin-haizhou": "210902", "chongqing-yubei": "500112", "linfen": "141002", "anyang": "410502",
                 "wenzhou-dongtou": "330305"}


def citizen_id(prefix: str, born: date, sequence: int) -> str:
    """A valid 18-character ID number (GB 11643 check digit)."""
    body = f"{prefix}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


Raw = dict[str, object]


@dataclass
class Person:
    id_number: str
    relation: str
    records: dict[str, list[Raw]] = field(default_factory=dict)  # source code → the department's records
    unknown_to: frozenset[str] = frozenset()


def _wage(payer: str, monthly: str) -> Raw:
    annual = f"{int(monthly.split('.')[0]) * 12}.00"
    return {"category": "wages", "period": "year", "amount": annual, "payer": payer}


def _curated() -> dict[str, list[Person]]:
    f = REGION_PREFIX["fuxin-haizhou"]
    d = REGION_PREFIX["wenzhou-dongtou"]
    a = REGION_PREFIX["anyang"]

    def pid(prefix: str, born: str, seq: int) -> str:
        return citizen_id(prefix, date.fromisoformat(born), seq)

    return {
        # wages from two employers (tax), a pension (social insurance) and a small shop's income (market
        # entity): 1800 + 600 + 1200 + 900 = 4500 a month for three people, 1500.00 per capita
        "three-sources": [
            Person(pid(f, "1978-04-12", 101), "self", {"tax": [_wage("阜新某物流公司", "1800.00"),
                                                              _wage("海州区某超市", "600.00")]}),
            Person(pid(f, "1950-09-30", 102), "parent",
                   {"social_insurance": [{"category": "pension", "period": "month", "amount": "1200.00"}]}),
            Person(pid(f, "1980-02-03", 104), "spouse",
                   {"market_entity": [{"category": "business", "period": "month", "amount": "900.00",
                                       "entity": "海州区某小吃店 (个体工商户)"}]}),
        ],
        # a deposit far above any region's financial-asset limit
        "large-deposit": [
            Person(pid(f, "1966-07-21", 201), "self",
                   {"bank_deposits": [{"category": "deposits", "period": "balance", "amount": "186000.00",
                                       "bank": "某商业银行海州支行"}],
                    "social_insurance": [{"category": "pension", "period": "month", "amount": "900.00"}]}),
        ],
        # a car and a second home
        "car-and-second-home": [
            Person(pid(f, "1975-11-02", 301), "self",
                   {"vehicles": [{"category": "vehicles", "period": "balance", "amount": "86000.00", "plate": "辽J·*****"}],
                    "real_estate": [{"category": "real_estate", "period": "balance", "amount": "320000.00"},
                                    {"category": "real_estate", "period": "balance", "amount": "210000.00"}],
                    "tax": [_wage("某建筑公司", "2600.00")]}),
            Person(pid(f, "2012-06-18", 302), "child"),
        ],
        # a person the social-insurance and tax systems do not know; the household lives on very little
        "unknown-person": [
            Person(pid(f, "1988-01-15", 401), "self", {"tax": [_wage("零工", "500.00")]}),
            Person(pid(f, "1990-03-09", 402), "spouse", unknown_to=frozenset({"social_insurance", "tax"})),
        ],
        # a Dongtou dibao applicant with a modest pension (the DT-MEANS-15D tests)
        "dongtou-pension": [
            Person(pid(d, "1948-05-05", 501), "self",
                   {"social_insurance": [{"category": "pension", "period": "month", "amount": "700.00"}]}),
        ],
        # an Anyang household in work (ANY-EXIT's employment-cost deduction)
        "anyang-employed": [
            Person(pid(a, "1985-08-08", 601), "self", {"tax": [_wage("安阳某纺织厂", "1500.00")]}),
            Person(pid(a, "1986-10-10", 602), "spouse"),
        ],
    }


class Population:
    """Who the simulated departments know, and what they hold about each person."""

    def __init__(self, seed: int = 12):
        self.seed = seed
        self.named = _curated()
        self._people = {p.id_number: p for household in self.named.values() for p in household}

    def household(self, name: str) -> list[Person]:
        return self.named[name]

    def person(self, id_number: str) -> Person:
        known = self._people.get(id_number)
        return known if known is not None else self._drawn(id_number)

    def _drawn(self, id_number: str) -> Person:
        rng = random.Random(f"{self.seed}:{id_number}")
        records: dict[str, list[Raw]] = {}
        adult = int(id_number[6:10]) <= 2008
        if adult and rng.random() < 0.6:
            records["tax"] = [_wage(f"雇主{rng.randint(1, 999):03d}", f"{rng.randrange(600, 3200, 50)}.00")
                              for _ in range(rng.choice((1, 1, 1, 2)))]
        if adult and rng.random() < 0.25:
            records["social_insurance"] = [{"category": "pension", "period": "month",
                                            "amount": f"{rng.randrange(400, 2600, 10)}.00"}]
        if adult and rng.random() < 0.08:
            records["market_entity"] = [{"category": "business", "period": "month",
                                         "amount": f"{rng.randrange(300, 5000, 100)}.00"}]
        if rng.random() < 0.7:
            records["bank_deposits"] = [{"category": "deposits", "period": "balance",
                                         "amount": f"{rng.randrange(0, 60000, 100)}.00"}]
        if adult and rng.random() < 0.15:
            records["vehicles"] = [{"category": "vehicles", "period": "balance",
                                    "amount": f"{rng.randrange(15000, 150000, 1000)}.00"}]
        if adult and rng.random() < 0.5:
            records["real_estate"] = [{"category": "real_estate", "period": "balance",
                                       "amount": f"{rng.randrange(80000, 600000, 1000)}.00"}
                                      for _ in range(rng.choice((1, 1, 1, 2)))]
        if rng.random() < 0.2:
            records["internet_finance"] = [{"category": "internet_finance", "period": "balance",
                                            "amount": f"{rng.randrange(0, 20000, 10)}.00"}]
        unknown = frozenset({"social_insurance"}) if rng.random() < 0.03 else frozenset()
        return Person(id_number, "other", records, unknown)

    def generated_households(self, count: int, region: str, *, start: int = 0) -> list[list[str]]:
        """`count` households of one to four members with valid ID numbers of `region`, the same
        every time (the benchmark's applicants)."""
        prefix = REGION_PREFIX[region]
        households = []
        for n in range(start, start + count):
            rng = random.Random(f"{self.seed}:household:{region}:{n}")
            size = rng.choice((1, 2, 2, 3, 3, 4))
            members = []
            for m in range(size):
                born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 75))
                members.append(citizen_id(prefix, born, (n * 4 + m) % 1000))
            households.append(members)
        return households
