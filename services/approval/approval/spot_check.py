"""DT-SPOT (Dongtou 一, 二, 三): each month the district draws, street by street, at least 30% of
the new dibao, marginal and tekun cases and at least 20% of the new temporary-assistance cases
for a spot check (抽查).

The draw must be checkable by anyone, so it is a pure function of what is recorded with it: the
seed and the population. Each case id is ranked by SHA-256 of `"<seed>:<case id>"` (hex, then
the case id to break a tie), and the first `ceil(rate × population)` are drawn. The population
is kept sorted, the sample too, so re-drawing with the recorded seed and population gives the
recorded sample byte for byte — and a changed population or seed shows. The seed comes from a
cryptographic random source when the district does not give one, so no one can steer it.
"""
from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from relief_shared.calendar import SHANGHAI

RULE = "DT-SPOT"
ALGORITHM = ("sha256-rank/v1: rank each case id of the sorted population by the hex SHA-256 of "
             "'<seed>:<case id>' (UTF-8), ties by case id; draw the first ceil(rate × population); "
             "the sample is listed sorted")
STATUS_PROGRAMMES = ("dibao", "marginal", "tekun")
TEMPORARY = "temporary_assistance"
PROGRAMMES = (*STATUS_PROGRAMMES, TEMPORARY)


@dataclass(frozen=True)
class Draw:
    programme: str
    rate: Decimal
    seed: str
    population: tuple[str, ...]
    sample: tuple[str, ...]

    @property
    def algorithm(self) -> str:
        return ALGORITHM


def new_seed() -> str:
    return secrets.token_hex(16)


def sample_size(population: int, rate: Decimal) -> int:
    """At least the share: rounded up (3 of 10 at 30%, 1 of 1 at 20%), never above the population."""
    if not Decimal(0) <= rate <= Decimal(1):
        raise ValueError(f"a spot-check rate is a share between 0 and 1, not {rate}")
    return min(population, math.ceil(Decimal(population) * rate))


def draw(seed: str, population: Iterable[str], rate: Decimal, programme: str = "") -> Draw:
    """The deterministic sample of `population` for `seed` (see the module's docstring)."""
    if not seed:
        raise ValueError("a draw needs a seed")
    cases = tuple(sorted(set(population)))
    ranked = sorted(cases, key=lambda case_id: (_rank(seed, case_id), case_id))
    return Draw(programme, rate, seed, cases, tuple(sorted(ranked[:sample_size(len(cases), rate)])))


def verify(seed: str, population: Iterable[str], rate: Decimal, sample: Iterable[str]) -> bool:
    """Does the recorded sample follow from the recorded seed and population?"""
    return draw(seed, population, rate).sample == tuple(sorted(sample))


def rates(value: Mapping[str, str]) -> dict[str, Decimal]:
    """The region pack's `spot_check_rates`; a programme it leaves out is an error in the pack."""
    missing = [p for p in PROGRAMMES if p not in value]
    if missing:
        raise ValueError(f"spot_check_rates names no rate for {', '.join(missing)}")
    return {p: Decimal(str(value[p])) for p in PROGRAMMES}


def programme_of(case_type: str) -> str:
    """A case's programme for the draw: its status application, or temporary assistance."""
    return case_type if case_type in STATUS_PROGRAMMES else TEMPORARY


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """`YYYY-MM` as the instants [first day 00:00, next month's first day 00:00) in Asia/Shanghai."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, not {month!r}") from None
    following = (first + timedelta(days=32)).replace(day=1)
    return (datetime.combine(first, time(), SHANGHAI), datetime.combine(following, time(), SHANGHAI))


def _rank(seed: str, case_id: str) -> str:
    return hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest()
