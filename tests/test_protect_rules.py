"""Two rules of the disclosure control checked on tables small enough to follow by hand.

1. A pool of withheld cells (metrics.disclosure.pools) is the same however the cells come
   in: two shown cells of the same size are a tie, and the tie goes to the first by key —
   polars hands group_by results over in any order, and a pattern that changed from one run
   to the next would show a different cell on each reload.
   And the pool of every group of a random table is the one a plain loop finds (cells
   added smallest first until the withheld ones are ≥ 2 and rest on ≥ min_n cases).
2. metrics.open_data.protect never picks a partner a reader knows anyway (``low`` = ``high``:
   its count follows from other publications), because withholding it hides nothing.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from metrics.disclosure import pools
from metrics.open_data import protect

M = dt.date(2026, 10, 1)


def test_a_tie_in_a_pool_goes_to_the_first_key_whatever_the_order():
    # group g: a 2 cases (withheld, < 5), b and c 7 each — the pool needs a second cell and
    # 5 cases together: a + b (b before c); h: 9, 3 → both, as the only partner
    rows = [("g", "a", 2), ("g", "b", 7), ("g", "c", 7), ("h", "a", 9), ("h", "b", 3)]
    seen = set()
    for seed in range(8):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        cells = pl.DataFrame(shuffled, schema={"group": pl.String, "key": pl.String,
                                               "n": pl.Int64}, orient="row")
        pooled = pools(cells, "key", ["group"], 5).filter(pl.col("pooled"))
        seen.add(tuple(sorted(pooled.select("group", "key").iter_rows())))
    assert seen == {(("g", "a"), ("g", "b"), ("h", "a"), ("h", "b"))}


def _pool_by_loop(rows: list[tuple[str | None, int, int]], min_n: int) -> set[int]:
    """The pool written out: per group, the small cells, then shown ones smallest first
    (ties by position) until ≥ 2 cells rest on ≥ min_n cases. ``rows``: group, n, position."""
    out: set[int] = set()
    for group in {g for g, _, _ in rows}:
        mine = [(n, i) for g, n, i in rows if g == group and n > 0]
        held = [(n, i) for n, i in mine if n < min_n]
        if not held:
            continue
        count, total = len(held), sum(n for n, _ in held)
        out |= {i for _, i in held}
        for n, i in sorted(x for x in mine if x[0] >= min_n):
            if count >= 2 and total >= min_n:
                break
            out.add(i)
            count, total = count + 1, total + n
    return out


def test_pools_of_random_tables_equal_a_plain_loop():
    rng = random.Random(7)
    for _ in range(400):
        rows = [(rng.choice(["g", "h", None]), rng.choice([0, 1, 2, 4, 5, 6, 9, 30]), i)
                for i in range(rng.randint(0, 14))]
        table = pl.DataFrame([(g, f"k{i:02d}", n) for g, n, i in rows],
                             schema={"group": pl.String, "key": pl.String, "n": pl.Int64},
                             orient="row")
        pooled = pools(table, "key", ["group"], 5).filter(pl.col("pooled"))
        assert {int(k[1:]) for k in pooled["key"]} == _pool_by_loop(rows, 5), rows


def cells(rows: list[tuple], **extra: list) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={"service_id": pl.Int64, "n": pl.Int64}, orient="row")
    return frame.with_columns(kpi=pl.lit("cases"), family=pl.lit("cases"),
                              month=pl.lit(M, pl.Date),
                              numerator=pl.lit(None, pl.Int64),
                              **{k: pl.Series(v, dtype=pl.Int64) for k, v in extra.items()})


def withheld(frame: pl.DataFrame) -> list[int]:
    out, _ = protect(frame, 5, classes_shown=True)
    return sorted(out.filter(pl.col("suppressed"))["service_id"].to_list())


def test_the_partner_is_the_smallest_cell():
    # 3 is withheld (< 5); its partner: the smallest other cell, 20
    assert withheld(cells([(1, 3), (2, 20), (3, 30)])) == [1, 2]


def test_a_partner_known_anyway_is_passed_over():
    # service 2's 20 can be read off elsewhere (low = high = 20): withholding it would hide
    # nothing, so the next smallest, 30, is taken instead
    known = cells([(1, 3), (2, 20), (3, 30)], low=[None, 20, None], high=[None, 20, None])
    assert withheld(known) == [1, 3]
    # only a range known (18 … 25): it still hides something, so the smallest stays the pick
    loose = cells([(1, 3), (2, 20), (3, 30)], low=[None, 18, None], high=[None, 25, None])
    assert withheld(loose) == [1, 2]


def test_with_every_partner_known_the_total_is_withheld():
    # 20 and 30 both known elsewhere: no partner hides 3, so the month's total (53) goes
    known = cells([(1, 3), (2, 20), (3, 30)], low=[None, 20, 30], high=[None, 20, 30])
    out, totals = protect(known, 5, classes_shown=True)
    assert sorted(out.filter(pl.col("suppressed"))["service_id"].to_list()) == [1]
    assert totals.select("n", "suppressed").row(0) == (53, True)


def test_a_split_of_a_published_total_withholds_the_partner():
    """metrics.service_view.protect_parts: a service's completed cases online (3, "< 5")
    and offline (40) beside its total 43 — offline would give online back, so it goes too;
    with a third part (in person 12) the smallest shown one is enough."""
    from metrics.service_view import protect_parts

    two = pl.DataFrame({"mode": ["online", "offline"], "n": [3, 40],
                        "suppressed": [True, False]})
    assert protect_parts(two, "mode", 5)["suppressed"].to_list() == [True, True]
    three = pl.DataFrame({"channel": ["online", "post", "in_person"], "n": [3, 40, 12],
                          "suppressed": [True, False, False]})
    assert protect_parts(three, "channel", 5)["suppressed"].to_list() == [True, False, True]
