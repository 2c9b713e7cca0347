"""The table per service, protected against the all-services total published beside it.

The Leistungen page ranks every service over the chosen months; the Überblick prints the
total of the same services, locations and months (its tiles and their sparkline table),
and the council report prints both on one page. A withheld cell (fewer than ``min_n``
cases) next to such a total could be recomputed as total minus the other rows — with one
month chosen, "all services" on the Überblick minus the ranking's shown services is the
withheld service.

So each *family* of cells that rests on the same count — cases, cases while online
(digital take-up), completed cases (processing time, follow-ups), started forms (the online
form's completion rate) — is one linked table whose margin is the total, protected by
:func:`metrics.open_data.protect`, the disclosure control of the open-data feed: further
cells are withheld until no withheld count or value can be pinned down (also not by sums of
0 % or 100 %, all-1 counts, or the bounds another family gives: completed ≤ cases), else
the total itself is withheld. Cells a filter's guard withheld already
(:mod:`metrics.disclosure`) count as withheld from the start.

Small cells are marked "< 5" apart from cells withheld to protect others ("geschützt"):
``withheld_<family>`` is "primary" or "secondary". Withheld rows are listed after the shown
ones by name (:func:`resort_withheld`), so their place does not hint at their size.

The same function gives the same pattern wherever the same view is published: the
Überblick's movers (:func:`metrics.headline.movers`) leave out the services this table
withholds for their period, so they cannot show what the ranking hides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from metrics.cube import Cube
from metrics.facts import volume_facts
from metrics.funnel import completion_rate
from metrics.kpis import compute
from metrics.open_data import protect
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
# tables whose n is part of their pattern's count: take-up's cases while online
PARTIAL = ("take_up/rate",)
# KPI → the family of its cells (what a total of that KPI is the margin of)
KPI_FAMILY = {"cases": "cases", "digital_take_up": "take_up",
              "processing_days_median": "completed", "processing_days_p90": "completed",
              "follow_up_rate": "completed", "completion_rate": "started"}
_SPAN = dt.date(2000, 1, 1)  # the table's one "month" for protect(): the whole span


def protect_ranking(frame: pl.DataFrame, w: Cube, funnel: pl.DataFrame, *,
                    locations: Iterable[int] | None = None,
                    channels: Iterable[str] | None = None, min_n: int,
                    held: pl.DataFrame | None = None, groups: pl.DataFrame | None = None
                    ) -> tuple[pl.DataFrame, frozenset[str]]:
    """``frame``: :func:`metrics.service_view.ranking` with ``min_n=1`` (raw numbers) over
    the cube ``w`` of the span, ``funnel`` the span's form funnel; ``held``: the same ranking
    with the real ``min_n`` (its flags — small cells and a filter's guard — start the
    pattern); ``groups``: service_id, group — groups of services whose sums of cases are
    published too (the supply shares by transactions, :func:`metrics.supply.offer_groups`),
    each protected as a table of its own (``cases@<group>``) with the cases' pattern.
    Returns the rows with ``withheld_<family>`` ("primary", "secondary" or null), the flags
    set and withheld values nulled, resorted by :func:`resort_withheld`; and the tables
    whose total must be withheld too (families, ``cases@<group>``)."""
    cells = _cells(frame, w, funnel, locations, channels)
    if held is not None:
        flags = held.select("service_id", *(
            pl.any_horizontal(pl.col(f) for f in own).alias(family)
            for family, (_, own, _) in FAMILIES.items()))
        long = flags.unpivot(index="service_id", variable_name="family",
                             value_name="suppressed")
        table = pl.col("kpi").str.split("/").list.first().alias("family")
        cells = (cells.drop("family").with_columns(table)
                 .join(long, on=["family", "service_id"], how="left")
                 .with_columns(pl.col("suppressed").fill_null(False),
                               pl.col("family").replace_strict(PATTERN)))
    if groups is not None:
        grouped = (cells.filter(pl.col("kpi") == "cases")
                   .join(groups, on="service_id", how="inner")
                   .with_columns(kpi=pl.lit("cases@") + pl.col("group")).drop("group"))
        cells = pl.concat([cells, grouped.select(cells.columns)])
    protected, totals = protect(cells, min_n, AT_MOST, classes_shown=True, partial=PARTIAL)
    small = (pl.col("n") > 0) & (pl.col("n") < min_n)
    # the family a cell is shown in: its table's name (the pattern may be shared)
    shown_in = pl.col("kpi").str.split("/").list.first().alias("family")
    why = protected.with_columns(shown_in).group_by("family", "service_id").agg(
        primary=small.any(), secondary=pl.col("suppressed").any())
    for family, (_, own, columns) in FAMILIES.items():
        mine = why.filter(pl.col("family") == family).select(
            "service_id", pl.when(pl.col("primary")).then(pl.lit("primary"))
            .when(pl.col("secondary")).then(pl.lit("secondary"))
            .alias(f"withheld_{family}"))
        frame = frame.join(mine, on="service_id", how="left")
        is_held = pl.col(f"withheld_{family}").is_not_null()
        frame = frame.with_columns(*(is_held.alias(f) for f in own), *(
            pl.when(is_held).then(None).otherwise(pl.col(c)).alias(c)
            for c in (*columns, *COUNTS.get(family, ()))))
    withheld = {k.split("/")[0] for k in totals.filter(pl.col("suppressed"))["kpi"]}
    # the ranking's order used the withheld counts: sort again
    return resort_withheld(frame), frozenset(withheld)


def _cells(frame: pl.DataFrame, w: Cube, funnel: pl.DataFrame,
           locations: Iterable[int] | None, channels: Iterable[str] | None) -> pl.DataFrame:
    """The table as :func:`metrics.open_data.protect` reads it: one "KPI" per family and
    numerator (kpi = family, or family/rate), the span as its one month, n and numerator
    per service; ``family`` is the suppression pattern (:data:`PATTERN`)."""
    ids = frame["service_id"].to_list()
    by = ("service_id",)
    scoped = {"services": ids, "locations": None if locations is None else list(locations),
              "min_n": 1}
    parts = [frame.select("service_id", pl.col("cases").alias("n"),
                          pl.lit(None, pl.Int64).alias("numerator"), family=pl.lit("cases")),
             frame.select("service_id", pl.col("completed").alias("n"),
                          pl.lit(None, pl.Int64).alias("numerator"),
                          family=pl.lit("completed"))]
    if not w.is_empty:
        take_up = compute("digital_take_up", w, by, grain="month", **scoped)
        follow_up = compute("follow_up_rate", w, by, **scoped,
                            channels=None if channels is None else list(channels))
        parts.append(take_up.select("service_id", "n", "numerator", family=pl.lit("take_up")))
        # a second table of the completed cases, with the follow-ups as its numerator
        parts.append(follow_up.select("service_id", "n", "numerator",
                                      family=pl.lit("completed")))
    started = completion_rate(funnel.filter(pl.col("service_id").is_in(ids)), by, 1)
    parts.append(started.select("service_id", "n", "numerator", family=pl.lit("started")))
    out = pl.concat([p.with_columns(pl.col("service_id").cast(pl.Int64),
                                    pl.col("n").cast(pl.Int64),
                                    pl.col("numerator").cast(pl.Int64)).select(
        "family", "service_id", "n", "numerator") for p in parts])
    # one table per (family, numerator): "kpi" names the table, "family" its pattern
    table = pl.when(pl.col("numerator").is_null()).then(pl.col("family")).otherwise(
        pl.col("family") + "/rate")
    return (out.filter(pl.col("n") > 0)
            .with_columns(kpi=table, month=pl.lit(_SPAN, pl.Date),
                          family=pl.col("family").replace_strict(PATTERN))
            .unique(["kpi", "service_id"], keep="first", maintain_order=True)
            .select("kpi", "family", "month", "service_id", "n", "numerator"))


def resort_withheld(frame: pl.DataFrame) -> pl.DataFrame:
    """Shown rows by cases (descending), then withheld rows, then rows without data — each
    group by name, so a withheld row's place says nothing about its size."""
    group = (pl.when(pl.col("cases").is_null()).then(1)
             .when(pl.col("cases") == 0).then(2).otherwise(0))
    return frame.with_columns(__g=group).sort(
        ["__g", "cases", "name"], descending=[False, True, False], nulls_last=True).drop("__g")


