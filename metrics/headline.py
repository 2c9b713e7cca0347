"""What the overview shows for a chosen period: KPI tiles at a grain (month, quarter, year)
with their changes, a sparkline and the target status, and the biggest movers among the
services.

Every number comes from :func:`metrics.kpis.compute` with ``grain`` — every source counts
once (cases, and delivered statistics where a service has no cases in a period). Changes
follow DOMAIN.md: shares in percentage points, other units relative
(:func:`metrics.overview.change`).

- **Channels** filter processing time and follow-ups; digital take-up *is* the share of one
  channel among all, so a channel filter would make it 100 % or 0 %: :data:`CHANNEL_BLIND`
  KPIs ignore it (the page says so).
- **Cohort KPIs** (processing time, follow-ups) show the newest period whose cases are at
  least 90 % closed (:data:`metrics.overview.MATURE_SHARE`), like the monthly tiles.
- **Movers** compare a service's value in the tile's period with the previous period and with
  the same period a year earlier; a value resting on fewer than ``min_n`` cases (withheld) or
  on none (missing) on either side is no mover.
- **A service filter cannot undo the ranking's protection**: a tile filtered to services
  that hold part of what the ranking of the period withholds is withheld too.
- **Movers cannot be differenced** against the tile: a service the Leistungen ranking of the
  period withholds (:mod:`metrics.ranking_protection`, "geschützt" included) is no mover.
- **Filters cannot be differenced**: a tile or mover under a service, location or channel
  filter is withheld where the difference to the unfiltered view would give away a withheld
  cell (:mod:`metrics.disclosure`), as on the trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from metrics.catalogue import KPIS, KpiDef
from metrics.cube import Cube
from metrics.funnel import FUNNEL_SCHEMA
from metrics.kpis import compute
from metrics.open_data import span_gives_away, sum_safe
from metrics.overview import MATURE_SHARE, TILE_KPIS, change, shift_month, trend
from metrics.periods import period_start
from metrics.ranking_protection import (
    KPI_FAMILY,
    Grid,
    closed_months,
    fixed_take_up,
    protected_grid,
    protected_ranking,
    withheld_months,
)
from metrics.targets import Target, TargetStatus, target_status

GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}
CHANNEL_BLIND = frozenset({"digital_take_up"})  # a share of channels: no channel filter
MOVER_KPIS = ("digital_take_up", "processing_days_median")
# protected: withheld although it rests on enough cases (a guard's doing, not a small n)
SERIES_SCHEMA = {"period": pl.Date, "value": pl.Float64, "n": pl.Int64,
                 "suppressed": pl.Boolean, "protected": pl.Boolean}


def last_month(start: dt.date, grain: str) -> dt.date:
    """The last month of the period starting ``start``."""
    return shift_month(start, GRAIN_MONTHS[grain] - 1)


def previous_period(start: dt.date, grain: str) -> dt.date:
    return shift_month(start, -GRAIN_MONTHS[grain])


def _ids(values: Iterable | None) -> list | None:
    return None if values is None else list(values)


def _channels(kpi_id: str, channels: Iterable[str] | None) -> list[str] | None:
    return None if kpi_id in CHANNEL_BLIND else _ids(channels)


def period_series(cube: Cube, kpi_id: str, grain: str, first: dt.date, last: dt.date, *,
                  services: Iterable[int] | None = None,
                  locations: Iterable[int] | None = None,
                  channels: Iterable[str] | None = None, min_n: int = 5,
                  memo: dict | None = None) -> pl.DataFrame:
    """One row per period ``first`` … ``last`` (period starts): value, n, suppressed,
    protected (withheld by a guard although n ≥ ``min_n``: "geschützt", not "< 5"); a period
    without data has n = 0 and no value (missing, not withheld). ``memo``: shared by the
    tiles of one view, so each period's ranking is protected once."""
    got = compute(kpi_id, cube, ("period",), services=_ids(services),
                  locations=_ids(locations), channels=_channels(kpi_id, channels),
                  min_n=min_n, grain=grain, protect_filters=True)  # metrics.disclosure
    memo = {} if memo is None else memo
    if services is not None and min_n > 1 and not got.is_empty():
        got = _guard_services(cube, kpi_id, grain, got, list(services), _ids(locations),
                              _ids(channels), min_n, memo)
    if grain == "month" and min_n > 1 and kpi_id in KPI_FAMILY and not got.is_empty():
        closed = closed_months(_grid(cube, locations, channels, min_n, memo), kpi_id,
                               services)
        got = _withhold(got, closed)
    if grain != "month" and min_n > 1 and not got.is_empty():
        got = _guard_months(cube, kpi_id, grain, got, services, locations, channels, min_n,
                            memo)
    starts = []
    p = first
    while p <= last:
        starts.append(p)
        p = shift_month(p, GRAIN_MONTHS[grain])
    frame = pl.DataFrame({"period": starts}, schema={"period": pl.Date})
    return (frame.join(got.select("period", "value", "n", "suppressed"), on="period",
                       how="left")
            .with_columns(pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False))
            .with_columns(protected=pl.col("suppressed") & (pl.col("n") >= min_n))
            .select(list(SERIES_SCHEMA)).cast(SERIES_SCHEMA))


