from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

from disbursement.bank import BankMode
from relief_shared.settings import ServiceSettings


class BankSettings(BaseModel):
    """The simulated bank: `DISBURSEMENT_BANK__MODE=timeout` and so on."""

    mode: BankMode = "succeed"
    script: list[BankMode] = []  # modes for the next calls, before `mode` answers every call
    path: Path | None = None  # default: <data_dir>/bank-simulator.sqlite
    timeout_seconds: float = 10.0  # a call that takes longer counts as a timeout


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DISBURSEMENT_", env_nested_delimiter="__", extra="ignore")
    service_name: ClassVar[str] = "disbursement"

    bank: BankSettings = BankSettings()
    payment_poll_seconds: float = 1.0
    payment_batch: int = 200  # due payments claimed at once
    payment_max_calls: int = 32  # bank calls in flight at once (pipelined)
    payment_bank_batch: int = 500  # payroll items per batch file
    # An in-flight payment is left alone this long before another round may take it over;
    # it must exceed the bank timeout.
    payment_lease_seconds: float = 60.0
    payment_retry_seconds: float = 5.0
    payment_retry_max_seconds: float = 300.0
    payroll_chunk: int = 5000  # roster entries produced per transaction
    payroll_poll_seconds: float = 2.0
    payroll_opens_monthly: bool = True  # off only where runs are opened by hand (tests, rehearsals of one month)

    @property
    def bank_path(self) -> Path:
        return self.bank.path or self.data_dir / "bank-simulator.sqlite"
