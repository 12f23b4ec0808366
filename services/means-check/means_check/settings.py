from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import SettingsConfigDict

from relief_shared.settings import ServiceSettings

DEV_ACCESS_LOG_KEY = "DEVELOPMENT-ONLY-means-check-access-log-key"


class VerificationSettings(BaseModel):
    """How the worker calls the departments (real time) and how long results are kept."""

    timeout_seconds: float = 3.0  # one call; the simulators answer in 50-500 ms
    retry_seconds: list[float] = [1.0, 5.0, 30.0, 120.0, 600.0]  # back-off after the n-th failure
    max_attempts: int = 8  # then the source's answer for that member is missing
    breaker_threshold: int = 5  # failures in a row that open a source's breaker
    breaker_cool_off_seconds: float = 30.0
    max_in_flight: int = 1000  # calls out (or answers waiting to be written) at once, over all sources
    batch: int = 50  # requests claimed, or answers written, in one short transaction
    lease_seconds: float = 120.0  # a claimed call not written back by then is claimed again
    flush_seconds: float = 0.05  # answers are written together, at most this late
    poll_seconds: float = 1.0
    sweep_seconds: float = 5.0  # overdue verifications and expired results
    retention_days: int = 365  # results and members' ID numbers are deleted this long after the end


class SimulatorSettings(BaseModel):
    """The simulated departments (the only ones there are here): seed, latency, faults."""

    seed: int = 12
    latency_ms: tuple[int, int] = (50, 500)
    faults: dict[str, str] = Field(default_factory=dict, description="source code → mode (sources.simulator.MODES)")
    later_days: int = 20


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEANS_CHECK_", env_nested_delimiter="__", extra="ignore")
    service_name: ClassVar[str] = "means-check"

    sources: Literal["simulated"] = "simulated"
    verification: VerificationSettings = VerificationSettings()
    simulator: SimulatorSettings = SimulatorSettings()
    access_log_key: str = DEV_ACCESS_LOG_KEY

    @model_validator(mode="after")
    def _real_key_in_production(self) -> "Settings":
        if self.environment == "production" and self.access_log_key == DEV_ACCESS_LOG_KEY:
            raise ValueError("MEANS_CHECK_ACCESS_LOG_KEY must be set to a real secret outside development")
        return self


__all__ = ["Settings", "SimulatorSettings", "VerificationSettings"]
