"""The tables per service — the Leistungen ranking over any months, each service's months,
the Überblick's movers, the council report — protected against the totals published beside
them, so that no withheld cell can be recomputed by subtraction.

What a person can add and subtract: the Überblick prints the total of all services for
every month (and quarter, year — sums of months); the ranking prints a service's total over
any span of months; the service's charts print its months. So the published numbers are
those of one **grid** — service × month, every month of the data, under the chosen
locations and channels — with both margins: each month's total, and each service's total
over the months (any span holding all of its withheld months gives it away as the span's
total minus the shown months).

:func:`protected_grid` protects that grid with :func:`metrics.open_data.protect`, the
disclosure control of the open-data feed: each *family* of cells that rests on the same
count — cases, cases while online (digital take-up), completed cases (processing time,
follow-ups), started forms (the online form's completion rate) — is one linked table;
further cells are withheld until no withheld count or value can be pinned down along a month
or along a service's row (also not by sums of 0 % or 100 %, all-1 counts, the marks' classes
or the bounds another family gives: completed ≤ cases), and a service's row whose withheld
cells cannot be protected, or whose cells the totals would determine through other rows
(an exact audit), is *open*. Cells a filter's guard withheld (:mod:`metrics.disclosure`)
count as withheld from the start.

Every view then shows only numbers of the grid or sums of them — the **partition rule**
(:func:`span_withheld`): a service's total over a span is shown when the span holds all of
its withheld months or none (and its row is not open where it holds some); otherwise it is
withheld. Any sum or difference of what is shown holds a service's withheld months all
together or not at all, so only their sum can be derived, and the grid's protection makes
sure that sum pins none of them down — also across spans (Jan–Mar minus Jan–Feb) and across
pages. A single month's ranking is the grid's column; a service's months are its row.

Where no further cell can be withheld beside a month's withheld ones (every withheld take-up
0 % or 100 %, no partner left), the month's total itself is *closed*
(:func:`closed_months`): the Überblick, the council report and every quarter or year holding
it withhold it too. Take-up at locations that fix it — no digital case there ever, or only
digital ones (:func:`fixed_take_up`) — is known anyway, so its 0 % or 100 % is not a secret
there; counts stay protected.

Small cells are marked "< 5" apart from cells withheld to protect others ("geschützt"):
``withheld_<family>`` is "primary" or "secondary". Withheld rows are listed after the shown
ones by name (:func:`resort_withheld`), so their place does not hint at their size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from metrics.cube import Cube, remember
from metrics.facts import volume_facts
from metrics.funnel import FUNNEL_SCHEMA, completion_rate
from metrics.kpis import compute
from metrics.open_data import Feed, build_feed, feed_cells, protect
from metrics.overview import shift_month
from metrics.service_view import ranking, split_pools, windowed
from metrics.supply import offer_flags, offer_groups

# family → (the count the cells rest on, their suppression flags, the columns of values).
# The ranking's cases are every case of the period, take-up rests on the cases while a
# service was online (metrics.facts) — the same for services online all along, so take-up
# is a family of its own whose size is measured by the cases.
FAMILIES = {
    "cases": ("cases", ("cases_suppressed",), ("cases",)),
    "take_up": ("cases", ("take_up_suppressed",), ("take_up",)),
    "completed": ("completed", ("days_suppressed", "follow_up_suppressed"),
                  ("median_days", "p90_days", "follow_up")),
    "started": ("started", ("completion_suppressed",), ("completion",)),
}
# counts a withheld family hides as well (not columns of the ranking table, but shown as n)
COUNTS = {"completed": ("completed",), "started": ("started",)}
# Families withheld together (one suppression pattern, metrics.open_data.protect's
# "family"): take-up rests on the cases while a service was online, for most services
# exactly its cases, and the master data on the page say which were online all along — so a
# take-up withheld beside shown cases would not hide its count, and a pattern of its own
# would grow until almost every take-up is withheld (the sample city's Jun 2026).
PATTERN = {"cases": "cases", "take_up": "cases", "completed": "completed",
           "started": "started"}
# a pattern's count of a service never exceeds the other's (metrics.open_data.AT_MOST)
AT_MOST = {"completed": "cases"}
# tables whose n is part of their pattern's count: take-up's cases while online (the
# ranking's and the open-data feed's)
PARTIAL = ("take_up/rate", "digital_take_up")
# the open-data feed's tables in the grid (metrics.open_data.FEED_FAMILIES) → the family of
# the ranking whose cells they share
FEED_SHOWN_IN = {"digital_take_up": "take_up", "follow_up_rate": "completed",
                 "processing_days_median": "completed", "processing_days_p90": "completed",
                 "within_standard": "completed"}
# KPI → the family of its cells (what a total of that KPI is the margin of)
KPI_FAMILY = {"cases": "cases", "digital_take_up": "take_up",
              "processing_days_median": "completed", "processing_days_p90": "completed",
              "follow_up_rate": "completed", "completion_rate": "started"}


def resort_withheld(frame: pl.DataFrame) -> pl.DataFrame:
    """Shown rows by cases (descending), then withheld rows, then rows without data — each
    group by name, so a withheld row's place says nothing about its size."""
    group = (pl.when(pl.col("cases").is_null()).then(1)
             .when(pl.col("cases") == 0).then(2).otherwise(0))
    return frame.with_columns(__g=group).sort(
        ["__g", "cases", "name"], descending=[False, True, False], nulls_last=True).drop("__g")


