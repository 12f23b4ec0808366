"""RFC 9457 problem documents: every error a client sees has one shape.

Validation errors list each bad field in `errors` so a front end can point at it; a domain
error raised anywhere in a use case becomes its problem here, in one place.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://relief.example/problems/"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class Problem(Exception):
    """A client-facing error; subclasses name the status and type."""

    status = 400
    type = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(Problem):
    status, type, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, type, title = 409, "conflict", "Conflict"


class Unprocessable(Problem):
    status, type, title = 422, "unprocessable", "Unprocessable request"


class Unauthorized(Problem):
    status, type, title = 401, "unauthorized", "Unauthorized"


class Forbidden(Problem):
    status, type, title = 403, "forbidden", "Forbidden"


def problem_response(status: int, type_: str, title: str, detail: str, *,
                     headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + type_, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {**({"WWW-Authenticate": "Bearer"} if status == 401 else {}), **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


DomainProblems = Mapping[type[Exception], type[Problem]]
"""A service's domain errors and the problem each becomes: the one place it is decided."""


def from_domain(exc: Exception, mapping: DomainProblems) -> Problem | None:
    """The problem for a domain error (by its class or a base class); its message is the detail,
    and an `errors` list or a `rule` attribute on the error travel with it."""
    for cls in type(exc).__mro__:
        if cls in mapping:
            problem = mapping[cls](str(exc), errors=getattr(exc, "errors", None))
            rule = getattr(exc, "rule", None)
            if rule:
                problem.extra["rule"] = rule
            return problem
    return None


def respond(exc: Problem) -> JSONResponse:
    return problem_response(exc.status, exc.type, exc.title, exc.detail, errors=exc.errors, **exc.extra)


def install(app: FastAPI, domain: DomainProblems | None = None) -> None:
    mapping = dict(domain or {})

    async def _domain(_: Request, exc: Exception) -> JSONResponse:
        problem = from_domain(exc, mapping)
        if problem is None:  # cannot happen: registered only for the mapping's classes
            raise exc
        return respond(problem)

    for error_class in mapping:
        app.add_exception_handler(error_class, _domain)

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_path(tuple(e["loc"])), "message": e["msg"], "code": e["type"]}
            for e in exc.errors()
        ]
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem_response(422, "validation", "Invalid request", f"Invalid fields: {fields}", errors=errors)

    @app.exception_handler(IntegrityError)
    async def _collision(_: Request, exc: IntegrityError) -> JSONResponse:
        # two requests raced for the same record (e.g. one Idempotency-Key sent twice at once):
        # the first one won and nothing of this one was stored
        return problem_response(409, "conflict", "Conflict",
                                "a concurrent request changed the same record first; retry (with the same "
                                "Idempotency-Key to receive the first request's result)")

    app.add_middleware(ServerFaults)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})  # those HTTP requires with some statuses, e.g. `Allow` with a 405
        if exc.status_code == 405:
            headers["Allow"] = _allowed(request)
        return problem_response(exc.status_code, "http-error", str(exc.detail), str(exc.detail), headers=headers)


def _allowed(request: Request) -> str:
    """Every method the path takes: Starlette's own `Allow` names only the first route matching
    the path, and GET and POST on `/v1/cases` are two routes."""
    routes = request.app.router.routes
    return ", ".join(m for m in _METHODS
                     if any(r.matches({**request.scope, "method": m})[0] == Match.FULL for r in routes))


class ServerFaults:
    """Any exception no handler took becomes a 500 problem document, and the connection stays
    open: Starlette's own last-resort handler answers too but then re-raises, and the server
    drops the client's keep-alive connection. Pure ASGI (no per-request task), innermost of the
    user middleware, so the problem and domain handlers have had their turn."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error")
            if started:
                raise  # too late for a problem document: the response is half sent
            response = problem_response(500, "server-fault", "Server fault", "the server failed; nothing was changed")
            await response(scope, receive, send)
