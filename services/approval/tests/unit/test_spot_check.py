"""DT-SPOT's draw: a pure function of the recorded seed and population."""
from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from approval import spot_check

CASES = [f"case-{i:03d}" for i in range(37)]


def test_the_sample_is_reproducible_from_its_seed_and_population_in_any_order() -> None:
    first = spot_check.draw("seed-2026-10", CASES, Decimal("0.30"))
    again = spot_check.draw("seed-2026-10", list(reversed(CASES)), Decimal("0.30"))
    assert first.sample == again.sample and first.population == tuple(sorted(CASES))
    assert len(first.sample) == 12  # ceil(0.3 × 37) = 12: never below the share
    assert set(first.sample) <= set(CASES) and list(first.sample) == sorted(first.sample)
    assert spot_check.verify("seed-2026-10", CASES, Decimal("0.30"), first.sample)
    assert not spot_check.verify("another-seed", CASES, Decimal("0.30"), first.sample)
    assert not spot_check.verify("seed-2026-10", CASES[:-1], Decimal("0.30"), first.sample)


def test_anyone_can_redraw_it_from_the_documented_algorithm() -> None:
    seed, k = "abc123", spot_check.sample_size(len(CASES), Decimal("0.20"))
    by_hand = sorted(sorted(CASES, key=lambda c: (hashlib.sha256(f"{seed}:{c}".encode()).hexdigest(), c))[:k])
    assert spot_check.draw(seed, CASES, Decimal("0.20")).sample == tuple(by_hand)
    assert "sha256" in spot_check.ALGORITHM


def test_different_seeds_draw_different_samples() -> None:
    samples = {spot_check.draw(f"s{i}", CASES, Decimal("0.30")).sample for i in range(20)}
    assert len(samples) > 15


@pytest.mark.parametrize(("size", "rate", "drawn"), [
    (0, "0.30", 0), (1, "0.20", 1), (3, "0.30", 1), (10, "0.30", 3), (11, "0.30", 4), (10, "0.20", 2), (5, "1", 5)])
def test_the_sample_size_is_the_share_rounded_up(size: int, rate: str, drawn: int) -> None:
    assert spot_check.sample_size(size, Decimal(rate)) == drawn


def test_a_rate_outside_zero_to_one_or_a_missing_seed_is_refused() -> None:
    with pytest.raises(ValueError):
        spot_check.sample_size(10, Decimal("1.5"))
    with pytest.raises(ValueError):
        spot_check.draw("", CASES, Decimal("0.3"))
    with pytest.raises(ValueError, match="temporary_assistance"):
        spot_check.rates({"dibao": "0.3", "marginal": "0.3", "tekun": "0.3"})


def test_programmes_and_month_bounds() -> None:
    assert [spot_check.programme_of(t) for t in ("dibao", "tekun", "emergency", "expenditure")] == [
        "dibao", "tekun", "temporary_assistance", "temporary_assistance"]
    start, end = spot_check.month_bounds("2026-12")
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00")
    with pytest.raises(ValueError):
        spot_check.month_bounds("2026-13")
