"""The event envelope of contract.md and the streams that hold it.

Subjects are `relief.<type>`. Stream RELIEF holds every domain prefix below; REFERRALS holds
`relief.referral.>` alone so a partner department can be granted its own subjects. JetStream
forbids overlapping stream subjects, so RELIEF lists its prefixes instead of `relief.>`; a new
event family means a new prefix here (start-up updates the stream in place).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

RELIEF_PREFIXES = ("case", "means", "benefit", "approval", "payment", "deadline")
STREAMS: dict[str, list[str]] = {
    "RELIEF": [f"relief.{p}.>" for p in RELIEF_PREFIXES],
    "REFERRALS": ["relief.referral.>"],
}
SUBJECT_PREFIX = "relief."


class Envelope(BaseModel):
    """One fact that happened. Immutable; consumers are idempotent on `id`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    type: str = Field(min_length=3)
    version: int = 1
    occurred_at: datetime
    case_id: str
    region: str
    source: str
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("occurred_at needs a UTC offset")
        return v

    @property
    def subject(self) -> str:
        return SUBJECT_PREFIX + self.type

    @classmethod
    def new(
        cls,
        type: str,
        *,
        case_id: str,
        region: str,
        source: str,
        data: dict[str, Any],
        cause: Envelope | None = None,
        correlation_id: str | None = None,
        version: int = 1,
    ) -> Envelope:
        """A fresh event; when it answers another event it inherits that event's correlation."""
        event_id = str(uuid.uuid4())
        return cls(
            id=event_id,
            type=type,
            version=version,
            occurred_at=datetime.now(timezone.utc),
            case_id=case_id,
            region=region,
            source=source,
            correlation_id=correlation_id or (cause.correlation_id if cause else event_id),
            causation_id=cause.id if cause else None,
            data=data,
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)
