"""The open-data feed: every catalogue KPI per service and month, and per month for all
services, safe to publish. Pure: polars frames in, polars frames and metadata out; writing
the files and the DCAT catalogue is :mod:`dashboard.publish`.

What is published per cell (service × month): the value, its numerator (ratios) and ``n``,
the count the value rests on — so anyone can re-aggregate Σ numerator / Σ n. Nothing below
service × month, no case keys, no comments.

Disclosure control, because month totals are published too:

* **primary**: a cell resting on 1 … ``min_n``−1 cases is withheld (value, numerator, n).
* **complementary**: total − published cells must never reveal a withheld cell. Per month
  a published total needs at least two withheld cells, and more when their sums still pin
  one down: all withheld numerators 0 (every value 0 %) or equal to their n (100 %), or the
  withheld n so small that every cell must be 1 — also with the bounds that other tables
  give (a service's completed cases never exceed its cases). If no further cell can be
  withheld, the month total is withheld instead.
* **linked tables**: KPIs whose n counts the same cases (the follow-up rate, both
  processing-time percentiles and the share within the standard rest on the completed
  cases) share one suppression pattern, so one table cannot show the n another one hides.

The feed publishes no service totals over months. Where they are published (the dashboard's
ranking over any span, :mod:`metrics.ranking_protection`), ``protect(..., rows=True)``
protects each service's row as well, and audits the whole pattern exactly.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from metrics.catalogue import CATALOGUE, KpiDef
from metrics.cube import Cube
from metrics.kpis import compute

log = logging.getLogger(__name__)

# The KPIs in the feed — publishing one is a decision (what does its n reveal?), so they are
# listed, not taken from the whole catalogue — each with its "family": KPIs whose n counts
# the same cases share one suppression pattern.
FEED_FAMILIES: dict[str, str] = {
    "digital_take_up": "cases",
    "follow_up_rate": "completed",
    "processing_days_median": "completed",
    "processing_days_p90": "completed",
    # completed cases of services with a processing target: the same count as above
    "within_standard": "completed",
}
# family → family whose count of the same cell is never smaller (completed ≤ cases): a
# published count of one family bounds a withheld count of the other. A bound that does
# not always hold only makes the protection stricter.
AT_MOST: dict[str, str] = {"completed": "cases"}

CELL_SCHEMA = {
    "month": pl.Date,
    "service_id": pl.Int64,
    "service_code": pl.String,
    "service": pl.String,
    "leika_key": pl.String,
    "department": pl.String,
    "value": pl.Float64,
    "numerator": pl.Int64,
    "n": pl.Int64,
    "suppressed": pl.Boolean,
}
TOTAL_SCHEMA = {
    "month": pl.Date,
    "value": pl.Float64,
    "numerator": pl.Int64,
    "n": pl.Int64,
    "services_with_data": pl.Int64,
    "suppressed": pl.Boolean,
}


@dataclass(frozen=True)
class KpiFeed:
    kpi: KpiDef
    family: str
    cells: pl.DataFrame  # CELL_SCHEMA: one row per service and month with cases (n > 0)
    totals: pl.DataFrame  # TOTAL_SCHEMA: one row per month, all services


@dataclass(frozen=True)
class Feed:
    kpis: list[KpiFeed]
    min_n: int

    @property
    def months(self) -> list[dt.date]:
        """The months the feed has rows for (temporal coverage), sorted."""
        found = {m for k in self.kpis for m in k.cells["month"].to_list()}
        return sorted(found)


# --- disclosure control -----------------------------------------------------------------

Cell = tuple[dt.date, int]  # (month, service_id)


@dataclass
class _Table:
    kpi: str
    family: str
    n: dict[Cell, int]
    numerator: dict[Cell, int] | None  # None for percentiles
    total_n: dict[dt.date, int]
    # what a reader knows of a withheld count besides the tables: "< 5" says 1 … 4, a
    # different mark for a cell withheld only to protect others says ≥ 5
    limits: dict[Cell, tuple[int, float]] = field(default_factory=dict)
    held: set[Cell] = field(default_factory=set)  # withheld before (``suppressed`` given)
    # what other publications tell about this table's own count of a cell (``low``/``high``
    # given, e.g. a service's shown months bound its total over them)
    known: dict[Cell, tuple[int, float]] = field(default_factory=dict)
    months: dict[dt.date, list[Cell]] = field(default_factory=lambda: defaultdict(list))
    partial: bool = False  # its n counts part of the family's count (``partial``)
    # cells whose count a published total gives anyway: alone in a month whose total is
    # published whatever its size (``rows``)
    alone: set[Cell] = field(default_factory=set)
    rows: dict[int, list[Cell]] = field(default_factory=lambda: defaultdict(list))


def protect(cells: pl.DataFrame, min_n: int | Mapping[str, int],
            at_most: Mapping[str, str] = AT_MOST, *, classes_shown: bool = False,
            partial: Iterable[str] = (), rows: bool = False
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Primary and complementary suppression for linked tables with published month totals.

    ``cells``: kpi, family, month, service_id, n, numerator (null for percentiles); one
    row per cell with n > 0, the month total being the sum of a table's cells; optionally
    ``suppressed``: cells withheld already for another reason (e.g. a filter's guard, see
    :mod:`metrics.disclosure`), which the pattern starts with, ``low``/``high``: what
    other publications tell a reader about the cell's n (null: nothing), and ``rate_known``:
    the cell's value is known anyway (left out of the 0 %/100 % rule). ``min_n``:
    one minimum for all, or one per KPI. ``classes_shown``: withheld small cells are marked
    differently from cells withheld to protect them (as in the council report), so a reader
    knows each withheld count is below or at least the minimum. ``partial``: tables whose n
    counts only part of the family's count (digital take-up's cases while a service was
    online): the bounds between families and the marks of other tables do not hold for
    them. ``rows``: a service's total over the months is published as well (every span
    holding all of its withheld months shows it, :mod:`metrics.ranking_protection`), so each
    service's row is protected like a month; a row that cannot be is *open* (its total must
    not be shown with any withheld month in it), and so is every row through which the
    published totals would pin a withheld cell down (:func:`_open_rows`). Returns the cells
    with ``suppressed`` (and with ``rows``, ``row_open``) and the totals (kpi, month, n,
    suppressed).
    """
    tables = _tables(cells)
    for name in partial:
        if name in tables:
            tables[name].partial = True
    if classes_shown:
        for t in tables.values():
            least = min_n if isinstance(min_n, int) else min_n[t.kpi]
            t.limits = {c: (1, least - 1) if n < least else (least, float("inf"))
                        for c, n in t.n.items()}
    pattern: dict[str, set[Cell]] = defaultdict(set)
    # withheld totals per family by month and count: tables of one family whose margin is
    # the same count (the month's cases of every KPI resting on them) withhold it together,
    # a table over other cells (a group of services) has a margin of its own
    withheld: dict[str, set[tuple[dt.date, int]]] = defaultdict(set)
    # rows of a table whose total is not to be shown with a withheld month (service ids)
    opened: dict[str, set[int]] = defaultdict(set)
    for t in tables.values():
        least = min_n if isinstance(min_n, int) else min_n[t.kpi]
        pattern[t.family] |= {c for c, n in t.n.items() if 0 < n < least} | t.held
        if not rows:  # a grid's month totals are published whatever their size: the
            # months of a quarter, a year or a span add up to theirs
            withheld[t.family] |= {(m, n) for m, n in t.total_n.items() if 0 < n < least}
        if rows:
            opened[t.kpi] |= {s for s, cs in t.rows.items() if sum(t.n[c] for c in cs) < least}
            t.alone = {cs[0] for cs in t.months.values() if len(cs) == 1}
    changed = True
    while changed:  # the pattern only grows, so this ends
        changed = False
        for t in tables.values():
            for month in sorted(t.total_n):
                if (month, t.total_n[month]) in withheld[t.family]:
                    continue
                if not _exposed(t, t.months[month], tables, pattern, at_most):
                    continue
                pick = _complement(t, t.months[month], tables, pattern, at_most)
                if pick is None:
                    withheld[t.family].add((month, t.total_n[month]))
                else:
                    pattern[t.family].add(pick)
                changed = True
            for service in sorted(t.rows) if rows else ():
                # a cell alone in its month is that month's total, published anyway: the
                # row's total minus it and the shown months leaves the other withheld ones
                line = [c for c in t.rows[service] if c not in t.alone]
                if service in opened[t.kpi] or not _exposed(t, line, tables, pattern,
                                                              at_most):
                    continue
                pick = _complement(t, line, tables, pattern, at_most, near=True)
                if pick is None:
                    opened[t.kpi].add(service)
                else:
                    pattern[t.family].add(pick)
                changed = True
    if rows:
        for t in tables.values():
            opened[t.kpi] |= _open_rows(t, pattern[t.family], opened[t.kpi])
    hidden = pl.DataFrame(
        [(f, m, s) for f, cs in pattern.items() for m, s in cs],
        schema={"family": pl.String, "month": pl.Date, "service_id": pl.Int64}, orient="row")
    out = (cells.drop("suppressed", strict=False)
           .join(hidden.with_columns(suppressed=pl.lit(True)),
                 on=["family", "month", "service_id"], how="left")
           .with_columns(pl.col("suppressed").fill_null(False) & (pl.col("n") > 0)))
    if rows:
        flagged = pl.DataFrame([(k, s) for k, ss in opened.items() for s in ss],
                               schema={"kpi": pl.String, "service_id": pl.Int64}, orient="row")
        out = out.join(flagged.with_columns(row_open=pl.lit(True)), on=["kpi", "service_id"],
                       how="left").with_columns(pl.col("row_open").fill_null(False))
    totals = pl.DataFrame(
        [(t.kpi, m, n, (m, n) in withheld[t.family]) for t in tables.values()
         for m, n in sorted(t.total_n.items())],
        schema={"kpi": pl.String, "month": pl.Date, "n": pl.Int64, "suppressed": pl.Boolean},
        orient="row")
    return out, totals


