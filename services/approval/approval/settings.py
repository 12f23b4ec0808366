from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from relief_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPROVAL_", env_nested_delimiter="__", extra="ignore")
    service_name: ClassVar[str] = "approval"
    spot_checks_monthly: bool = True  # draw each finished month's DT-SPOT samples by itself
    spot_check_poll_seconds: float = 300.0  # how often it looks (a move of the suite clock wakes it at once)