GRID_SCHEMA = {"kpi": pl.String, "family": pl.String, "month": pl.Date,
               "service_id": pl.Int64, "n": pl.Int64, "numerator": pl.Int64,
               "suppressed": pl.Boolean, "row_open": pl.Boolean}
TOTALS_SCHEMA = {"kpi": pl.String, "month": pl.Date, "n": pl.Int64, "suppressed": pl.Boolean}


@dataclass(frozen=True)
class Grid:
    """:func:`protected_grid`: ``cells`` kpi, family, month, service_id, n, numerator,
    suppressed, row_open (one row per table, month and service with n > 0); ``totals`` kpi,
    month, n, suppressed (a month's total the protection could not keep)."""

    cells: pl.DataFrame
    totals: pl.DataFrame


def protected_grid(cube: Cube, funnel: pl.DataFrame, *,
                   services: Iterable[int] | None = None,
                   locations: Iterable[int] | None = None,
                   channels: Iterable[str] | None = None, min_n: int = 5) -> Grid:
    """Every month of the cube × every service under the filters, protected along months
    and services (see the module)."""
    months = cube.months
    if not months:
        return Grid(pl.DataFrame(schema=GRID_SCHEMA), pl.DataFrame(schema=TOTALS_SCHEMA))
    cells = _month_cells(cube, funnel, months[0], months[-1], services, locations, channels,
                         min_n)
    if fixed_take_up(cube, locations, min_n):  # every take-up 0 % (or 100 %) is known
        cells = cells.with_columns(numerator=pl.when(pl.col("kpi") == "take_up/rate")
                                   .then(None).otherwise(pl.col("numerator")))
    least: int | dict[str, int] = min_n
    if services is None and locations is None and channels is None:
        # the open-data feed publishes the whole city's months too: its tables join the
        # grid, so feed, pages and council report withhold one pattern
        feed, mins = feed_cells(cube, min_n)
        if not feed.is_empty():
            least = {**dict.fromkeys(cells["kpi"].unique().to_list(), min_n), **mins}
            cells = pl.concat([cells, feed.with_columns(suppressed=pl.lit(False))],
                              how="diagonal_relaxed")
    out, totals = protect(cells, least, AT_MOST, classes_shown=True,
                          partial=PARTIAL, rows=True)
    return Grid(out.select(list(GRID_SCHEMA)).cast(GRID_SCHEMA),
                totals.cast(TOTALS_SCHEMA))


