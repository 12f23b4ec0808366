"""A small chaos run inside `make test`: services SIGKILLed and the broker restarted while
cases flow, and still every case paid exactly once (`make chaos` is the big one)."""
from __future__ import annotations

from relief_shared.stack import Stack

from tests.e2e.chaos import Plan, run_chaos


async def test_kills_and_a_broker_restart_leave_no_case_stuck_or_paid_twice(own_stack: Stack) -> None:
    report = await run_chaos(own_stack, Plan(cases=20, kills=3, broker_restarts=1, seed=4,
                                             duration=8, timeout=90))
    print(report.summary())
    assert report.kills == 3 and report.broker_restarts == 1
    assert (report.stuck, report.paid_twice, report.extra_cases, report.stray_credits) == (0, 0, 0, 0), \
        report.problems
    assert report.paid == report.credits == 20, report.summary()
