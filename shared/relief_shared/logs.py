"""JSON logs, one object a line, carrying the case and correlation of the work at hand."""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relief_shared.contract import Envelope

_context: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("relief_log_context", default={})


@contextlib.contextmanager
def bind(**fields: str) -> Iterator[None]:
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def bind_event(event: Envelope):
    return bind(case_id=event.case_id, correlation_id=event.correlation_id, event_id=event.id)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            **_context.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class WithoutQuery(logging.Filter):
    """uvicorn's access line names the path with its query string, and queries carry personal
    data (`/v1/ledger/paid-this-year?id_number=…`): the line keeps method, path and status, never
    the query. Rewritten here, where every service's logging is set up, so no command line
    (Dockerfile, compose, a hand-run uvicorn) can forget it."""

    _QUERY = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:  # client, method, path?query, http version, status
            record.args = (args[0], args[1], str(args[2]).partition("?")[0], *args[3:])
        else:  # a line of another shape: cut anything that looks like a query
            record.msg, record.args = self._QUERY.sub("", record.getMessage()), None
        return True


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("nats").setLevel("WARNING")
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn brings its own text handlers
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQuery) for f in access.filters):
        access.addFilter(WithoutQuery())