def fixed_take_up(cube: Cube, locations: Iterable[int] | None, min_n: int) -> bool:
    """Whether digital take-up at the chosen locations is fixed by what they are: none of
    their cases, over every month and service of the store, was digital (a mobile office, a
    video consultation), or every one was — and they rest on at least ``min_n`` cases. Then
    a withheld take-up there is known to be 0 % (or 100 %) anyway: the property of the
    place, published by its own total, not of the people counted. Its numerators are left
    out of the 0 %/100 % rule (counts stay protected)."""
    if locations is None:
        return False

    def fixed() -> bool:
        total = compute("digital_take_up", cube, (), locations=list(locations), grain="month",
                        min_n=1)
        if total.is_empty():
            return False
        row = total.row(0, named=True)
        return row["n"] >= min_n and row["numerator"] in (0, row["n"])

    return remember(cube, ("fixed_take_up", tuple(sorted(locations)), min_n), fixed, keep=256)


def protected_feed(cube: Cube, min_n: int) -> Feed:
    """The open-data feed (:func:`metrics.open_data.build_feed`) withholding the grid's
    pattern of the whole city — the same months the pages and the council report withhold,
    so feed and report together give none of them away."""
    grid = protected_grid(cube, pl.DataFrame(schema=FUNNEL_SCHEMA), min_n=min_n)
    return build_feed(cube, min_n, protected=(grid.cells, grid.totals))


def span_withheld(grid: Grid, first: dt.date, last: dt.date, min_n: int) -> pl.DataFrame:
    """service_id, family, why: what a view of the months ``first`` … ``last`` withholds
    per service — "primary" where the family's count over the span is below ``min_n``,
    "secondary" where the span holds some but not all of the service's withheld months of
    the family, or some of them with its row open (the partition rule)."""
    inside = pl.col("month").is_between(first, last)
    shown_in = pl.col("kpi").replace_strict(FEED_SHOWN_IN, default=pl.col("kpi").str.split(
        "/").list.first())
    per = grid.cells.with_columns(family=shown_in).group_by("kpi", "family", "service_id").agg(
        n=pl.col("n").filter(inside).sum(),
        held_in=(pl.col("suppressed") & inside).sum(),
        held=pl.col("suppressed").sum(), opened=pl.col("row_open").any())
    per = per.filter(pl.col("family").is_in(list(FAMILIES)))
    # the family's own count decides "< 5"; the open-data feed's tables (other counts, e.g.
    # cases with a processing standard) only open rows
    primary = pl.col("n").is_between(1, min_n - 1) & ~pl.col("kpi").is_in(list(FEED_SHOWN_IN))
    partial = (pl.col("held_in") > 0) & ((pl.col("held_in") < pl.col("held"))
                                         | pl.col("opened"))
    why = per.group_by("service_id", "family").agg(primary=primary.any(),
                                                   secondary=partial.any())
    return why.filter(pl.col("primary") | pl.col("secondary")).select(
        pl.col("service_id").cast(pl.Int64), "family",
        pl.when(pl.col("primary")).then(pl.lit("primary")).otherwise(pl.lit("secondary"))
        .alias("why")).sort("family", "service_id")


