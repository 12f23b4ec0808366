from means_check.policy import scope_for


def test_emergency_skips_the_means_check() -> None:
    assert scope_for("emergency", "none").rules == ("ADV-SKIP",)


def test_expenditure_by_dibao_household_checks_expenditure_only() -> None:
    scope = scope_for("expenditure", "dibao")
    assert (scope.scope, scope.rules) == ("expenditure", ("CQ-EXP-ONLY",))


def test_anyone_else_gets_the_full_check() -> None:
    assert scope_for("expenditure", "none").scope == "full"