def protected_view(cube: Cube, funnel: pl.DataFrame, span: tuple[dt.date, dt.date], *,
                   services: Iterable[int] | None = None,
                   locations: Iterable[int] | None = None,
                   channels: Iterable[str] | None = None,
                   min_n: int = 5) -> tuple[pl.DataFrame, frozenset[str]]:
    """:func:`metrics.service_view.ranking` over ``span`` under the filters, protected
    against the total of the same view and the supply shares' sums of transactions
    (:func:`protect_ranking` with :func:`metrics.supply.offer_groups` as of the span's end):
    its columns plus ``withheld_<family>``, and the tables whose total must be withheld.
    ``funnel`` may be empty (the started forms are a family of their own: the other
    families' pattern does not depend on them)."""
    ids = None if services is None else list(services)
    places = None if locations is None else list(locations)
    kinds = None if channels is None else list(channels)
    common = {"span": span, "services": ids, "locations": places, "channels": kinds}
    guarded = ranking(cube, funnel, min_n=min_n, **common)
    if guarded.is_empty():
        return guarded.with_columns(pl.lit(None, pl.String).alias(f"withheld_{f}")
                                    for f in FAMILIES), frozenset()
    raw = ranking(cube, funnel, min_n=1, **common)
    first, last = span
    in_span = funnel.filter(pl.col("month").is_between(first, last))
    return protect_ranking(raw, windowed(cube, first, last), in_span, locations=places,
                           channels=kinds, min_n=min_n, held=guarded,
                           groups=offer_groups(offer_flags(cube, span_end(last))))


