from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from relief_shared.money import Money, Yuan


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
