"""The suite's contract as code: the envelope, every event payload by type and version, the
streams, and the durable consumers. Importing this package registers every event type."""
from relief_shared.contract import approval, benefit, case, deadline, means, payment  # noqa: F401 - registers the types
from relief_shared.contract import consumers  # noqa: F401,I001 - after the types it reads
from relief_shared.contract.envelope import Envelope
from relief_shared.contract.fields import Actor, Payload, Person, system
from relief_shared.contract.registry import REGISTRY, ConsumerSpec, EventSpec, InvalidMessage, UnregisteredEvent
from relief_shared.contract.streams import STREAMS, SUBJECT_PREFIX

__all__ = ["REGISTRY", "STREAMS", "SUBJECT_PREFIX", "Actor", "ConsumerSpec", "Envelope", "EventSpec",
           "InvalidMessage", "Payload", "Person", "UnregisteredEvent", "system"]