def _guard_services(cube: Cube, kpi_id: str, grain: str, got: pl.DataFrame,
                    services: list[int], locations: list | None, channels: list | None,
                    min_n: int, memo: dict) -> pl.DataFrame:
    """Withhold the periods in which the chosen services hold part, but not all, of what
    the Leistungen ranking of that period withholds among all services
    (:mod:`metrics.ranking_protection`): the partition defence of :mod:`metrics.disclosure`
    with the ranking's pattern as the pool. Without it, choosing one service the ranking
    marks "geschützt" would show its value here, and the total minus the ranking's rows
    would give the small service back."""
    chosen = set(services)
    family = KPI_FAMILY[kpi_id]
    column = f"withheld_{family}"
    hidden = []
    grid = _grid(cube, locations, channels, min_n, memo)
    # a month's ranking withholds the grid's cells of that month
    if grain == "month" and ("months", family) not in memo:
        cells = withheld_months(grid.cells, min_n).filter(pl.col("family") == family)
        memo["months", family] = {
            m: set(ids) for m, ids in cells.group_by("month").agg("service_id").rows()}
    for period in got["period"].to_list():
        key = (period, grain)
        if grain == "month":
            held = memo["months", family].get(period, set())
        else:
            if key not in memo:  # the ranking without the service filter, once per period
                memo[key] = protected_ranking(
                    cube, pl.DataFrame(schema=FUNNEL_SCHEMA),
                    (period, last_month(period, grain)), locations=locations,
                    channels=channels, min_n=min_n, grid=grid)
            ranked = memo[key]
            held = set(ranked.filter(pl.col(column).is_not_null())["service_id"].to_list())
        if held & chosen and held - chosen:
            hidden.append(period)
    return _withhold(got, hidden)


def _grid(cube: Cube, locations: Iterable[int] | None, channels: Iterable[str] | None,
          min_n: int, memo: dict) -> Grid:
    """The protected grid without the service filter, once per view (``memo``)."""
    if "grid" not in memo:
        memo["grid"] = protected_grid(cube, pl.DataFrame(schema=FUNNEL_SCHEMA),
                                      locations=_ids(locations), channels=_ids(channels),
                                      min_n=min_n)
    return memo["grid"]


def _withhold(got: pl.DataFrame, periods: Iterable[dt.date]) -> pl.DataFrame:
    """``got`` with the values of ``periods`` withheld."""
    hidden = sorted(set(periods))
    if not hidden:
        return got
    out = pl.col("period").is_in(pl.Series(hidden, dtype=got.schema["period"]).implode())
    return got.with_columns(
        pl.when(out).then(None).otherwise(pl.col("value")).alias("value"),
        (pl.col("suppressed") | out).alias("suppressed"))


def _guard_months(cube: Cube, kpi_id: str, grain: str, got: pl.DataFrame,
                  services: Iterable[int] | None, locations: Iterable[int] | None,
                  channels: Iterable[str] | None, min_n: int, memo: dict) -> pl.DataFrame:
    """Withhold the quarters and years whose total would give a month back that the month
    view withholds (:func:`withheld_periods`)."""
    out = withheld_periods(cube, kpi_id, grain, got["period"].to_list(), services=services,
                           locations=locations, channels=channels, min_n=min_n, memo=memo)
    return _withhold(got, out)


