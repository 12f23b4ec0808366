"""The one interface every data source answers: asked about one person for one purpose, it
answers with figures and its own reference, or says when to ask again.

A real department would sit behind HTTP or a platform's gateway; the adapter turns whatever
it returns into `Answer` and refuses what it cannot read (`MalformedAnswer`), so nothing
half-understood becomes a figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Kind = Literal["income", "asset", "fact"]


@dataclass(frozen=True)
class SourceQuery:
    """What a department is told: the person's ID number, the purpose, and an opaque reference.
    Never the case, the household or the other members."""

    source: str
    id_number: str
    purpose: str
    request_ref: str


@dataclass(frozen=True)
class Item:
    category: str
    kind: Kind
    monthly_fen: int | None = None
    value_fen: int | None = None
    count: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Answer:
    reference: str
    found: bool  # False: the person is unknown to this source (an answer, not a failure)
    items: tuple[Item, ...] = ()

    def summary(self) -> str:
        if not self.found:
            return "person unknown to the source"
        return f"{len(self.items)} record(s): " + ", ".join(sorted({i.category for i in self.items})) if self.items \
            else "no records"


class SourceError(Exception):
    """The call did not produce an answer; it may be retried."""


class SourceUnavailable(SourceError):
    pass


class SourceTimeout(SourceError):
    pass


class MalformedAnswer(SourceError):
    pass


class Pending(Exception):
    """The department took the query and will answer later (days, for some): ask again with
    the ticket at `ready_at` (business time)."""

    def __init__(self, ticket: str, ready_at: datetime):
        super().__init__(f"answer pending until {ready_at.isoformat()}")
        self.ticket, self.ready_at = ticket, ready_at


class Source(Protocol):
    code: str

    async def query(self, q: SourceQuery) -> Answer:
        """Ask; raises Pending (ask again with the ticket), or a SourceError."""

    async def collect(self, ticket: str, q: SourceQuery) -> Answer:
        """Fetch the answer to an earlier query; raises Pending while it is not ready."""
