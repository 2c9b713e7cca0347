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

Service totals over all months are not published; adding them would need suppression along
the second dimension too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

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


def protect(cells: pl.DataFrame, min_n: int | Mapping[str, int],
            at_most: Mapping[str, str] = AT_MOST, *, classes_shown: bool = False,
            partial: Iterable[str] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Primary and complementary suppression for linked tables with published month totals.

    ``cells``: kpi, family, month, service_id, n, numerator (null for percentiles); one
    row per cell with n > 0, the month total being the sum of a table's cells; optionally
    ``suppressed``: cells withheld already for another reason (e.g. a filter's guard, see
    :mod:`metrics.disclosure`), which the pattern starts with, and ``low``/``high``: what
    other publications tell a reader about the cell's n (null: nothing). ``min_n``:
    one minimum for all, or one per KPI. ``classes_shown``: withheld small cells are marked
    differently from cells withheld to protect them (as in the council report), so a reader
    knows each withheld count is below or at least the minimum. ``partial``: tables whose n
    counts only part of the family's count (digital take-up's cases while a service was
    online): the bounds between families and the marks of other tables do not hold for
    them. Returns the cells with
    ``suppressed`` and the totals (kpi, month, n, suppressed).
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
    for t in tables.values():
        least = min_n if isinstance(min_n, int) else min_n[t.kpi]
        pattern[t.family] |= {c for c, n in t.n.items() if 0 < n < least} | t.held
        withheld[t.family] |= {(m, n) for m, n in t.total_n.items() if 0 < n < least}
    changed = True
    while changed:  # the pattern only grows, so this ends
        changed = False
        for t in tables.values():
            for month in sorted(t.total_n):
                if (month, t.total_n[month]) in withheld[t.family]:
                    continue
                if not _exposed(t, month, tables, pattern, at_most):
                    continue
                pick = _complement(t, month, tables, pattern, at_most)
                if pick is None:
                    withheld[t.family].add((month, t.total_n[month]))
                else:
                    pattern[t.family].add(pick)
                changed = True
    hidden = pl.DataFrame(
        [(f, m, s) for f, cs in pattern.items() for m, s in cs],
        schema={"family": pl.String, "month": pl.Date, "service_id": pl.Int64}, orient="row")
    out = (cells.drop("suppressed", strict=False)
           .join(hidden.with_columns(suppressed=pl.lit(True)),
                 on=["family", "month", "service_id"], how="left")
           .with_columns(pl.col("suppressed").fill_null(False) & (pl.col("n") > 0)))
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
        t.n[cell] = r["n"]
        if r["numerator"] is not None:
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


def _exposed(t: _Table, month: dt.date, tables: Mapping[str, _Table],
             pattern: Mapping[str, set[Cell]], at_most: Mapping[str, str],
             extra: Cell | None = None) -> bool:
    """Whether the published total of ``month`` pins down a withheld cell of ``t``."""
    hidden = [c for c in t.months[month] if c in pattern[t.family] or c == extra]
    return pinned([t.n[c] for c in hidden],
                  [_bounds(c, t.family, tables, pattern, at_most, t) for c in hidden],
                  None if t.numerator is None else [t.numerator[c] for c in hidden])


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


def _complement(t: _Table, month: dt.date, tables: Mapping[str, _Table],
                pattern: Mapping[str, set[Cell]], at_most: Mapping[str, str]) -> Cell | None:
    """The published cell of ``month`` to withhold as well: the smallest that ends the
    exposure, else the smallest with room to hide anything; None if there is none. A cell
    whose count a reader knows anyway (``known`` in a table of the family) hides nothing."""
    candidates = sorted((t.n[c], c[1], c) for c in t.months[month]
                        if c not in pattern[t.family]
                        and not _known_anyway(c, t.family, tables))
    for _, _, c in candidates:
        if not _exposed(t, month, tables, pattern, at_most, extra=c):
            return c
    for n, _, c in candidates:
        low, high = _bounds(c, t.family, tables, pattern, at_most, t)
        num = t.numerator[c] if t.numerator is not None else None
        if low < n or n < high or (num is not None and 0 < num < n):
            return c
    return None


def _known_anyway(cell: Cell, fam: str, tables: Mapping[str, _Table]) -> bool:
    """Whether what is known of the cell's count in a table of ``fam`` leaves one value."""
    return any(t.family == fam and cell in t.known and t.known[cell][0] >= t.known[cell][1]
               for t in tables.values())


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


def build_feed(cube: Cube, min_n: int, kpis: Iterable[KpiDef] | None = None) -> Feed:
    """Every feed KPI with data, per service and month and per month, suppression applied."""
    by_id = {k.id: k for k in (feed_kpis() if kpis is None else kpis)}
    raw = {k: v for k, v in ((k, _kpi_cells(kpi, cube)) for k, kpi in by_id.items())
           if v.height}
    if not raw:
        return Feed([], min_n)
    long = pl.concat([v.with_columns(kpi=pl.lit(k), family=pl.lit(FEED_FAMILIES[k]))
                      for k, v in raw.items()], how="vertical")
    protected, totals = protect(
        long.select("kpi", "family", "month", "service_id", "n", "numerator"),
        {k: _min_n(by_id[k], min_n) for k in raw})
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
