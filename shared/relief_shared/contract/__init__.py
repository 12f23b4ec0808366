"""The suite's contract as code: the envelope, every event payload by type and version, the
streams, and the durable consumers. Importing this package registers every event type."""
# Importing each module registers its event types (one module a line, alphabetical).
from relief_shared.contract import approval  # noqa: F401
from relief_shared.contract import benefit  # noqa: F401
from relief_shared.contract import case  # noqa: F401
from relief_shared.contract import deadline  # noqa: F401
from relief_shared.contract import education  # noqa: F401
from relief_shared.contract import household  # noqa: F401
from relief_shared.contract import means  # noqa: F401
from relief_shared.contract import payment  # noqa: F401
from relief_shared.contract import referral  # noqa: F401
from relief_shared.contract import status  # noqa: F401
from relief_shared.contract import consumers  # noqa: F401,I001 - after the types it reads
from relief_shared.contract.envelope import Envelope
from relief_shared.contract.fields import Actor, Payload, Person, system
from relief_shared.contract.registry import REGISTRY, ConsumerSpec, EventSpec, InvalidMessage, UnregisteredEvent
from relief_shared.contract.streams import STREAMS, SUBJECT_PREFIX

__all__ = ["REGISTRY", "STREAMS", "SUBJECT_PREFIX", "Actor", "ConsumerSpec", "Envelope", "EventSpec",
           "InvalidMessage", "Payload", "Person", "UnregisteredEvent", "system"]
