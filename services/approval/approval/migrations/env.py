from approval.store import metadata
from relief_shared.migrate import run_env

run_env(metadata)