def withheld_periods(cube: Cube, kpi_id: str, grain: str, periods: Iterable[dt.date], *,
                     services: Iterable[int] | None = None,
                     locations: Iterable[int] | None = None,
                     channels: Iterable[str] | None = None, min_n: int = 5,
                     memo: dict | None = None, also: Iterable[dt.date] = ()
                     ) -> set[dt.date]:
    """The periods (starts of ``grain``) whose total of the KPI would give a withheld month
    back (:func:`withheld_spans`)."""
    if grain == "month":
        return set()
    spans = {start: (start, last_month(start, grain)) for start in periods}
    held = withheld_spans(cube, kpi_id, spans.values(), services=services,
                          locations=locations, channels=channels, min_n=min_n, memo=memo,
                          also=also)
    return {start for start, span in spans.items() if span in held}


def withheld_spans(cube: Cube, kpi_id: str, spans: Iterable[tuple[dt.date, dt.date]], *,
                   services: Iterable[int] | None = None,
                   locations: Iterable[int] | None = None,
                   channels: Iterable[str] | None = None, min_n: int = 5,
                   memo: dict | None = None, also: Iterable[dt.date] = ()
                   ) -> set[tuple[dt.date, dt.date]]:
    """The spans of months (first, last) whose total of the KPI would give a withheld month
    back (:func:`month_pool`): a span may show its total only if it holds none of the
    pool's months, or all of them while their sum pins none down. Else its total minus its
    shown months isolates what the month view withholds."""
    spans = list(spans)
    if not spans:
        return set()
    pool, whole_safe = month_pool(cube, kpi_id, services=services, locations=locations,
                                  channels=channels, min_n=min_n, memo=memo, also=also)
    return {span for span in spans if span_gives_away(pool, whole_safe, *span)}


def span_reveals(cube: Cube, kpi_id: str, first: dt.date, last: dt.date, *,
                 services: Iterable[int] | None = None,
                 locations: Iterable[int] | None = None, min_n: int = 5,
                 memo: dict | None = None) -> set[dt.date]:
    """The months a total of the KPI over ``first`` … ``last`` under the filters must leave
    out so as to give nothing back — for tables that publish such totals beside the
    Überblick (the pilots' four cells): none where the span may show its total anyway
    (:func:`withheld_spans`); else, where it holds some of the withheld months of
    :func:`month_pool`, its total minus the Überblick's shown months is the sum over those
    months, and — with a service filter — the month rankings' withheld totals minus that sum
    are the sum over the *other* services those months' rankings withhold. Both must pin
    none down (:func:`metrics.open_data.sum_safe`: two or more, not all 0 % or 100 %, not
    fixed by the marks' classes), and so must the same sums over the pool's months outside
    the span (where a span over all of them may be shown, the part gives the rest), or the
    span's withheld months are left out (returned)."""
    memo = {} if memo is None else memo
    pool, whole_safe = month_pool(cube, kpi_id, services=services, locations=locations,
                                  min_n=min_n, memo=memo)
    if not span_gives_away(pool, whole_safe, first, last):
        return set()
    inside = sorted(m for m in pool if first <= m <= last)
    rest = sorted(set(pool) - set(inside))  # a span over all of them shows their sum too
    if _sum_reveals(cube, kpi_id, inside, services, locations, min_n, memo) or (
            rest and whole_safe
            and _sum_reveals(cube, kpi_id, rest, services, locations, min_n, memo)):
        return set(inside)
    return set()