def _tables(cells: pl.DataFrame) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for r in cells.filter(pl.col("n") > 0).sort("kpi", "month", "service_id").iter_rows(
            named=True):
        t = tables.get(r["kpi"])
        if t is None:
            t = tables[r["kpi"]] = _Table(r["kpi"], r["family"], {}, None, defaultdict(int))
        cell = (r["month"], r["service_id"])
        if cell not in t.n:
            t.months[r["month"]].append(cell)
            t.rows[r["service_id"]].append(cell)
        t.n[cell] = r["n"]
        if r["numerator"] is not None and not r.get("rate_known"):
            t.numerator = t.numerator if t.numerator is not None else {}
            t.numerator[cell] = r["numerator"]
        t.total_n[r["month"]] += r["n"]
        if r.get("suppressed"):
            t.held.add(cell)
        if r.get("low") is not None or r.get("high") is not None:
            t.known[cell] = (r.get("low") or 1,
                             float("inf") if r.get("high") is None else r["high"])
    return tables


def _bounds(cell: Cell, fam: str, tables: Mapping[str, _Table],
            pattern: Mapping[str, set[Cell]], at_most: Mapping[str, str],
            own: _Table | None = None) -> tuple[int, float]:
    """What the other published tables tell about a withheld count of ``fam``: at least 1
    (a withheld cell has cases), its mark's class (``limits``), at least a smaller family's
    published count, at most a larger family's; and what is ``known`` of ``own``'s count."""
    low, high = 1, float("inf")
    whole = own is None or not own.partial  # own counts the family's whole count
    if own is not None and cell in own.known:
        low, high = own.known[cell]
    for t in tables.values():
        same = t is own or (whole and not t.partial)  # the same count as own's
        if t.family == fam and cell in t.limits and same:
            low, high = max(low, t.limits[cell][0]), min(high, t.limits[cell][1])
        if cell not in t.n or cell in pattern[t.family]:
            continue
        if at_most.get(t.family) == fam and whole:
            low = max(low, t.n[cell])
        if at_most.get(fam) == t.family and not t.partial:
            high = min(high, t.n[cell])
    return low, high