def protected_view(cube: Cube, funnel: pl.DataFrame, span: tuple[dt.date, dt.date], *,
                   services: Iterable[int] | None = None,
                   locations: Iterable[int] | None = None,
                   channels: Iterable[str] | None = None,
                   min_n: int = 5, grid: Grid | None = None
                   ) -> tuple[pl.DataFrame, frozenset[str]]:
    """:func:`metrics.service_view.ranking` over ``span`` under the filters, withheld by
    the partition rule (:func:`span_withheld`) and where a filter's guard withholds it: its
    columns plus ``withheld_<family>``, withheld values nulled, rows resorted
    (:func:`resort_withheld`); and what must be withheld besides — families whose total of
    a month in the span the grid could not keep, and the sums of transactions of the supply
    shares (``cases@<group>``, :func:`metrics.supply.offer_groups` as of the span's end)
    that hold a withheld service. ``grid``: :func:`protected_grid` under the same filters
    (computed when not given)."""
    ids = None if services is None else list(services)
    places = None if locations is None else list(locations)
    kinds = None if channels is None else list(channels)
    common = {"span": span, "services": ids, "locations": places, "channels": kinds}
    guarded = ranking(cube, funnel, min_n=min_n, **common)
    if guarded.is_empty():
        return guarded.with_columns(pl.lit(None, pl.String).alias(f"withheld_{f}")
                                    for f in FAMILIES), frozenset()
    if grid is None:
        grid = protected_grid(cube, funnel, services=ids, locations=places, channels=kinds,
                              min_n=min_n)
    first, last = span
    why = span_withheld(grid, first, last, min_n)
    frame = ranking(cube, funnel, min_n=1, **common)
    for family, (_, own, columns) in FAMILIES.items():
        held = guarded.select("service_id", pl.any_horizontal(pl.col(f) for f in own)
                              .alias("__held"))
        mine = why.filter(pl.col("family") == family).select("service_id", "why")
        frame = (frame.join(held, on="service_id", how="left")
                 .join(mine, on="service_id", how="left")
                 .with_columns(pl.coalesce(
                     "why", pl.when(pl.col("__held")).then(pl.lit("secondary")))
                     .alias(f"withheld_{family}")).drop("__held", "why"))
        is_held = pl.col(f"withheld_{family}").is_not_null()
        frame = frame.with_columns(*(is_held.alias(f) for f in own), *(
            pl.when(is_held).then(None).otherwise(pl.col(c)).alias(c)
            for c in (*columns, *COUNTS.get(family, ()))))
    withheld = _span_totals_withheld(grid, why, first, last)
    groups = offer_groups(offer_flags(cube, span_end(last)))
    hit = groups.join(frame.filter(pl.col("withheld_cases").is_not_null())
                      .select(pl.col("service_id").cast(groups.schema["service_id"])),
                      on="service_id", how="inner")
    withheld |= {f"cases@{g}" for g in hit["group"].unique().to_list()}
    return resort_withheld(frame), frozenset(withheld)


def _span_totals_withheld(grid: Grid, why: pl.DataFrame, first: dt.date, last: dt.date
                          ) -> set[str]:
    """The families whose total over the span must be withheld beside the view: a single
    month the grid could not protect (its withheld cells and its total; a month of one
    service only is its total, nothing to protect); and a rate whose withheld services'
    numerators over the span are none or all of their count — every withheld value 0 % or
    100 % (the counts are safe by the partition rule, numerators are not)."""
    inside = grid.cells.filter(pl.col("month").is_between(first, last))
    out: set[str] = set()
    if first == last:
        sizes = inside.group_by("kpi").agg(pl.len().alias("cells"))
        closed = (grid.totals.filter(pl.col("suppressed") & (pl.col("month") == first))
                  .join(sizes, on="kpi", how="inner").filter(pl.col("cells") > 1))
        out |= {k.split("/")[0] for k in closed["kpi"].to_list()}
    rates = inside.filter(pl.col("kpi").str.ends_with("/rate")
                          & pl.col("numerator").is_not_null()).with_columns(
        family=pl.col("kpi").str.split("/").list.first())
    held = rates.join(why.select("service_id", "family"), on=["service_id", "family"],
                      how="inner")
    sums = held.group_by("family").agg(pl.col("numerator").sum(), pl.col("n").sum())
    out |= {r["family"] for r in sums.iter_rows(named=True)
            if r["n"] > 0 and r["numerator"] in (0, r["n"])}
    return out


