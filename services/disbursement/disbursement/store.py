"""disbursement's unit of work: every repository hangs on it (`uow.payments`, `uow.ledger`, …).
The tables are in `tables.py`; each repository is a module of `stores/`."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.stores.funds import CapUsage, DibaoFund, Funds
from disbursement.stores.ledger import Ledger
from disbursement.stores.payments import Payments
from disbursement.stores.payroll import Roster, Runs
from disbursement.stores.receipts import Receipts
from disbursement.stores.reconciliation import Reconciliations
from disbursement.stores.recoveries import Recoveries
from disbursement.stores.tasks import Tasks
from disbursement.tables import deadlines, metadata, plumbing
from relief_shared import db
from relief_shared.deadlines import SIGNAL, Deadlines

__all__ = ["UnitOfWork", "deadlines", "metadata", "plumbing"]


class UnitOfWork(db.UnitOfWork):
    payments: Payments
    deadlines: Deadlines
    ledger: Ledger
    funds: Funds
    caps: CapUsage
    dibao_fund: DibaoFund
    tasks: Tasks
    receipts: Receipts
    reconciliations: Reconciliations
    recoveries: Recoveries
    roster: Roster
    runs: Runs

    def bind(self, conn: AsyncConnection) -> None:
        self.payments = Payments(conn)
        self.deadlines = Deadlines(conn, deadlines, on_change=lambda: self.signal_after_commit(SIGNAL))
        self.ledger = Ledger(conn)
        self.funds = Funds(conn)
        self.caps = CapUsage(conn)
        self.dibao_fund = DibaoFund(conn)
        self.tasks = Tasks(conn)
        self.receipts = Receipts(conn)
        self.reconciliations = Reconciliations(conn)
        self.recoveries = Recoveries(conn)
        self.roster = Roster(conn)
        self.runs = Runs(conn)