def _exposed(t: _Table, line: Sequence[Cell], tables: Mapping[str, _Table],
             pattern: Mapping[str, set[Cell]], at_most: Mapping[str, str],
             extra: Cell | None = None) -> bool:
    """Whether the published total of a ``line`` of ``t`` (a month, a row) pins down one of
    its withheld cells."""
    hidden = [c for c in line if c in pattern[t.family] or c == extra]
    if pinned([t.n[c] for c in hidden],
              [_bounds(c, t.family, tables, pattern, at_most, t) for c in hidden]):
        return True
    # the values a reader does not know anyway (``rate_known``: e.g. 0 % at a place that
    # never had a digital case) must not be all 0 % or all 100 %
    rated = [c for c in hidden if t.numerator is not None and c in t.numerator]
    return bool(rated) and sum(t.numerator[c] for c in rated) in (0, sum(t.n[c] for c in rated))


def sum_safe(counts: Sequence[int], min_n: int,
             numerators: Sequence[int] | None = None) -> bool:
    """Whether the published sum of withheld ``counts`` (each marked "< min_n" or
    "geschützt", so a reader knows 1 … min_n−1 or at least min_n of each) pins none of them
    down: two or more, no count left a single value by the others' marks, ``numerators``
    neither none nor all of them (:func:`pinned`)."""
    bounds = [(1, min_n - 1) if n < min_n else (min_n, float("inf")) for n in counts]
    return len(counts) >= 2 and not pinned(counts, bounds, numerators)


