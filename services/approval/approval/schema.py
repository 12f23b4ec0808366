"""approval's one metadata and its plumbing (outbox, inbox, idempotency): every table module of
the service defines its tables on it, so store.py and the feature modules (facts, spot checks,
applications) stay apart without importing each other."""
from relief_shared.db import new_metadata
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)