def closed_months(grid: Grid, kpi_id: str, services: Iterable[int] | None = None
                  ) -> set[dt.date]:
    """The months whose total of the KPI the grid could not keep: :func:`metrics.open_data.
    protect` found no further cell to withhold beside the month's withheld ones (every
    withheld take-up 0 % or 100 %, or no partner left), so the month's total of the KPI's
    pattern — the value and the n it rests on — would give them away. A month of one
    service only is that service's cell (nothing to protect). ``services``: a filter's
    chosen services (the grid without the filter): their sum gives a closed month away when
    it holds one of its withheld cells."""
    family = KPI_FAMILY.get(kpi_id)
    if family is None or grid.totals.is_empty():
        return set()
    pattern = PATTERN[family]
    of = pl.col("kpi").replace_strict(FEED_SHOWN_IN, default=pl.col("kpi").str.split(
        "/").list.first()).replace_strict(PATTERN, default=None)
    cells = grid.cells.filter(of == pattern)
    sizes = cells.group_by("kpi", "month").agg(pl.len().alias("cells"))
    closed = (grid.totals.filter(pl.col("suppressed") & (of == pattern))
              .join(sizes, on=["kpi", "month"], how="inner").filter(pl.col("cells") > 1))
    months = set(closed["month"].to_list())
    if services is None or not months:
        return months
    held = cells.filter(pl.col("suppressed") & pl.col("month").is_in(sorted(months))
                        & pl.col("service_id").is_in(list(services)))
    return set(held["month"].to_list())


def span_end(last: dt.date) -> dt.date:
    """The last day of the month ``last``."""
    return shift_month(last, 1) - dt.timedelta(days=1)


def protected_ranking(cube: Cube, funnel: pl.DataFrame, span: tuple[dt.date, dt.date], *,
                      services: Iterable[int] | None = None,
                      locations: Iterable[int] | None = None,
                      channels: Iterable[str] | None = None,
                      min_n: int = 5, grid: Grid | None = None) -> pl.DataFrame:
    """The rows of :func:`protected_view`."""
    return protected_view(cube, funnel, span, services=services, locations=locations,
                          channels=channels, min_n=min_n, grid=grid)[0]


def monthly_withheld(cube: Cube, funnel: pl.DataFrame, first: dt.date, last: dt.date, *,
                     services: Iterable[int] | None = None,
                     locations: Iterable[int] | None = None,
                     channels: Iterable[str] | None = None,
                     min_n: int = 5, grid: Grid | None = None) -> pl.DataFrame:
    """month, service_id, family, why: the grid's withheld cells of the months ``first``
    … ``last`` — what each single month's ranking withholds, and so a service's monthly
    series (the Leistungen page's charts)."""
    if grid is None:
        grid = protected_grid(cube, funnel, services=services, locations=locations,
                              channels=channels, min_n=min_n)
    return withheld_months(grid.cells.filter(pl.col("month").is_between(first, last)), min_n)


