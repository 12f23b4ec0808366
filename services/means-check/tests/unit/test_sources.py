import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from means_check.privacy import mask, mask_text
from means_check.resilience import Breaker
from means_check.sources.base import MalformedAnswer, Pending, SourceQuery, SourceUnavailable
from means_check.sources.catalog import CATALOG
from means_check.sources.population import Population
from means_check.sources.simulator import Fault, Simulators

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def ask(sims: Simulators, source: str, id_number: str, ticket: str | None = None):  # noqa: ANN201
    q = SourceQuery(source, id_number, "test", "ref-1")
    s = sims.sources[source]
    return asyncio.run(s.collect(ticket, q) if ticket else s.query(q))


def simulators(clock: list[datetime] | None = None) -> Simulators:
    clock = clock or [NOW]
    return Simulators(seed=12, latency_ms=(0, 0), now=lambda: clock[0])


def test_eleven_sources_of_any_means_sources() -> None:
    assert len(CATALOG) == 11 and len({s.code for s in CATALOG}) == 11


def test_the_population_is_the_same_every_time() -> None:
    a, b = Population(12), Population(12)
    assert a.generated_households(20, "anyang") == b.generated_households(20, "anyang")
    someone = a.generated_households(1, "anyang")[0][0]
    assert a.person(someone).records == b.person(someone).records


def test_wages_are_monthly_and_every_answer_has_its_reference() -> None:
    sims = simulators()
    [applicant, *_] = sims.population.household("three-sources")
    answer = ask(sims, "tax", applicant.id_number)
    assert sorted(i.monthly_fen for i in answer.items) == [60000, 180000] and answer.reference.startswith("TAX-")
    assert sims.queries("tax") == 1 and sims.queries() == 1


def test_faults_per_source_and_per_person() -> None:
    clock = [NOW]
    sims = simulators(clock)
    [person] = sims.population.household("dongtou-pension")
    sims.steering.sources["social_insurance"] = Fault("malformed")
    with pytest.raises(MalformedAnswer):
        ask(sims, "social_insurance", person.id_number)
    sims.steering.people[person.id_number] = Fault("later", later_days=3)
    with pytest.raises(Pending) as promised:
        ask(sims, "bank_deposits", person.id_number)
    with pytest.raises(Pending):
        ask(sims, "bank_deposits", person.id_number, promised.value.ticket)
    clock[0] = NOW + timedelta(days=3)
    assert ask(sims, "bank_deposits", person.id_number, promised.value.ticket).found
    sims.steering.people[person.id_number] = Fault("flaky")
    with pytest.raises(SourceUnavailable):
        ask(sims, "tax", person.id_number)
    assert ask(sims, "tax", person.id_number).found


def test_a_breaker_opens_after_failures_in_a_row_and_lets_one_trial_through() -> None:
    t = [0.0]
    b = Breaker(threshold=3, cool_off=10, _clock=lambda: t[0])
    for _ in range(3):
        assert b.allows()
        b.failed("down")
    assert b.state == "open" and not b.allows()
    t[0] = 10
    assert b.allows() and not b.allows()  # one trial at a time
    b.failed("still down")
    assert b.state == "open"
    t[0] = 20
    assert b.allows()
    b.succeeded()
    assert b.state == "closed"


def test_masking() -> None:
    assert mask("210902198001011236") == "210902********1236"
    assert mask_text("no record for 21090219800101123X here") == "no record for 210902********123X here"