def span_gives_away(withheld: Collection[dt.date], whole_safe: bool, first: dt.date,
                    last: dt.date) -> bool:
    """The partition rule (:mod:`metrics.ranking_protection`): whether the total over the
    months ``first`` … ``last`` would give back some of a row's ``withheld`` months — it
    holds some but not all of them, or all of them while their sum is not safe
    (:func:`sum_safe`)."""
    inside = [m for m in withheld if first <= m <= last]
    return bool(inside) and (len(inside) < len(withheld) or not whole_safe)


def pinned(counts: Sequence[int], bounds: Sequence[tuple[int, float]],
           numerators: Sequence[int] | None = None) -> bool:
    """Whether a published sum of withheld ``counts`` gives one of them away: a single one,
    one left a single possible count by the others' ``bounds`` (low, high — what a reader
    knows of each), or withheld ``numerators`` none or all of the counts (every withheld
    value 0 % or 100 %). No counts: nothing to give away."""
    if not counts:
        return False
    if len(counts) == 1:
        return True
    total = sum(counts)
    for i, (low, high) in enumerate(bounds):
        others = [b for j, b in enumerate(bounds) if j != i]
        lo = max(low, total - sum(b[1] for b in others))  # the others at most their highs
        hi = min(high, total - sum(b[0] for b in others))  # the others at least their lows
        if lo >= hi:  # only one count possible
            return True
    if numerators is not None:
        num = sum(numerators)
        if num in (0, total):  # every withheld value would be 0 % or 100 %
            return True
    return False


def _complement(t: _Table, line: Sequence[Cell], tables: Mapping[str, _Table],
                pattern: Mapping[str, set[Cell]], at_most: Mapping[str, str],
                near: bool = False) -> Cell | None:
    """The published cell of a ``line`` to withhold as well: the smallest that ends the
    exposure, else the smallest with room to hide anything; None if there is none. A cell
    whose count in ``t`` a reader knows anyway hides nothing there."""
    hidden = [c[0] for c in line if c in pattern[t.family]]

    def order(c: Cell) -> tuple:
        # along a row, the month nearest a withheld one first: a service's withheld months
        # close together fall into the same spans whole, so fewer spans withhold its total
        gap = min((abs((c[0] - m).days) for m in hidden), default=0) if near else 0
        return (gap, t.n[c], c)

    candidates = [(t.n[c], c) for c in sorted(
        (c for c in line if c not in pattern[t.family] and not _known_anyway(c, t)), key=order)]
    for _, c in candidates:
        if not _exposed(t, line, tables, pattern, at_most, extra=c):
            return c
    for n, c in candidates:
        low, high = _bounds(c, t.family, tables, pattern, at_most, t)
        num = t.numerator.get(c) if t.numerator is not None else None
        if low < n or n < high or (num is not None and 0 < num < n):
            return c
    return None


