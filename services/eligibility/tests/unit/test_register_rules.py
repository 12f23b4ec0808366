"""DT-EDU-NEXT-MONTH's dates and what education hears, and the import's row checks."""
from __future__ import annotations

from datetime import date

import pytest
from eligibility.citizen_id import check_character
from eligibility.domain import InvalidRequest
from eligibility.register import education_change, first_of_next_month, parse_rows

PERSON = "33032219850101123" + check_character("33032219850101123")


@pytest.mark.parametrize(("day", "effective"), [
    (date(2026, 3, 1), date(2026, 4, 1)), (date(2026, 3, 12), date(2026, 4, 1)), (date(2026, 3, 31), date(2026, 4, 1)),
    (date(2026, 12, 15), date(2027, 1, 1)), (date(2028, 2, 29), date(2028, 3, 1)),
])
def test_the_change_takes_effect_on_the_first_of_the_next_month(day: date, effective: date) -> None:
    assert first_of_next_month(day) == effective


@pytest.mark.parametrize(("previous", "status", "change"), [
    ("none", "dibao", "entered"), ("none", "tekun", "entered"), ("marginal", "none", "left"),
    ("dibao", "tekun", "changed"), ("dibao", "dibao", None), ("none", "none", None),
])
def test_what_education_hears(previous: str, status: str, change: str | None) -> None:
    assert education_change(previous, status) == change


def test_csv_and_json_lines_are_read_and_every_bad_line_named() -> None:
    rows = parse_rows("text/csv; charset=utf-8", f"\ufeffid_number,name,status,since,monthly_amount\n"
                                                  f"{PERSON},王,dibao,2025-06-01,520.00\n".encode())
    assert (rows[0].status, str(rows[0].monthly_amount), rows[0].org_unit) == ("dibao", "520.00", None)
    rows = parse_rows("application/x-ndjson", f'{{"id_number":"{PERSON}","name":"王","status":"none",'
                                              f'"since":"2026-01-01"}}\n\n'.encode())
    assert rows[0].status == "none"
    with pytest.raises(InvalidRequest) as refused:
        parse_rows("text/csv", f"id_number,name,status,since,extra\n{PERSON},王,dibao,2025-06-01,x\n".encode())
    assert refused.value.errors[0]["field"] == "line 2: extra"
    with pytest.raises(InvalidRequest) as refused:
        parse_rows("application/json", b"{}")
    assert refused.value.errors[0]["field"] == "Content-Type"
    with pytest.raises(InvalidRequest):
        parse_rows("text/csv", b"id_number,name,status,since\n")
    with pytest.raises(InvalidRequest) as refused:
        parse_rows("text/csv", f"id_number,name,status,since\n{PERSON},王,dibao,2025-06-01\n{PERSON},王,none,2026-01-01\n"
                   .encode())
    assert refused.value.errors == [{"field": "line 3: id_number", "message": "the same person as line 2"}]
