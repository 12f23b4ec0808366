"""Exact money: yuan held as integer fen.

Floats never enter: construction from a float is a TypeError, and the API type accepts only
JSON strings such as "1500.00". The one rounding rule of the suite lives in `Money.times`:
ROUND_HALF_UP to the fen, applied once, at the end of a multiplication.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

_YUAN = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$")  # ASCII digits: \d also matches full-width ones
_FEN = Decimal("0.01")


@dataclass(frozen=True, order=True, slots=True)
class Money:
    fen: int

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError(f"Money holds integer fen, not {type(self.fen).__name__}")

    @classmethod
    def yuan(cls, value: str | Decimal | int) -> Money:
        """'1500.00', Decimal('1500') or 1500 (whole yuan); at most two decimals."""
        if isinstance(value, float | bool):
            raise TypeError("money is never a float: pass a string such as '1500.00'")
        if isinstance(value, int):
            return cls(value * 100)
        if isinstance(value, str):
            return _from_text(value)
        return cls._from_decimal(value)

    @classmethod
    def _from_decimal(cls, value: Decimal) -> Money:
        if not isinstance(value, Decimal):
            raise TypeError(f"cannot make money from {type(value).__name__}")
        try:
            scaled = value * 100
            if scaled != scaled.to_integral_value():
                raise ValueError(f"more than two decimals: {value}")
            return cls(int(scaled))
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {value!r}") from exc

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @property
    def as_decimal(self) -> Decimal:
        return (Decimal(self.fen) / 100).quantize(_FEN)

    def times(self, factor: Decimal | int) -> Money:
        """Multiply, rounding half up to the fen once at the end (the suite's one rounding rule)."""
        if isinstance(factor, float | bool):
            raise TypeError("factor must be Decimal or int, never float")
        exact = Decimal(self.fen) * Decimal(factor)
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __str__(self) -> str:
        return _text(self.fen)

    def __repr__(self) -> str:
        return f"Money('{self}')"


@lru_cache(maxsize=8192)
def _text(fen: int) -> str:
    """Every result document writes a dozen amounts, mostly the pack's same few parameters."""
    whole, part = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{part:02d}"


@lru_cache(maxsize=4096)
def _from_text(value: str) -> Money:
    """A text amount, parsed once: region packs and requests repeat the same few amounts, and
    Money is immutable."""
    if not _YUAN.match(value.strip()):
        raise ValueError(f"not an amount in yuan with at most two decimals: {value!r}")
    return Money._from_decimal(Decimal(value.strip()))


def from_wire(value: Any) -> Money:
    """Money as it crosses a boundary (JSON body, event payload): a string such as "1500.00".
    A number means a broken sender and is refused, never converted."""
    if isinstance(value, Money):
        return value
    if not isinstance(value, str):
        raise ValueError("money must be a JSON string in yuan with two decimals, e.g. \"1500.00\"")
    return Money.yuan(value)


Yuan = Annotated[
    Money,
    BeforeValidator(from_wire),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "examples": ["1500.00"]}),
]
"""Pydantic field type for money at every edge: a string in, a string out, Money inside."""


def yuan_up_to(maximum: str) -> Any:
    """`Yuan` for an amount a person reports (an income, a bill): never negative and never above
    `maximum`, which no real household reaches, so a slipped decimal point or a hostile number
    stops at the door instead of travelling down the chain."""
    top = Money.yuan(maximum)

    def within(value: Money) -> Money:
        if value.fen < 0:
            raise ValueError("an amount cannot be negative")
        if value > top:
            raise ValueError(f"an amount above {top} yuan is not plausible here")
        return value

    return Annotated[
        Money,
        BeforeValidator(from_wire),
        AfterValidator(within),
        PlainSerializer(str, return_type=str),
        WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "examples": ["1500.00"],
                        "description": f"yuan as a string, 0.00 to {top}"}),
    ]