def span_end(last: dt.date) -> dt.date:
    """The last day of the month ``last``."""
    return shift_month(last, 1) - dt.timedelta(days=1)


def protected_ranking(cube: Cube, funnel: pl.DataFrame, span: tuple[dt.date, dt.date], *,
                      services: Iterable[int] | None = None,
                      locations: Iterable[int] | None = None,
                      channels: Iterable[str] | None = None,
                      min_n: int = 5) -> pl.DataFrame:
    """The rows of :func:`protected_view`."""
    return protected_view(cube, funnel, span, services=services, locations=locations,
                          channels=channels, min_n=min_n)[0]


def monthly_withheld(cube: Cube, funnel: pl.DataFrame, first: dt.date, last: dt.date, *,
                     services: Iterable[int] | None = None,
                     locations: Iterable[int] | None = None,
                     channels: Iterable[str] | None = None,
                     min_n: int = 5) -> pl.DataFrame:
    """month, service_id, family, why: what the ranking of each single month ``first`` …
    ``last`` withholds under the filters. A service's monthly series (the Leistungen page's
    charts) beside the Überblick's monthly totals is that month's ranking row, so it
    withholds the same months."""
    return withheld_months(protected_months(cube, funnel, first, last, services=services,
                                            locations=locations, channels=channels,
                                            min_n=min_n), min_n)


def withheld_months(months: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """:func:`monthly_withheld` from :func:`protected_months`."""
    shown_in = pl.col("kpi").str.split("/").list.first().alias("family")
    small = (pl.col("n") > 0) & (pl.col("n") < min_n)
    why = (months.with_columns(shown_in).filter(pl.col("family").is_in(list(FAMILIES)))
           .group_by("month", "service_id", "family")
           .agg(primary=small.any(), secondary=pl.col("suppressed").any()))
    return why.filter(pl.col("secondary")).select(
        "month", pl.col("service_id").cast(pl.Int64), "family",
        pl.when(pl.col("primary")).then(pl.lit("primary")).otherwise(pl.lit("secondary"))
        .alias("why")).sort("month", "family", "service_id")


def protected_months(cube: Cube, funnel: pl.DataFrame, first: dt.date, last: dt.date, *,
                     services: Iterable[int] | None = None,
                     locations: Iterable[int] | None = None,
                     channels: Iterable[str] | None = None,
                     min_n: int = 5) -> pl.DataFrame:
    """The cells of every single month's ranking ``first`` … ``last`` under the filters,
    protected as :func:`protected_view` protects one month — all months in one pass
    (:func:`metrics.open_data.protect` treats each month on its own): kpi, family, month,
    service_id, n, numerator, suppressed."""
    cells = _month_cells(cube, funnel, first, last, services, locations, channels, min_n)
    if cells.is_empty():
        return cells
    return protect(cells, min_n, AT_MOST, classes_shown=True, partial=PARTIAL)[0]


def _month_cells(cube: Cube, funnel: pl.DataFrame, first: dt.date, last: dt.date,
                 services: Iterable[int] | None, locations: Iterable[int] | None,
                 channels: Iterable[str] | None, min_n: int) -> pl.DataFrame:
    """What :func:`protect_ranking` gives :func:`metrics.open_data.protect` for one month
    (:func:`_cells` with ``held`` and ``groups``), for every month of ``first`` … ``last``:
    the numbers of :func:`metrics.service_view.ranking` grouped by month of receipt."""
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
                              min_n)
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
    months = cells["month"].unique().sort().to_list()
    groups = pl.concat([offer_groups(offer_flags(cube, span_end(m))).with_columns(
        month=pl.lit(m, pl.Date), service_id=pl.col("service_id").cast(pl.Int64))
        for m in months])
    grouped = (cells.filter(pl.col("kpi") == "cases")
               .join(groups, on=["month", "service_id"], how="inner")
               .with_columns(kpi=pl.lit("cases@") + pl.col("group")).drop("group"))
    cells = pl.concat([cells, grouped.select(cells.columns)])
    return (cells.with_columns(family=pl.col("kpi").str.split("/").list.first()
                               .str.split("@").list.first().replace_strict(PATTERN))
            .unique(["kpi", "month", "service_id"], keep="first", maintain_order=True)
            .select(list(schema)).cast(schema))