def _open_rows(t: _Table, hidden: set[Cell], opened: set[int]) -> set[int]:
    """Further rows of ``t`` to open so that neither a withheld cell nor the total of an
    open row (e.g. a service with fewer than ``min_n`` cases in all) is a sum and difference
    of the published totals — every month's (a quarter, a year, a span add them up, so none
    is really withheld) and the rows' not ``opened``. Each line holding two withheld cells
    is not enough: a withheld cell that is the only link between two parts of the pattern (a
    bridge) follows from the totals of one part. Audited exactly: a vector of withheld cells
    is determined iff it lies in the row space of the lines × withheld cells matrix. A cell
    alone in its month is that month's total and left out. Opens the rows of determined
    cells, then, where that is not enough, every row of their part of the pattern (after
    which only months bind, each with ≥ 2 withheld cells)."""
    cells = sorted(c for c in t.n if c in hidden and len(t.months[c[0]]) > 1)
    index = {c: i for i, c in enumerate(cells)}
    now = set(opened)
    while cells:
        lines = [[index[c] for c in t.months[m] if c in index] for m in t.months]
        lines += [[index[c] for c in t.rows[s] if c in index] for s in t.rows if s not in now]
        lines = [line for line in lines if line]
        if not lines:
            break
        matrix = np.zeros((len(lines), len(cells)))
        for i, line in enumerate(lines):
            matrix[i, line] = 1.0
        _, values, vt = np.linalg.svd(matrix, full_matrices=False)
        basis = vt[values > 1e-9 * max(1.0, values[0])]
        determined = [cells[i] for i in np.flatnonzero((basis ** 2).sum(axis=0) > 1 - 1e-6)]
        more = {s for _, s in determined} - now
        if determined and not more:  # their rows are open: open their part of the pattern
            more = _part_rows(determined, cells) - now
        for s in sorted(now):  # an open row's total must not follow either
            own = [index[c] for c in t.rows[s] if c in index]
            if len(own) < 2:
                continue
            vector = np.zeros(len(cells))
            vector[own] = 1.0
            if np.linalg.norm(basis @ vector) ** 2 > len(own) - 1e-6:
                more |= _part_rows([cells[i] for i in own], cells) - now
        if not more:
            if determined:  # a month without a partner to withhold: its total gives it
                log.warning("%s: %d withheld cells follow from the month totals (%s)",
                            t.kpi, len(determined), ", ".join(
                                f"{m:%Y-%m}/{s}" for m, s in determined[:5]))
            break
        now |= more
    return now - opened


def _part_rows(start: Iterable[Cell], cells: Sequence[Cell]) -> set[int]:
    """The rows (services) connected to ``start`` through withheld cells sharing a month or
    a row."""
    by_month: dict[dt.date, list[Cell]] = defaultdict(list)
    by_row: dict[int, list[Cell]] = defaultdict(list)
    for c in cells:
        by_month[c[0]].append(c)
        by_row[c[1]].append(c)
    seen, todo = set(start), list(start)
    while todo:
        m, s = todo.pop()
        for c in (*by_month[m], *by_row[s]):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return {s for _, s in seen}


def _known_anyway(cell: Cell, t: _Table) -> bool:
    """Whether the cell's count in ``t`` is known whatever the pattern: what is ``known`` of
    it leaves one value, or it is alone in its month and the month's total is published."""
    return cell in t.alone or (cell in t.known and t.known[cell][0] >= t.known[cell][1])


# --- the feed ---------------------------------------------------------------------------


def _unsuppressed(kpi: KpiDef) -> KpiDef:
    """The KPI without its own minimum n: the engine's raw numbers; :func:`protect`
    applies every minimum, linked across the tables."""
    return replace(kpi, min_n=None) if getattr(kpi, "min_n", None) else kpi


def _kpi_cells(kpi: KpiDef, cube: Cube) -> pl.DataFrame:
    out = compute(_unsuppressed(kpi), cube, ("period", "service_id"), grain="month")
    if "numerator" not in out.columns:
        out = out.with_columns(numerator=pl.lit(None, pl.Int64))
    return (out.filter(pl.col("n") > 0)
            .select(pl.col("period").alias("month"), "service_id", "n",
                    pl.col("numerator").cast(pl.Int64), "value"))


def feed_kpis() -> list[KpiDef]:
    """The catalogue KPIs the feed publishes, in catalogue order."""
    return [k for k in CATALOGUE if k.id in FEED_FAMILIES]


def _min_n(kpi: KpiDef, configured: int) -> int:
    """The configured minimum, or the KPI's own where the catalogue asks for more."""
    own = getattr(kpi, "min_n", None)
    return max(configured, own or 1)


