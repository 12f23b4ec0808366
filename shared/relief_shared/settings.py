"""Settings every service shares; each service subclasses with its own env prefix.

The embedded default runs on a bare laptop: SQLite files under `data_dir`, NATS on the
embedded server's port (14222, away from a system NATS on 4222). A development JWT secret
ships for that default and is refused anywhere else. The suite clock (`relief_shared.clock`)
follows its NATS entry in development and test runs; production settings refuse to start with
it enabled.
"""
from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from relief_shared.db import sqlite_url

DEV_JWT_SECRET = "DEVELOPMENT-ONLY-relief-secret-change-me"
DEV_KIN_SECRET = "DEVELOPMENT-ONLY-relief-kin-key-change-me"
EMBEDDED_NATS_PORT = 14222


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    service_name: ClassVar[str] = "service"

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    nats_url: str = f"nats://127.0.0.1:{EMBEDDED_NATS_PORT}"
    # The service's own broker user (relief_shared.broker): `<PREFIX>NATS_USER` defaults to the
    # service's name, `<PREFIX>NATS_PASSWORD` to its development password `dev-<service>`, which
    # a production broker does not accept. Credentials in the URL (nats://user:password@host) take precedence.
    nats_user: str = ""
    nats_password: str = ""
    jwt_secret: str = Field(DEV_JWT_SECRET, validation_alias=AliasChoices("RELIEF_JWT_SECRET", "jwt_secret"))
    # the key of LF-KIN's member keys (relief_shared.kin): the same in eligibility and approval
    kin_secret: str = Field(DEV_KIN_SECRET, validation_alias=AliasChoices("RELIEF_KIN_SECRET", "kin_secret"))
    log_level: str = "INFO"
    max_body_bytes: int = 256 * 1024  # request bodies above it get 413 (relief_shared.limits)
    fast_lanes: bool = True  # off: every request through the framework (relief_shared.fastlane; tests compare)
    relay_poll_seconds: float = 0.25
    relay_batch: int = 500
    relay_max_attempts: int = 10  # refusals by a connected broker before an outbox row is parked
    consumer_max_deliver: int = 5
    consumer_ack_wait_seconds: float = 30.0
    consumer_backoff_seconds: list[float] = [0.5, 2.0, 5.0, 15.0, 30.0]
    consumer_batch: int = 100
    # The suite clock: None means on in development and test, off in production (where
    # turning it on is refused at start).
    suite_clock: bool | None = None
    # Deadlines: the scheduler looks again at least this often (deadlines another replica
    # wrote; its own and clock or calendar changes wake it at once), and claims this many a round.
    deadline_poll_seconds: float = 10.0
    deadline_batch: int = 500
    # Region packs: an operator's folder of region folders; None reads the packs shipped with
    # relief_shared. `POST /v1/ops/region-packs/reload` reads it again in every service.
    regions_dir: Path | None = None

    @model_validator(mode="after")
    def _defaults_and_guards(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = sqlite_url(self.data_dir / f"{self.service_name}.sqlite")
        self.nats_user = self.nats_user or self.service_name
        # no guard needed here: a production broker (deploy/nats/nats.conf) only accepts the
        # passwords the operator set, so a development password simply does not connect there.
        self.nats_password = self.nats_password or f"dev-{self.service_name}"
        if self.environment == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("RELIEF_JWT_SECRET must be set to a real secret outside development")
        if self.environment == "production" and self.kin_secret == DEV_KIN_SECRET:
            raise ValueError("RELIEF_KIN_SECRET must be set to a real secret outside development")
        if self.environment == "production" and self.suite_clock:
            raise ValueError("the suite clock is for rehearsals and tests: it must not be enabled under production "
                             "settings (unset SUITE_CLOCK)")
        return self

    @property
    def suite_clock_enabled(self) -> bool:
        return self.environment != "production" if self.suite_clock is None else self.suite_clock
