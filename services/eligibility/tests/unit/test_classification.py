from eligibility.citizen_id import problem_with
from eligibility.policy import classify

from ..requests import citizen_id


def test_fire_is_an_emergency() -> None:
    c = classify(["fire"], [], "none", True)
    assert (c.type, c.rules) == ("emergency", ("CLS-EMG",))


def test_emergency_for_someone_not_registered_here_cites_fx_emg_all() -> None:
    assert classify(["traffic_accident"], [], "none", False).rules == ("CLS-EMG", "FX-EMG-ALL")


def test_chronic_illness_costs_are_expenditure() -> None:
    assert classify(["chronic_illness"], ["medical_inpatient"], "dibao", True).type == "expenditure"


def test_vagrancy_is_routed_to_the_rescue_station() -> None:
    c = classify(["vagrancy"], [], "none", False)
    assert (c.type, c.route_out_to) == ("referral_only", ("rescue_station",))


def test_citizen_id_check_character() -> None:
    assert problem_with(citizen_id()) is None
    good = citizen_id()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert "check character" in problem_with(wrong)
    assert "18 characters" in problem_with("12345")
