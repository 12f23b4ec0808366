"""JSON logs, one object a line, carrying the case and correlation of the work at hand."""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
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