def _sum_reveals(cube: Cube, kpi_id: str, months: list[dt.date],
                 services: Iterable[int] | None, locations: Iterable[int] | None, min_n: int,
                 memo: dict) -> bool:
    """Whether the sum of the KPI's counts over withheld ``months`` under the filters, or
    what the month rankings withhold beside the chosen services in them, pins a count
    down (:func:`span_reveals`)."""
    wanted = pl.Series(months, dtype=pl.Date).implode()
    raw = _raw_months(cube, kpi_id, services, locations, None, memo).filter(
        pl.col("period").is_in(wanted))
    numerators = _numerators(cube, kpi_id, raw, raw["period"].to_list(), locations, min_n)
    if not sum_safe(raw["n"].to_list(), min_n, numerators):
        return True
    if services is None or kpi_id not in KPI_FAMILY:
        return False
    others = _grid(cube, locations, None, min_n, memo).cells.filter(
        pl.col("kpi").str.split("/").list.first() == KPI_FAMILY[kpi_id],
        pl.col("month").is_in(wanted), pl.col("suppressed"), pl.col("n") > 0,
        ~pl.col("service_id").is_in(list(services)))
    if others.is_empty():
        return False
    nums = others["numerator"]
    numerators = (None if _fixed(cube, kpi_id, locations, min_n) or nums.null_count()
                  else [int(v) for v in nums.to_list()])
    return not sum_safe(others["n"].to_list(), min_n, numerators)


def month_pool(cube: Cube, kpi_id: str, *, services: Iterable[int] | None = None,
               locations: Iterable[int] | None = None,
               channels: Iterable[str] | None = None, min_n: int = 5,
               memo: dict | None = None, also: Iterable[dt.date] = ()
               ) -> tuple[set[dt.date], bool]:
    """The months the month view of the KPI's total under the filters withholds (too few
    cases, a filter's guard, or a total the grid cannot keep), and whether their sum may be
    shown (two or more, not all 0 % or 100 %, not fixed by the marks' classes). The total of
    all services is a row along the months of its own, protected by the partition rule of
    :mod:`metrics.ranking_protection`. ``also``: months a view withholds besides (the
    council report's months its own grid could not keep)."""
    if not cube.months:
        return set(), True
    memo = {} if memo is None else memo  # one view's: the same filters
    key = ("pool", kpi_id, frozenset(also))
    if key not in memo:
        memo[key] = _month_pool(cube, kpi_id, services, locations, channels, min_n, memo, also)
    return memo[key]


def _month_pool(cube: Cube, kpi_id: str, services: Iterable[int] | None,
                locations: Iterable[int] | None, channels: Iterable[str] | None, min_n: int,
                memo: dict, also: Iterable[dt.date]) -> tuple[set[dt.date], bool]:
    months = period_series(cube, kpi_id, "month", cube.months[0], cube.months[-1],
                           services=services, locations=locations, channels=channels,
                           min_n=min_n, memo=memo)
    extra = pl.col("period").is_in(pl.Series(sorted(set(also)), dtype=pl.Date).implode())
    held = months.filter(pl.col("suppressed") | (extra & (pl.col("n") > 0)))
    if held.is_empty():
        return set(), True
    raw = _raw_months(cube, kpi_id, services, locations, channels, memo)
    numerators = _numerators(cube, kpi_id, raw, held["period"].to_list(), locations, min_n)
    whole_safe = sum_safe(held["n"].to_list(), min_n, numerators)
    return set(held["period"].to_list()), whole_safe


def _raw_months(cube: Cube, kpi_id: str, services: Iterable[int] | None,
                locations: Iterable[int] | None, channels: Iterable[str] | None,
                memo: dict) -> pl.DataFrame:
    """The KPI's total per month under the filters, not withheld (period, n, numerator):
    what a published sum over months adds up. Once per view (``memo``: the same filters)."""
    key = ("raw months", kpi_id)
    if key not in memo:
        memo[key] = compute(kpi_id, cube, ("period",), services=_ids(services),
                            locations=_ids(locations), channels=_channels(kpi_id, channels),
                            grain="month")
    return memo[key]


def _fixed(cube: Cube, kpi_id: str, locations: Iterable[int] | None, min_n: int) -> bool:
    """Take-up the chosen places fix (:func:`metrics.ranking_protection.fixed_take_up`):
    its 0 % or 100 % is no secret, so numerators are left out of the 0 %/100 % rule."""
    return kpi_id == "digital_take_up" and fixed_take_up(cube, _ids(locations), min_n)


