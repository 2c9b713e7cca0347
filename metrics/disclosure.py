"""Suppression that survives subtraction: across every published dimension and across filters.

Primary suppression (:func:`metrics.kpis.suppress`) withholds a value resting on 1 … min_n−1
cases. That alone is not enough once totals are published too:

- **Within a table** — the total of a month minus the shown services reveals the one service
  withheld. :func:`protect_table` withholds, in every group along every published dimension
  (each dimension's margin is a published total), further cells until the withheld cells of
  the group are at least two *and* rest together on at least ``min_n`` cases; it repeats over
  all dimensions until nothing changes (a withheld cell can force one in another dimension).
  Only the sum of the withheld cells can then be derived, never one of them.
- **Across filters** — "all locations" minus "all but one location" is that one location.
  The withheld cells of a dimension form its *pool*; :func:`guard_selection` withholds a
  filtered view that contains part of a pool (some but not all of its cells). Every view
  that is shown then holds a pool wholly or not at all, so any sum or difference of shown
  views contains the pool's cells with one and the same coefficient: only the pool's total
  can be derived, as in the table. (This is the "partitioning" defence against trackers of
  statistical databases: answer only unions of atomic groups.) The engine applies it with
  ``compute(..., protect_filters=True)``.

What remains impossible here, and why:

- *Filters on two dimensions at once* (services × locations): each filter is guarded against
  the pools of its own dimension, computed within the other filter. Differences between
  views with different filters on *both* dimensions can in principle isolate one
  service-at-location cell; preventing that needs an audit of every pair of views a person
  could request (or answering only a fixed set of views), which a dashboard with free
  filters cannot do.
- *Non-additive values* (medians, P90) are withheld by the same rules as their counts, but
  a percentile can still narrow down the distribution of a withheld group in combination
  with others; only noise or coarser bins would prevent that.
- *Bounds*: counts are never negative, so a pool of a large and a small cell still bounds the
  small cell between 0 and the pool's total. The pool rule makes that interval at least
  ``min_n`` wide, not arbitrarily wide; an optimal (linear-programming) cell suppression
  would be needed to guarantee a chosen width.
- *Other pages and exports* publish their own tables; the rules hold for each table and
  each filtered view computed through them, not for combinations with numbers published
  elsewhere (earlier reports, other grains of time).

What it costs, and why it is kept: in a small place the pools are many. On the 30,000-case
sample city (two years, 35 services, 7 locations: about five cases per service, location
and month) the Überblick filtered to the pilot's two services at its two offices withholds
18 of 24 months — each month one of the services is the partner of a small one at those
offices, or of a small location in that service's month. The withheld values rest on
30–70 cases; they are withheld because showing them would give away one of 1–4. Where the
same months are published as sums (the pilots' cells), :func:`metrics.headline.span_reveals`
admits the sum only when what it gives away is itself safe. A larger city (300,000 cases)
withholds none of those months. Coarser views (quarters, all offices, a department) keep
most values; the page captions say what is withheld and why.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import polars as pl

_ONE = "__all__"
_ROW = "__row"


def _pool_once(frame: pl.DataFrame, group: Sequence[str], min_n: int) -> pl.DataFrame:
    """One pass along one dimension: in each group, add the smallest shown cells to the
    withheld ones until they are ≥ 2 cells resting on ≥ min_n cases together.

    Vectorised: the shown cells of a group, smallest first (ties by row), are added while
    the withheld cells and those before them do not yet meet the rule — a prefix, since
    the rule once met stays met."""
    keys = list(group) or [_ONE]
    base = frame.with_columns(pl.lit(1).alias(_ONE)) if not group else frame
    held = pl.col("suppressed") & (pl.col("n") > 0)
    base = base.with_columns(
        __h=held.sum().over(keys),
        __t=pl.when(held).then(pl.col("n")).otherwise(0).sum().over(keys))
    shown = base.filter(~pl.col("suppressed") & (pl.col("n") > 0) & (pl.col("__h") > 0))
    ranked = shown.sort("n", _ROW).with_columns(
        __k=pl.col(_ROW).cum_count().over(keys) - 1,
        __before=pl.col("n").cum_sum().over(keys) - pl.col("n"))
    met = ((pl.col("__h") + pl.col("__k") >= 2)
           & (pl.col("__t") + pl.col("__before") >= min_n))
    extra = ranked.filter(~met)[_ROW]
    return frame.with_columns(suppressed=pl.col("suppressed") | pl.col(_ROW).is_in(
        extra.implode()))


def protect_table(cells: pl.DataFrame, dims: Sequence[str], min_n: int) -> pl.DataFrame:
    """Primary and complementary suppression of a table whose margins along every dimension
    of ``dims`` are published as well (``cells``: one row per combination of ``dims`` with
    ``n`` and ``value``, optionally ``numerator``). Withheld cells lose value and numerator.

    A group all of whose cells together rest on fewer than ``min_n`` cases cannot be
    protected by its cells: its margin is itself small and must be withheld by the caller
    (:func:`metrics.kpis.suppress` on the margin does that)."""
    frame = cells.with_row_index(_ROW).with_columns(
        suppressed=((pl.col("n") > 0) & (pl.col("n") < min_n))
        | (pl.col("suppressed") if "suppressed" in cells.columns else pl.lit(False)))
    while True:
        before = int(frame["suppressed"].sum())
        for dim in dims:
            frame = _pool_once(frame, [d for d in dims if d != dim], min_n)
        if int(frame["suppressed"].sum()) == before:
            break
    nulls = [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
             for c in ("value", "numerator") if c in frame.columns]
    return frame.with_columns(nulls).drop(_ROW)


def pools(cells: pl.DataFrame, key: str, group: Sequence[str], min_n: int) -> pl.DataFrame:
    """The pool of ``key`` per group: the cells withheld when the table ``group`` × ``key``
    is published with its totals over ``key`` → ``*group, key, pooled``."""
    # sorted, so that a tie between equal counts goes the same way every time (the cells
    # often come from a group_by, whose order polars does not fix)
    protected = _protect_within(cells.select(*group, key, "n").sort(
        [*group, key], nulls_last=True), group, min_n)
    return protected.select(*group, key, pl.col("suppressed").alias("pooled"))


def _protect_within(cells: pl.DataFrame, group: Sequence[str], min_n: int) -> pl.DataFrame:
    """Complementary suppression along ``key`` only, separately in every group."""
    frame = cells.with_row_index(_ROW).with_columns(
        suppressed=(pl.col("n") > 0) & (pl.col("n") < min_n))
    return _pool_once(frame, group, min_n).drop(_ROW)


def guard_selection(cells: pl.DataFrame, key: str, selected: Collection[object],
                    group: Sequence[str], min_n: int) -> pl.DataFrame:
    """Which groups of a view filtered to ``key`` ∈ ``selected`` must be withheld →
    ``*group, withheld``: those whose selection holds part of the pool of ``key`` (some,
    not all, of its cells). ``cells`` are the unfiltered cells ``*group, key, n`` — every
    value of ``key``, including a null one (e.g. cases without a location), which no
    selection holds."""
    return select_pooled(pools(cells, key, group, min_n), key, selected, group)


def select_pooled(pooled: pl.DataFrame, key: str, selected: Collection[object],
                  group: Sequence[str]) -> pl.DataFrame:
    """:func:`guard_selection` from the pools (:func:`pools`, the same for every selection,
    so a caller protecting many selections computes them once)."""
    pooled = pooled.with_columns(chosen=pl.col(key).is_in(list(selected)).fill_null(False))
    keys = list(group) or [_ONE]
    base = pooled.with_columns(pl.lit(1).alias(_ONE)) if not group else pooled
    out = base.group_by(keys).agg(
        withheld=(pl.col("pooled") & pl.col("chosen")).any()
        & (pl.col("pooled") & ~pl.col("chosen")).any())
    return out.drop(_ONE, strict=False)