def withheld_months(months: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """:func:`monthly_withheld` from the grid's cells."""
    shown_in = pl.col("kpi").str.split("/").list.first().alias("family")
    small = (pl.col("n") > 0) & (pl.col("n") < min_n)
    why = (months.with_columns(shown_in).filter(pl.col("family").is_in(list(FAMILIES)))
           .group_by("month", "service_id", "family")
           .agg(primary=small.any(), secondary=pl.col("suppressed").any()))
    return why.filter(pl.col("secondary")).select(
        "month", pl.col("service_id").cast(pl.Int64), "family",
        pl.when(pl.col("primary")).then(pl.lit("primary")).otherwise(pl.lit("secondary"))
        .alias("why")).sort("month", "family", "service_id")


def _month_cells(cube: Cube, funnel: pl.DataFrame, first: dt.date, last: dt.date,
                 services: Iterable[int] | None, locations: Iterable[int] | None,
                 channels: Iterable[str] | None, min_n: int) -> pl.DataFrame:
    """The grid's cells for :func:`metrics.open_data.protect`: the numbers of
    :func:`metrics.service_view.ranking` (cases, take-up, completed cases and follow-ups,
    started forms) grouped by month of receipt for every month of ``first`` … ``last``, each
    flagged where the ranking of that month would withhold it (small, or a filter's guard)."""
    schema = {"kpi": pl.String, "family": pl.String, "month": pl.Date,
              "service_id": pl.Int64, "n": pl.Int64, "numerator": pl.Int64,
              "suppressed": pl.Boolean}
    ids = None if services is None else list(services)
    places = None if locations is None else list(locations)
    kinds = None if channels is None else list(channels)
    rows = cube.services if ids is None else cube.services.filter(
        pl.col("service_id").is_in(ids))
    known = rows["service_id"].cast(pl.Int64).to_list()
    w = windowed(cube, first, last)
    parts: list[pl.DataFrame] = []

    def part(frame: pl.DataFrame, kpi: str, flag: str) -> None:
        parts.append(frame.select(
            pl.lit(kpi).alias("kpi"), pl.col("month").cast(pl.Date),
            pl.col("service_id").cast(pl.Int64), pl.col("n").cast(pl.Int64),
            pl.col("numerator").cast(pl.Int64), pl.col("suppressed").fill_null(False),
            pl.lit(flag).alias("flag")))

    if not w.is_empty:
        def kpi(kpi_id: str, grain: str | None) -> pl.DataFrame:
            """month, service_id, n, numerator (raw), suppressed (small or a filter's
            guard, as the ranking with ``min_n`` flags it)."""
            by = ("period" if grain else "month", "service_id")
            common = {"locations": places, "grain": grain, "services": ids,
                      "channels": None if kpi_id == "digital_take_up" else kinds}
            held = compute(kpi_id, w, by, min_n=min_n, protect_filters=True,
                           **common).rename({by[0]: "month"}, strict=False)
            if "numerator" not in held.columns:  # a percentile
                return held.with_columns(numerator=pl.lit(None, pl.Int64))
            raw = compute(kpi_id, w, by, min_n=1, **common).rename({by[0]: "month"},
                                                                   strict=False)
            return held.drop("numerator").join(
                raw.select("month", "service_id", "numerator"),
                on=["month", "service_id"], how="left")

        every = volume_facts(w, "month")
        guarded = split_pools(every.rename({"cases": "n"}), ["period", "service_id"], places,
                              min_n, kept=(w, "month facts"))
        facts = every if places is None else every.filter(
            pl.col("location_id").is_in(places))
        cases = (facts.group_by("period", "service_id").agg(pl.col("cases").sum())
                 .join(guarded, on=["period", "service_id"], how="left")
                 .select(pl.col("period").alias("month"), "service_id",
                         pl.col("cases").alias("n"), pl.lit(None, pl.Int64).alias("numerator"),
                         (pl.col("cases").is_between(1, min_n - 1)
                          | pl.col("withheld").fill_null(False)).alias("suppressed")))
        part(cases, "cases", "cases")
        part(kpi("digital_take_up", "month"), "take_up/rate", "take_up")
        median = kpi("processing_days_median", None)
        part(median.with_columns(numerator=pl.lit(None, pl.Int64)), "completed", "completed")
        part(kpi("follow_up_rate", None), "completed/rate", "completed")
    in_span = funnel.filter(pl.col("month").is_between(first, last)
                            & pl.col("service_id").is_in(known))
    if not in_span.is_empty():
        by = ("month", "service_id")
        started = completion_rate(in_span, by, min_n).drop("numerator").join(
            completion_rate(in_span, by, 1).select(*by, "numerator"), on=list(by), how="left")
        part(started, "started/rate", "started")
    if not parts:
        return pl.DataFrame(schema=schema)
    cells = pl.concat(parts).filter(pl.col("n") > 0, pl.col("service_id").is_in(known))
    # a family's flags: any of its cells' (ranking: median or follow-ups → "completed")
    flags = cells.group_by("flag", "month", "service_id").agg(
        pl.col("suppressed").any().alias("held"))
    cells = (cells.drop("suppressed")
             .join(flags, on=["flag", "month", "service_id"], how="left")
             .rename({"held": "suppressed"}))
    return (cells.with_columns(family=pl.col("kpi").str.split("/").list.first()
                               .replace_strict(PATTERN))
            .unique(["kpi", "month", "service_id"], keep="first", maintain_order=True)
            .select(list(schema)).cast(schema))