def feed_cells(cube: Cube, min_n: int, kpis: Iterable[KpiDef] | None = None
               ) -> tuple[pl.DataFrame, dict[str, int]]:
    """The feed's tables as :func:`protect` reads them — kpi, family, month, service_id, n,
    numerator: every feed KPI with data per service and month — and each one's minimum n."""
    by_id = {k.id: k for k in (feed_kpis() if kpis is None else kpis)}
    raw = {k: v for k, v in ((k, _kpi_cells(kpi, cube)) for k, kpi in by_id.items())
           if v.height}
    schema = {"kpi": pl.String, "family": pl.String, "month": pl.Date,
              "service_id": pl.Int64, "n": pl.Int64, "numerator": pl.Int64}
    if not raw:
        return pl.DataFrame(schema=schema), {}
    long = pl.concat([v.with_columns(kpi=pl.lit(k), family=pl.lit(FEED_FAMILIES[k]))
                      for k, v in raw.items()], how="vertical")
    return (long.select(list(schema)).cast(schema),
            {k: _min_n(by_id[k], min_n) for k in raw})


def build_feed(cube: Cube, min_n: int, kpis: Iterable[KpiDef] | None = None, *,
               protected: tuple[pl.DataFrame, pl.DataFrame] | None = None) -> Feed:
    """Every feed KPI with data, per service and month and per month, suppression applied.

    ``protected``: the cells and totals of a protection that holds the feed's tables among
    others (:func:`metrics.ranking_protection.protected_grid` does, so the feed withholds
    the months the dashboard and the council report withhold — together they give nothing
    away); by default :func:`protect` on the feed's tables alone."""
    by_id = {k.id: k for k in (feed_kpis() if kpis is None else kpis)}
    raw = {k: v for k, v in ((k, _kpi_cells(kpi, cube)) for k, kpi in by_id.items())
           if v.height}
    if not raw:
        return Feed([], min_n)
    if protected is None:
        long, mins = feed_cells(cube, min_n, by_id.values())
        protected = protect(long, mins)
    protected, totals = protected
    # a month's total resting on fewer than the minimum is withheld in the feed either way
    least = pl.col("kpi").replace_strict({k: _min_n(by_id[k], min_n) for k in raw},
                                         default=min_n, return_dtype=pl.Int64)
    totals = totals.with_columns(pl.col("suppressed") | pl.col("n").is_between(1, least - 1))
    services = cube.services.select(
        pl.col("service_id").cast(pl.Int64),
        pl.col("code").cast(pl.String).alias("service_code"),
        pl.col("name").cast(pl.String).alias("service"),
        pl.col("leika_key").cast(pl.String), pl.col("department").cast(pl.String))
    feeds = []
    for kpi_id, frame in raw.items():
        kpi = by_id[kpi_id]
        flags = protected.filter(pl.col("kpi") == kpi_id).select("month", "service_id",
                                                                   "suppressed")
        cells = (frame.join(flags, on=["month", "service_id"], how="left")
                 .join(services, on="service_id", how="left")
                 .with_columns(_withheld(["value", "numerator", "n"]))
                 .sort("month", "service_code")
                 .select(list(CELL_SCHEMA)).cast(CELL_SCHEMA))  # type: ignore[arg-type]
        feeds.append(KpiFeed(kpi, FEED_FAMILIES[kpi_id], cells,
                             _totals(kpi, cube, frame, totals.filter(pl.col("kpi") == kpi_id))))
    log.info("open-data feed: %d KPIs, %d withheld cells", len(feeds),
             sum(int(f.cells["suppressed"].sum()) for f in feeds))
    return Feed(feeds, min_n)


def _withheld(columns: list[str]) -> list[pl.Expr]:
    return [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
            for c in columns]


def _totals(kpi: KpiDef, cube: Cube, cells: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    out = compute(_unsuppressed(kpi), cube, ("period",), grain="month")
    if "numerator" not in out.columns:
        out = out.with_columns(numerator=pl.lit(None, pl.Int64))
    coverage = cells.group_by("month").agg(pl.len().alias("services_with_data"))
    return (out.rename({"period": "month"}).drop("suppressed")
            .join(flags.select("month", "suppressed"), on="month", how="inner")
            .join(coverage, on="month", how="left")
            .with_columns(_withheld(["value", "numerator", "n"]))
            .sort("month").select(list(TOTAL_SCHEMA)).cast(TOTAL_SCHEMA))  # type: ignore[arg-type]
