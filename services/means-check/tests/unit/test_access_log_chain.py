from datetime import datetime, timezone

from means_check.access_log import GENESIS, Entry, check_head, row_hash, walk


def chain(n: int) -> list[dict]:
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = Entry(datetime(2026, 1, 1, tzinfo=timezone.utc), "fuxin-haizhou", "clerk-1", "李", f"case-{seq}", "v",
                      "purpose", "tax", "210902********1236", "d" * 64, "asked", "query sent").__dict__
        h = row_hash(seq, entry, prev)
        rows.append({**entry, "seq": seq, "prev_hash": prev, "hash": h})
        prev = h
    return rows


def test_an_intact_chain_walks_to_its_head() -> None:
    rows = chain(5)
    broken, prev, seq = walk(rows)
    assert broken is None and seq == 5
    assert check_head({"seq": 5, "hash": prev}, prev, seq).intact


def test_an_edited_row_is_named() -> None:
    rows = chain(5)
    rows[2]["summary"] = "nothing found"
    broken, _, _ = walk(rows)
    assert (broken.first_broken, broken.reason) == (3, "its contents do not match its hash")


def test_a_rehashed_edit_breaks_the_next_link() -> None:
    rows = chain(5)
    rows[2]["summary"] = "nothing found"
    rows[2]["hash"] = row_hash(3, rows[2], rows[2]["prev_hash"])
    assert walk(rows)[0].first_broken == 4


def test_a_removed_row_and_a_cut_tail_are_named() -> None:
    rows = chain(5)
    assert walk(rows[:2] + rows[3:])[0].first_broken == 3
    broken, prev, seq = walk(rows[:4])
    assert broken is None and check_head({"seq": 5, "hash": rows[4]["hash"]}, prev, seq).first_broken == 5