def _numerators(cube: Cube, kpi_id: str, raw: pl.DataFrame, months: Iterable[dt.date],
                locations: Iterable[int] | None, min_n: int) -> list[int] | None:
    """The numerators of ``months`` in ``raw`` (:func:`_raw_months`) for
    :func:`metrics.open_data.sum_safe`; None where the KPI has none or the places fix it."""
    if "numerator" not in raw.columns or _fixed(cube, kpi_id, locations, min_n):
        return None
    got = dict(zip(raw["period"].to_list(), raw["numerator"].to_list(), strict=True))
    return [int(got.get(m) or 0) for m in months]


def closed_shares(cube: Cube, grain: str, *, services: Iterable[int] | None = None,
                  locations: Iterable[int] | None = None,
                  channels: Iterable[str] | None = None) -> dict[dt.date, float]:
    """Period of receipt → share of its cases no longer open."""
    frame = cube.volume
    for column, wanted in (("service_id", services), ("location_id", locations),
                           ("channel", channels)):
        if wanted is not None:
            frame = frame.filter(pl.col(column).is_in(list(wanted)))
    grouped = (frame.group_by(period_start(pl.col("month"), grain).alias("period"))
               .agg(pl.col("open").sum(), pl.col("cases").sum()))
    return {r["period"]: 1 - r["open"] / r["cases"] for r in grouped.iter_rows(named=True)
            if r["cases"]}


@dataclass(frozen=True)
class PeriodTile:
    kpi: KpiDef
    grain: str
    period: dt.date  # the period shown (cohort KPIs: the newest mature one up to the last)
    value: float | None
    n: int
    suppressed: bool
    previous: float | None  # the period before
    previous_year: float | None  # the same period a year earlier
    change_previous: float | None
    change_year: float | None
    series: pl.DataFrame  # the chosen range: period, value, n, suppressed (the sparkline)
    closed_share: float | None = None
    target: Target | None = None
    status: TargetStatus | None = None
    protected: bool = False  # withheld although it rests on enough cases ("geschützt")

    @property
    def change_unit(self) -> str:
        return "pp" if self.kpi.unit == "percent" else "relative"


def period_tiles(cube: Cube, grain: str, first: dt.date, last: dt.date, *,
                 services: Iterable[int] | None = None,
                 locations: Iterable[int] | None = None,
                 channels: Iterable[str] | None = None, min_n: int = 5,
                 targets: dict[str, Target] | None = None,
                 kpis: Sequence[str] = TILE_KPIS,
                 grid: Grid | None = None) -> list[PeriodTile]:
    """One tile per KPI for the period ``last`` (a period start of ``grain``), its series
    over ``first`` … ``last`` and, where ``targets`` has one for the KPI, the target status
    of the monthly series up to the range's last month. ``grid``: the protected grid
    without the service filter (:func:`metrics.ranking_protection.protected_grid`), which
    a service filter's guard reads; computed here when needed and not given."""
    if cube.is_empty:
        return []
    services, locations, channels = _ids(services), _ids(locations), _ids(channels)
    shares = closed_shares(cube, grain, services=services, locations=locations,
                           channels=channels)
    ready = [p for p, share in shares.items() if p <= last and share >= MATURE_SHARE]
    mature = max(ready) if ready else last
    out = []
    # each period's protected ranking, shared by the tiles (and the grid they rest on)
    memo: dict = {} if grid is None else {"grid": grid}
    for kpi_id in kpis:
        kpi = KPIS[kpi_id]
        at = mature if kpi.cohort else last
        start = min(first, at, shift_month(at, -12))
        series = period_series(cube, kpi_id, grain, start, last, services=services,
                               locations=locations, channels=channels, min_n=min_n,
                               memo=memo)
        rows = {r["period"]: r for r in series.iter_rows(named=True)}
        row = rows.get(at, {"value": None, "n": 0, "suppressed": False, "protected": False})
        prev = rows.get(previous_period(at, grain), {}).get("value")
        year = rows.get(shift_month(at, -12), {}).get("value")
        target = (targets or {}).get(kpi_id)
        status = None
        if target is not None:
            monthly = trend(cube, kpi_id, services=services, locations=locations,
                            min_n=min_n) if kpi_id in CHANNEL_BLIND or channels is None \
                else _monthly(cube, kpi_id, services, locations, channels, min_n)
            as_of = shift_month(last, GRAIN_MONTHS[grain] - 1)
            status = target_status(monthly, target, as_of=as_of)
        out.append(PeriodTile(
            kpi=kpi, grain=grain, period=at, value=row["value"], n=row["n"],
            suppressed=row["suppressed"], previous=prev, previous_year=year,
            change_previous=change(kpi, row["value"], prev),
            change_year=change(kpi, row["value"], year),
            series=series.filter(pl.col("period") >= first),
            closed_share=shares.get(at) if kpi.cohort else None,
            target=target, status=status, protected=row["protected"]))
    return out


