"""The envelope of contract.md, generic over its payload.

`Envelope[CaseApproved]` is one fact that happened: immutable, published under
`relief.<type>` with `Nats-Msg-Id` = `id`, and consumers are idempotent on `id`. `Envelope.new`
takes a payload model instance and finds its type and version in the registry, so an event
type that is not registered, a payload that does not validate, or a service publishing another
service's event fails where it is built, in the tests, not on the broker.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from relief_shared import clock
from relief_shared.contract.fields import Payload
from relief_shared.contract.streams import SUBJECT_PREFIX

P = TypeVar("P", bound=Payload)


class Envelope(BaseModel, Generic[P]):
    """One fact that happened, as it travels between the services."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(description="UUID; also the `Nats-Msg-Id` header; consumers de-duplicate on it")
    type: str = Field(min_length=3, description="the event type; the subject is `relief.` + type")
    version: int = Field(ge=1, description="the payload's version; a breaking change is a new version")
    occurred_at: AwareDatetime
    case_id: str = Field(max_length=64)
    region: str = Field(max_length=64)
    source: str = Field(description="the publishing service")
    correlation_id: str = Field(description="the id of the event that started the chain")
    causation_id: str | None = Field(None, description="the id of the event this one answers")
    data: P

    @property
    def subject(self) -> str:
        return SUBJECT_PREFIX + self.type

    @classmethod
    def new(cls, data: P, *, case_id: str, region: str, source: str, cause: Envelope[Any] | None = None,
            correlation_id: str | None = None, at: datetime | None = None) -> Envelope[P]:
        """A fresh event; when it answers another event it inherits that event's correlation. It
        happened at `at`, by default now on the suite clock (`relief_shared.clock`)."""
        spec = _registry().spec_of(data)
        if source not in spec.publishers:
            raise ValueError(f"{spec.key} is published by {', '.join(spec.publishers)}, not {source}")
        event_id = str(uuid.uuid4())
        return spec.envelope(
            id=event_id, type=spec.type, version=spec.version, occurred_at=at or clock.now(),
            case_id=case_id, region=region, source=source,
            correlation_id=correlation_id or (cause.correlation_id if cause else event_id),
            causation_id=cause.id if cause else None, data=data,
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


_REGISTRY: Any = None


def _registry() -> Any:
    global _REGISTRY
    if _REGISTRY is None:
        from relief_shared.contract.registry import REGISTRY  # the registry module imports this one

        _REGISTRY = REGISTRY
    return _REGISTRY
