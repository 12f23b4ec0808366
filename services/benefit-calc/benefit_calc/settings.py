from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from relief_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BENEFIT_CALC_", env_nested_delimiter="__", extra="ignore")
    service_name: ClassVar[str] = "benefit-calc"
    disbursement_url: str = "http://127.0.0.1:8005"  # what a person was paid this year (LF-CAP)
