"""The simulated bank: its modes, its memory, and its idempotency on the reference."""
from __future__ import annotations

import asyncio

import pytest

from disbursement.bank import BankTimeout, SimulatedBank
from relief_shared.money import Money

AMOUNT = Money.yuan("1500.00")


async def pay(bank: SimulatedBank, reference: str = "pay-1"):  # noqa: ANN201
    return await bank.transfer(reference, AMOUNT, "张三", "210902199001011234")


async def booked(bank: SimulatedBank) -> int:
    return sum(r.booked for r in await bank.ledger())


async def test_succeed_books_once_however_often_the_reference_is_sent(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite")
    first = await pay(bank)
    again = await pay(bank)
    assert first.booked and first == again
    assert await booked(bank) == 1
    assert (await bank.status("pay-1")) == first
    assert await bank.status("pay-2") is None


async def test_fail_refuses_and_remembers_the_refusal(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite", mode="fail")
    receipt = await pay(bank)
    assert receipt.outcome == "refused" and receipt.reason
    bank.steer("succeed")
    assert await pay(bank) == receipt  # the same reference is answered as the first time
    assert await booked(bank) == 0


async def test_timeout_books_nothing(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite", mode="timeout")
    with pytest.raises(BankTimeout):
        await pay(bank)
    assert await bank.status("pay-1") is None


async def test_lost_reply_books_but_raises(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite", mode="lost_reply")
    with pytest.raises(BankTimeout):
        await pay(bank)
    receipt = await bank.status("pay-1")
    assert receipt is not None and receipt.booked and receipt.amount == AMOUNT


async def test_script_answers_the_next_calls_then_the_mode_takes_over(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite")
    bank.steer(script=["timeout", "lost_reply"])
    with pytest.raises(BankTimeout):
        await pay(bank, "a")
    with pytest.raises(BankTimeout):
        await pay(bank, "b")
    assert (await pay(bank, "c")).booked
    assert [r.reference for r in await bank.ledger()] == ["b", "c"]


async def test_hang_never_replies(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite")
    bank.steer(script=["book_then_hang"])
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(pay(bank), 0.2)
    assert await booked(bank) == 1


async def test_the_ledger_outlives_the_bank_object(tmp_path) -> None:  # noqa: ANN001
    first = await pay(SimulatedBank(tmp_path / "bank.sqlite"))
    assert await pay(SimulatedBank(tmp_path / "bank.sqlite")) == first


async def test_concurrent_transfers_with_one_reference_book_once(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite")
    receipts = await asyncio.gather(*(pay(bank) for _ in range(8)))
    assert len(set(receipts)) == 1 and await booked(bank) == 1


def test_unknown_modes_are_refused(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ValueError):
        SimulatedBank(tmp_path / "bank.sqlite").steer(script=["explode"])


async def test_bad_account_refuses_with_its_code(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite")
    bank.steer(bad_accounts=["6222000000000000"])
    refused = await bank.transfer("pay-1", AMOUNT, "张三", "210902199001011234", "6222000000000000")
    assert refused.outcome == "refused" and refused.code == "bad_account"
    assert (await pay(bank, "pay-2")).booked


async def test_unknown_books_and_only_a_status_query_tells(tmp_path) -> None:  # noqa: ANN001
    bank = SimulatedBank(tmp_path / "bank.sqlite", mode="unknown")
    answer = await pay(bank)
    assert answer.outcome == "unknown" and not answer.answered
    status = await bank.status("pay-1")
    assert status is not None and status.booked


async def test_a_batch_is_answered_item_by_item_and_written_on_the_days_statement(tmp_path) -> None:  # noqa: ANN001
    from datetime import date, datetime, timezone

    from disbursement.bank import TransferOrder, read_statement
    bank = SimulatedBank(tmp_path / "bank.sqlite", now=lambda: datetime(2026, 3, 5, 2, 0, tzinfo=timezone.utc))
    bank.steer(bad_accounts=["62220002"])
    orders = [TransferOrder(f"r{i}", AMOUNT, "张三", "210902199001011234", f"6222000{i}") for i in range(4)]
    receipts = await bank.transfer_batch(orders)
    assert [r.outcome for r in receipts] == ["booked", "booked", "refused", "booked"]
    assert await bank.transfer_batch(orders) == receipts  # the same references: nothing booked again
    bank.duplicate_credit("r0")
    bank.alter_credit("r1", amount=Money.yuan("1.00"))
    bank.stray_credit("zz", AMOUNT, "62229999", date(2026, 3, 5))
    lines = list(read_statement(await bank.statement(date(2026, 3, 5))))
    assert [line.reference for line in lines] == ["r0", "r0", "r1", "r3", "zz"]
    assert lines[2].amount == Money.yuan("1.00")
    assert list(read_statement(await bank.statement(date(2026, 3, 6)))) == []
