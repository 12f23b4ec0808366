from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from relief_shared.money import Money, Yuan, yuan_up_to


class Body(BaseModel):
    amount: Yuan


def test_money_is_integer_fen_and_prints_two_decimals() -> None:
    assert Money.yuan("1500.5") == Money(150050)
    assert str(Money.yuan("1500")) == "1500.00"
    assert str(Money.yuan(Decimal("0.01"))) == "0.01"


@pytest.mark.parametrize("bad", [1500.0, 0.1, True])
def test_money_is_never_made_from_a_float(bad) -> None:  # noqa: ANN001
    with pytest.raises(TypeError):
        Money.yuan(bad)


def test_more_than_two_decimals_is_refused() -> None:
    with pytest.raises(ValueError):
        Money.yuan("1.001")


def test_times_rounds_half_up_once() -> None:
    assert Money.yuan("760.00").times(Decimal("0.5")) == Money.yuan("380.00")
    assert Money(1).times(Decimal("0.5")) == Money(1)
    with pytest.raises(TypeError):
        Money(100).times(0.5)


def test_api_type_takes_strings_only_and_gives_strings_back() -> None:
    assert Body(amount="812.00").amount == Money(81200)
    assert Body.model_validate_json('{"amount": "812.00"}').model_dump(mode="json") == {"amount": "812.00"}
    for raw in ('{"amount": 812.5}', '{"amount": 812}', '{"amount": "8.123"}'):
        with pytest.raises(ValidationError):
            Body.model_validate_json(raw)
    assert Body.model_json_schema()["properties"]["amount"]["type"] == "string"


def test_digits_are_ascii_only() -> None:
    with pytest.raises(ValueError):
        Money.yuan("８１２.００")  # full-width digits: Decimal would read them, the wire format does not


class Reported(BaseModel):
    amount: yuan_up_to("100.00")


@pytest.mark.parametrize(("raw", "ok"), [("0", True), ("100.00", True), ("-0.01", False), ("100.01", False)])
def test_a_reported_amount_is_neither_negative_nor_above_its_bound(raw: str, ok: bool) -> None:
    if ok:
        assert Reported(amount=raw).model_dump(mode="json") == {"amount": str(Money.yuan(raw))}
    else:
        with pytest.raises(ValidationError):
            Reported(amount=raw)
