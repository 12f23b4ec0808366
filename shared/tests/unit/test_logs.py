import json
import logging

from relief_shared.logs import JsonFormatter, WithoutQuery

ID_NUMBER = "210902198001011236"


def access_line(*args: object) -> str:
    """What the JSON handler writes for a line uvicorn's access logger logs."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d', args, None)
    assert WithoutQuery().filter(record)
    return json.loads(JsonFormatter("disbursement").format(record))["message"]


def test_an_access_line_keeps_the_path_and_status_but_never_the_query() -> None:
    line = access_line("10.0.0.7:5123", "GET", f"/v1/ledger/paid-this-year?id_number={ID_NUMBER}&year=2026", "1.1", 200)
    assert line == '10.0.0.7:5123 - "GET /v1/ledger/paid-this-year HTTP/1.1" 200'


def test_a_line_of_another_shape_loses_what_looks_like_a_query() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, "%s %s",
                               ("GET", f"/x?id_number={ID_NUMBER}"), None)
    WithoutQuery().filter(record)
    assert record.getMessage() == "GET /x"