def _monthly(cube: Cube, kpi_id: str, services: list | None, locations: list | None,
             channels: list | None, min_n: int) -> pl.DataFrame:
    """:func:`metrics.overview.trend` with a channel filter as well."""
    series = compute(kpi_id, cube, ("month",), services=services, locations=locations,
                     channels=channels, min_n=min_n)
    months = pl.DataFrame({"month": cube.months}, schema={"month": pl.Date})
    return months.join(series.drop("numerator", strict=False), on="month", how="left")


MOVER_SCHEMA = {"service_id": pl.Int64, "name": pl.String, "value": pl.Float64,
                "n": pl.Int64, "before": pl.Float64, "n_before": pl.Int64,
                "change": pl.Float64}


def movers(cube: Cube, kpi_id: str, grain: str, period: dt.date, compare: str, *,
           services: Iterable[int] | None = None, locations: Iterable[int] | None = None,
           channels: Iterable[str] | None = None, min_n: int = 5, limit: int = 5,
           ranking: Callable[[tuple[dt.date, dt.date]], pl.DataFrame] | None = None,
           ) -> pl.DataFrame:
    """The ``limit`` services whose KPI changed most (by absolute change: percentage points
    for shares, relative for days) between ``period`` and the period before
    (``compare="previous"``) or a year before (``"year"``); rows of :data:`MOVER_SCHEMA`,
    largest change first. Withheld or missing values on either side are left out, and so are
    the services the Leistungen ranking of either period withholds; ``ranking``: that
    protected ranking of a span under the same filters (a cache of
    :func:`metrics.ranking_protection.protected_ranking`, shared by the page's movers),
    by default computed here."""
    kpi = KPIS[kpi_id]
    before = previous_period(period, grain) if compare == "previous" else shift_month(
        period, -12)
    got = compute(kpi_id, cube, ("period", "service_id"), services=_ids(services),
                  locations=_ids(locations), channels=_channels(kpi_id, channels),
                  min_n=min_n, grain=grain, protect_filters=True)
    shown = got.filter(pl.col("value").is_not_null() & ~pl.col("suppressed"))
    # not what the Leistungen ranking of either period withholds: beside the tile's total
    # of all services a mover's value and n would give the withheld service back
    ids, places, kinds = _ids(services), _ids(locations), _ids(channels)
    rank = ranking or (lambda span: protected_ranking(
        cube, pl.DataFrame(schema=FUNNEL_SCHEMA), span, services=ids, locations=places,
        channels=kinds, min_n=min_n))
    column = f"withheld_{KPI_FAMILY[kpi_id]}"
    hidden = pl.concat([rank((p, last_month(p, grain))).filter(pl.col(column).is_not_null())
                        .select(pl.lit(p).alias("period"), "service_id")
                        for p in (period, before)])
    shown = shown.join(hidden.cast({"period": shown.schema["period"],
                                    "service_id": shown.schema["service_id"]}),
                       on=["period", "service_id"], how="anti")
    now = shown.filter(pl.col("period") == period).select("service_id", "value", "n")
    then = shown.filter(pl.col("period") == before).select(
        "service_id", pl.col("value").alias("before"), pl.col("n").alias("n_before"))
    both = now.join(then, on="service_id", how="inner")
    if kpi.unit == "percent":
        diff = pl.col("value") - pl.col("before")
    else:
        diff = pl.when(pl.col("before") != 0).then(pl.col("value") / pl.col("before") - 1)
    names = cube.services.select("service_id", "name")
    return (both.with_columns(change=diff).drop_nulls("change")
            .join(names, on="service_id", how="left")
            .sort([pl.col("change").abs(), pl.col("n")], descending=[True, True])
            .head(limit).select(list(MOVER_SCHEMA)).cast(MOVER_SCHEMA))
