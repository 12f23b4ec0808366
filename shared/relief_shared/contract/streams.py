"""The JetStream streams and the subjects they hold.

Subjects are `relief.<type>`. Stream RELIEF holds every domain prefix below; REFERRALS holds
`relief.referral.>` alone so a partner department can be granted its own subjects. JetStream
forbids overlapping stream subjects, so RELIEF lists its prefixes instead of `relief.>`; a new
event family means a new prefix here (start-up updates the stream in place), and the registry
refuses an event type whose subject no stream holds.
"""
from __future__ import annotations

SUBJECT_PREFIX = "relief."
RELIEF_PREFIXES = ("case", "means", "benefit", "approval", "payment", "deadline", "status")
STREAMS: dict[str, list[str]] = {
    "RELIEF": [f"relief.{p}.>" for p in RELIEF_PREFIXES],
    "REFERRALS": ["relief.referral.>"],
}


def stream_of(subject: str) -> str:
    """The stream that holds `subject`; LookupError if none does."""
    for name, patterns in STREAMS.items():
        for pattern in patterns:
            if subject.startswith(pattern.removesuffix(">")):
                return name
    raise LookupError(f"no stream holds subject {subject!r}")
