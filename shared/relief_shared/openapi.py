"""Each service's OpenAPI document as the service behaves: every error as the problem document
it is (`application/problem+json`), every status an operation can answer, and the bearer
scheme on every operation that needs a token.

FastAPI documents only the happy path and its own 422 shape; the errors are ours to add. They
follow from what an operation is, so they are derived here once from the generated document
instead of repeated on every route: a bearer token (the `HTTPBearer` dependency of `auth`) →
401 and 403; parameters or a body → 422; a path parameter → 404; a POST → 409 (an
Idempotency-Key reused with another body, or a concurrent change) and 413; a body → 400 (not
JSON at all); every operation →
500. A route adds what only it can answer with `responses=`; its domain errors are mapped in
one place per service (`ServiceSpec.problems`).
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from relief_shared.problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "RFC 9457 problem document",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "rule": {"type": "string", "description": "the policy rule that refused it"},
        "errors": {"type": "array", "description": "each bad field", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
REASONS = {400: "The body is not JSON", 401: "Missing, invalid or expired bearer token", 403: "Wrong role, region, org unit or department",
           404: "Not found (or not in the caller's region)", 405: "Method not allowed",
           409: "Conflict: an Idempotency-Key reused with another body, or a concurrent change",
           413: "Request body too large", 422: "Invalid request: each bad field is named in `errors`",
           500: "Server fault: nothing was changed", 503: "A dependency is down"}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            enrich(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def enrich(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            _document(operation, method.upper())


def _document(operation: dict[str, Any], method: str) -> None:
    responses = operation.setdefault("responses", {})
    places = {p.get("in") for p in operation.get("parameters", [])}
    statuses = {500}
    if operation.get("security"):
        statuses |= {401, 403}
    if places or "requestBody" in operation:
        statuses.add(422)
    if "path" in places:
        statuses.add(404)
    if "requestBody" in operation:
        statuses.add(400)  # a body that is not JSON at all
    if "requestBody" in operation or method in ("POST", "PUT", "PATCH"):
        statuses |= {409, 413, 422}
    statuses |= {int(code) for code in responses if code.isdigit() and int(code) >= 400}
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _description(responses.get(str(status)), status),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }


def _description(documented: dict[str, Any] | None, status: int) -> str:
    given = (documented or {}).get("description")
    return given if given and given != "Validation Error" else REASONS.get(status, "Error")
