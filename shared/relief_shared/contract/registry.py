"""The registry of event types: one payload model per type and version, who publishes it, and
which durable consumers read it.

The registry is the contract as code. The AsyncAPI document, `docs/events.md` and the released
schema snapshot are generated from it; producers build envelopes only from registered models;
consumers turn bytes into typed envelopes only through `parse`, so a message that does not
match its schema is refused at the door with the validation error, never half-read.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from relief_shared.contract.envelope import Envelope
from relief_shared.contract.fields import Payload
from relief_shared.contract.streams import SUBJECT_PREFIX, stream_of

M = TypeVar("M", bound=type[Payload])


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    model: type[Payload]
    publisher: str
    summary: str
    id_number_reason: str | None  # the allow-list: why this type may carry a full ID number
    envelope: type[Envelope[Any]] = field(repr=False)
    also_published_by: tuple[str, ...] = ()  # a mechanism every owning service runs (deadline.*)

    @property
    def publishers(self) -> tuple[str, ...]:
        return (self.publisher, *self.also_published_by)

    @property
    def subject(self) -> str:
        return SUBJECT_PREFIX + self.type

    @property
    def stream(self) -> str:
        return stream_of(self.subject)

    @property
    def key(self) -> str:
        """The message's name in the AsyncAPI document and the schema snapshot."""
        return f"{self.type}.v{self.version}"


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable JetStream consumer: its name is the contract, the handler is the service's."""

    durable: str
    service: str
    events: tuple[tuple[str, int], ...]
    purpose: str

    @property
    def subjects(self) -> list[str]:
        return sorted({SUBJECT_PREFIX + type_ for type_, _ in self.events})

    @property
    def stream(self) -> str:
        streams = {stream_of(s) for s in self.subjects}
        if len(streams) != 1:
            raise ValueError(f"consumer {self.durable} spans streams {sorted(streams)}")
        return streams.pop()

    def accepts(self, event: Envelope[Any]) -> bool:
        return (event.type, event.version) in self.events


class UnregisteredEvent(LookupError):
    pass


class InvalidMessage(ValueError):
    """Bytes that are not a registered, valid event. Carries what could be read of the
    envelope (id, region) so the parked message can still be found and scoped."""

    def __init__(self, reason: str, header: dict[str, Any] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.event_id = _str_or_none((header or {}).get("id"))
        self.region = _str_or_none((header or {}).get("region"))


class Registry:
    def __init__(self) -> None:
        self.events: dict[tuple[str, int], EventSpec] = {}
        self.consumers: dict[str, ConsumerSpec] = {}
        self._by_model: dict[type[Payload], EventSpec] = {}

    def event(self, type_: str, version: int, *, publisher: str, summary: str,
              id_number_reason: str | None = None, also_published_by: Iterable[str] = ()) -> Callable[[M], M]:
        """Class decorator: register a payload model as `type_` version `version`."""

        def register(model: M) -> M:
            if (type_, version) in self.events:
                raise ValueError(f"{type_} v{version} is registered twice")
            if model in self._by_model:
                raise ValueError(f"{model.__name__} is already {self._by_model[model].key}")
            names = {spec.model.__name__ for spec in self.events.values()}
            if model.__name__ in names:
                raise ValueError(f"two payload models are called {model.__name__}; schema names must be unique")
            stream_of(SUBJECT_PREFIX + type_)  # a subject no stream holds would never be stored
            spec = EventSpec(type_, version, model, publisher, summary, id_number_reason, Envelope[model],
                             tuple(also_published_by))
            self.events[(type_, version)] = spec
            self._by_model[model] = spec
            return model

        return register

    def consumer(self, durable: str, *, service: str, events: Iterable[tuple[str, int]], purpose: str) -> ConsumerSpec:
        events = tuple(events)
        for key in events:
            if key not in self.events:
                raise UnregisteredEvent(f"consumer {durable} reads {key[0]} v{key[1]}, which is not registered")
        spec = ConsumerSpec(durable, service, events, purpose)
        spec.stream  # noqa: B018 - one stream per consumer, checked now
        self.consumers[durable] = spec
        return spec

    def spec_of(self, payload: Payload | type[Payload]) -> EventSpec:
        model = payload if isinstance(payload, type) else type(payload)
        try:
            return self._by_model[model]
        except KeyError:
            raise UnregisteredEvent(f"{model.__name__} is not a registered event payload") from None

    def get(self, type_: str, version: int) -> EventSpec:
        try:
            return self.events[(type_, version)]
        except KeyError:
            raise UnregisteredEvent(f"{type_} v{version} is not a registered event") from None

    def parse(self, raw: bytes) -> Envelope[Any]:
        """Bytes from the broker (or the outbox) into a typed envelope; InvalidMessage if not.

        Our producers write `type` and `version` near the start, so they are read from there
        and the bytes validated in one pass by the type's model (pydantic's own JSON parser);
        anything else, or anything that fails, takes the general path that names the error."""
        peeked = _HEAD.search(raw, 0, 512)
        if peeked:
            spec = self.events.get((peeked.group(1).decode(), int(peeked.group(2))))
            if spec is not None:
                try:
                    return spec.envelope.model_validate_json(raw)
                except ValidationError:
                    pass  # the general path below reports it with the envelope it could read
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            raise InvalidMessage(f"not JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise InvalidMessage("not a JSON object")
        spec = self.events.get((obj.get("type"), obj.get("version")))  # type: ignore[arg-type]
        if spec is None:
            raise InvalidMessage(f"unregistered event type {obj.get('type')!r} version {obj.get('version')!r}", obj)
        try:
            return spec.envelope.model_validate(obj)
        except ValidationError as exc:
            raise InvalidMessage(f"{spec.key} does not validate: {describe(exc)}", obj) from exc

    def published_by(self, service: str) -> list[EventSpec]:
        return [spec for spec in self.events.values() if service in spec.publishers]

    def consumers_of(self, spec: EventSpec) -> list[ConsumerSpec]:
        return [c for c in self.consumers.values() if (spec.type, spec.version) in c.events]


_HEAD = re.compile(rb'"type":"([a-z_.]+)","version":(\d{1,4})[,}]')


def describe(exc: ValidationError) -> str:
    """A validation error as one line per field: what a parked message's reason should say."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors())


def _str_or_none(value: Any) -> str | None:
    return value[:64] if isinstance(value, str) else None


REGISTRY = Registry()
event = REGISTRY.event
consumer = REGISTRY.consumer
