from typing import ClassVar

from pydantic_settings import SettingsConfigDict
from relief_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ELIGIBILITY_", env_nested_delimiter="__", extra="ignore")
    service_name: ClassVar[str] = "eligibility"
    page_size: int = 50
