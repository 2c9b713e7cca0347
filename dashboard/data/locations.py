"""Loaders of the page Standorte (metrics.kpis, metrics.appointments, metrics.waits)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard.data.common import Store, _ids, cube
from metrics import appointments as _appointments
from metrics.cube import Cube
from metrics.cube import remember as _remember
from metrics.funnel import FUNNEL_SCHEMA as _FUNNEL_SCHEMA
from metrics.headline import month_pool as _month_pool
from metrics.kpis import compute as _compute
from metrics.open_data import protect as _protect
from metrics.open_data import span_gives_away as _span_gives_away
from metrics.overview import shift_month as _shift_month
from metrics.ranking_protection import fixed_take_up as _fixed_take_up
from metrics.ranking_protection import protected_grid as _protected_grid
from metrics.satisfaction import Z95 as _Z95
from metrics.waits import wait_by_weekday_hour as _wait_by_weekday_hour

# --- Standorte (metrics.kpis, metrics.appointments, metrics.waits) -------------------------


_TAKE_UP = "digital_take_up"


def with_wilson(frame: pl.DataFrame, numerator: str = "numerator", n: str = "n",
                value: str = "value") -> pl.DataFrame:
    """Add ``lo``/``hi``: the 95 % Wilson score interval of numerator / n (the interval
    :mod:`metrics.satisfaction` uses for shares), null wherever ``value`` is null."""
    count = pl.col(n).cast(pl.Float64)
    p = pl.col(numerator) / count
    z2 = _Z95**2
    centre = (p + z2 / (2 * count)) / (1 + z2 / count)
    half = _Z95 / (1 + z2 / count) * (p * (1 - p) / count + z2 / (4 * count**2)).sqrt()
    shown = pl.col(value).is_not_null() & (pl.col(n) > 0)
    return frame.with_columns(lo=pl.when(shown).then((centre - half).clip(0.0, 1.0)),
                              hi=pl.when(shown).then((centre + half).clip(0.0, 1.0)))


@st.cache_resource(show_spinner=False, max_entries=8)
def _appointment_facts(_engine: Engine, url: str, version: str, ags: str
                       ) -> _appointments.AppointmentFacts:
    return _appointments.load_appointments(_engine, ags)


def appointment_facts(store: Store) -> _appointments.AppointmentFacts:
    """Lead-time and wait counts of the booking system (empty without appointments), shared
    by all sessions until the next import."""
    return _appointment_facts(store.engine, store.url, store.version, store.ags)


@st.cache_data(show_spinner=False, max_entries=16)
def _appointment_months(_engine: Engine, url: str, version: str, ags: str
                        ) -> tuple[_dt.date, _dt.date] | None:
    return _appointments.appointment_months(_engine, ags)


def appointment_months(store: Store) -> tuple[_dt.date, _dt.date] | None:
    """First and last month with appointments — without loading :func:`appointment_facts`,
    which groups every appointment (a third of a cold page's time at 1M cases)."""
    return _appointment_months(store.engine, store.url, store.version, store.ags)


def data_span(data: Cube, facts: _appointments.AppointmentFacts
              ) -> tuple[_dt.date, _dt.date] | None:
    """First and last month with cases, appointments or hourly wait statistics."""
    months = [m for frame, column in ((data.volume, "month"), (facts.lead, "month"))
              for m in (frame[column].min(), frame[column].max()) if m is not None]
    if not data.waits.is_empty():
        months += [d.replace(day=1) for d in (data.waits["day"].min(), data.waits["day"].max())]
    return (min(months), max(months)) if months else None


def month_end(month: _dt.date) -> _dt.date:
    """The last day of ``month``."""
    return _shift_month(month, 1) - _dt.timedelta(days=1)


def _in_months(frame: pl.DataFrame, first: _dt.date, last: _dt.date,
               column: str = "month") -> pl.DataFrame:
    return frame.filter(pl.col(column).is_between(first, last))


@st.cache_data(show_spinner=False, max_entries=128)
def _location_take_up(_data: Cube, url: str, version: str, first: _dt.date, last: _dt.date,
                      locations: tuple[int, ...] | None, min_n: int,
                      services: tuple[int, ...] | None = None) -> tuple[pl.DataFrame, dict]:
    scoped = _data.replace(volume=_in_months(_data.volume, first, last))
    per_location = _compute(_TAKE_UP, scoped, ("location_id",), locations=locations,
                            services=services, min_n=1).drop_nulls("location_id")
    master = _data.locations.select("location_id", "name", "kind", "district", "latitude",
                                    "longitude")
    if locations is not None:
        master = master.filter(pl.col("location_id").is_in(list(locations)))
    rows = (master.join(per_location.drop("suppressed"), on="location_id", how="left")
            .with_columns(pl.col("n").fill_null(0)))
    ids = master["location_id"].to_list()
    overall = _compute(_TAKE_UP, scoped, (), locations=ids, services=services, min_n=1)
    # no take-up at all (only services never online in the span, e.g. a filter to one):
    # no value, not an error
    total = (overall.row(0, named=True) if not overall.is_empty()
             else {"numerator": None, "n": 0, "value": None})
    rows, total = _protect_locations(_data, rows, total, first, last, locations, min_n,
                                     services)
    outside = scoped.volume.filter(pl.col("location_id").is_null())
    if services is not None:
        outside = outside.filter(pl.col("service_id").is_in(list(services)))
    without = int(outside["cases"].sum())
    return with_wilson(rows), {**total, "without_location": without}


def _protect_locations(data: Cube, rows: pl.DataFrame, total: dict, first: _dt.date,
                       last: _dt.date, locations: tuple[int, ...] | None, min_n: int,
                       services: tuple[int, ...] | None) -> tuple[pl.DataFrame, dict]:
    """Withhold what the locations' take-up over the span would give away. The Überblick
    filtered to a location shows its months, withholding some (:func:`metrics.headline.
    month_pool`); the span's total of a location is withheld where it holds some of them
    but not all (or all while their sum would pin one down) — the partition rule — and the
    line of all locations likewise against the Überblick's months of the whole selection.
    Where that line is shown, further locations are withheld until it minus the shown
    locations pins no withheld one down — its cases, or its take-up by 0 % or 100 %
    (:func:`metrics.open_data.protect`, the locations as the cells of one month; a location
    whose span holds no withheld month is known from its months anyway and hides nothing;
    a take-up the place fixes, :func:`metrics.ranking_protection.fixed_take_up`, is no
    secret). Small ones are "< 5". Adds ``suppressed`` and ``protected`` (withheld although
    n ≥ ``min_n``: "geschützt") to the rows and the total; withheld values are nulled."""
    empty = pl.DataFrame(schema=_FUNNEL_SCHEMA)
    ids = None if services is None else list(services)

    def pool(places: list[int] | None) -> tuple[set[_dt.date], bool]:
        def make() -> tuple[set[_dt.date], bool]:
            grid = _protected_grid(data, empty, locations=places, min_n=min_n)
            return _month_pool(data, _TAKE_UP, services=ids, locations=places, min_n=min_n,
                               memo={"grid": grid})

        # the Überblick's months under a location filter: the same for every period chosen
        key = ("location_pool", None if places is None else tuple(places),
               None if ids is None else tuple(sorted(ids)), min_n)
        return _remember(data, key, make, keep=256)

    held, known = [], []
    for place, n in zip(rows["location_id"], rows["n"], strict=True):
        if n <= 0:
            continue
        months, whole_safe = pool([place])
        if n >= min_n and _span_gives_away(months, whole_safe, first, last):
            held.append(place)
        elif not any(first <= m <= last for m in months):
            known.append(place)  # the sum of its shown months on the Überblick
    small = 0 < total["n"] < min_n
    total_held = bool(total["n"]) and not small and _span_gives_away(
        *pool(list(locations) if locations is not None else None), first, last)
    fixed = [p for p, n in zip(rows["location_id"], rows["n"], strict=True)
             if n > 0 and _fixed_take_up(data, [p], min_n)]
    withheld = set(held) | set(rows.filter(pl.col("n").is_between(1, min_n - 1))[
        "location_id"].to_list())
    cells = rows.filter(pl.col("n") > 0).select(
        pl.lit("take_up/rate").alias("kpi"), pl.lit("cases").alias("family"),
        pl.lit(first).alias("month"), pl.col("location_id").cast(pl.Int64).alias("service_id"),
        pl.col("n").cast(pl.Int64), pl.col("numerator").cast(pl.Int64),
        pl.col("location_id").is_in(held).alias("suppressed"),
        pl.when(pl.col("location_id").is_in(known)).then(pl.col("n")).alias("low"),
        pl.when(pl.col("location_id").is_in(known)).then(pl.col("n")).alias("high"),
        pl.col("location_id").is_in(fixed).alias("rate_known"))
    if not cells.is_empty() and not total_held and not small:
        out, totals = _protect(cells, min_n, classes_shown=True)
        withheld = set(out.filter(pl.col("suppressed"))["service_id"].to_list())
        total_held = bool(totals["suppressed"].any())
    hide = pl.col("location_id").is_in(sorted(withheld))
    rows = rows.with_columns(
        *(pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in ("value", "numerator")),
        hide.alias("suppressed"), (hide & (pl.col("n") >= min_n)).alias("protected"))
    total = {**total, "suppressed": total_held or small,
             "protected": total_held and not small}
    if total["suppressed"]:
        total = {**total, "value": None, "numerator": None}
    return rows, total


def location_take_up(store: Store, first: _dt.date, last: _dt.date,
                     locations: Iterable[int] | None = None,
                     services: Iterable[int] | None = None) -> tuple[pl.DataFrame, dict]:
    """Digital take-up per location over the months ``first`` … ``last`` (every location of
    the master data, also without cases: ``n == 0``), with ``lo``/``hi`` (Wilson); and the
    total over these locations (``value``, ``n``, ``suppressed``, ``protected``) plus the
    cases without any location in the period (``without_location``), which no location row
    contains. Withheld as :func:`_protect_locations` says."""
    return _location_take_up(cube(store), store.url, store.version, first, last,
                             _ids(locations), store.min_n, _ids(services))


@st.cache_data(show_spinner=False, max_entries=128)
def _appointment_summary(_facts: _appointments.AppointmentFacts, url: str, version: str,
                         first: _dt.date, last: _dt.date, locations: tuple[int, ...] | None,
                         min_n: int, services: tuple[int, ...] | None = None,
                         channels: tuple[str, ...] | None = None) -> pl.DataFrame:
    lead = _in_months(_facts.lead, first, last)
    if locations is not None:
        lead = lead.filter(pl.col("location_id").is_in(list(locations)))
    if services is not None:
        lead = lead.filter(pl.col("service_id").is_in(list(services)))
    if channels is not None:  # the booking channel
        lead = lead.filter(pl.col("channel").is_in(list(channels)))
    by = ("location_id",)
    median = _appointments.lead_time(lead, by, 0.5, min_n=min_n).select(
        "location_id", bookings="n", lead_median="value", lead_suppressed="suppressed")
    p90 = _appointments.lead_time(lead, by, 0.9, min_n=min_n).select(
        "location_id", lead_p90="value")
    no_show = with_wilson(_appointments.no_show_rate(lead, by, min_n=min_n)).select(
        "location_id", no_show="value", no_show_lo="lo", no_show_hi="hi", no_shows="numerator",
        due="n", no_show_suppressed="suppressed")
    return (median.join(p90, on="location_id", how="left")
            .join(no_show, on="location_id", how="left")
            .with_columns(pl.col("due").fill_null(0),
                          pl.col("no_show_suppressed").fill_null(False))
            .sort("location_id"))


def appointment_summary(store: Store, first: _dt.date, last: _dt.date,
                        locations: Iterable[int] | None = None,
                        services: Iterable[int] | None = None,
                        channels: Iterable[str] | None = None) -> pl.DataFrame:
    """Per location with bookings whose slot falls in ``first`` … ``last``: bookings,
    lead_median, lead_p90, lead_suppressed, no_show (+ Wilson no_show_lo/hi), no_shows, due,
    no_show_suppressed (see :mod:`metrics.appointments` for the definitions)."""
    return _appointment_summary(appointment_facts(store), store.url, store.version, first,
                                last, _ids(locations), store.min_n, _ids(services),
                                None if channels is None else tuple(sorted(channels)))


@st.cache_data(show_spinner=False, max_entries=128)
def _appointment_wait_cells(_facts: _appointments.AppointmentFacts, url: str, version: str,
                            first: _dt.date, last: _dt.date, location_id: int | None,
                            min_n: int) -> pl.DataFrame:
    frame = _in_months(_facts.waits, first, last)
    if location_id is not None:
        frame = frame.filter(pl.col("location_id") == location_id)
    return _appointments.wait(frame, ("weekday", "hour"), 0.5, min_n=min_n)


def appointment_wait_cells(store: Store, first: _dt.date, last: _dt.date,
                           location_id: int | None) -> pl.DataFrame:
    """Median on-site wait of attended appointments per weekday (1 = Monday) and hour of the
    slot: weekday, hour, value, n (appointments), suppressed. ``None`` pools all locations."""
    return _appointment_wait_cells(appointment_facts(store), store.url, store.version,
                                   first, last, location_id, store.min_n)


@st.cache_data(show_spinner=False, max_entries=128)
def _wait_stat_cells(_data: Cube, url: str, version: str, first: _dt.date, last: _dt.date,
                     location_id: int | None, min_n: int) -> pl.DataFrame:
    locations = None if location_id is None else [location_id]
    end = month_end(last)
    cells = _wait_by_weekday_hour(_data, locations=locations, start=first, end=end)
    scoped = _data.waits.filter(pl.col("day").is_between(first, end))
    if locations is not None:
        scoped = scoped.filter(pl.col("location_id").is_in(locations))
    visits = (scoped.group_by(weekday=pl.col("day").dt.weekday(), hour=pl.col("hour"))
              .agg(visits=pl.col("visits").sum()))
    out = cells.join(visits, on=["weekday", "hour"], how="left").with_columns(
        pl.col("weekday").cast(pl.Int64), pl.col("hour").cast(pl.Int64))
    # published aggregates without visit counts rest on hours, not people: nothing to withhold
    small = pl.col("weighted") & (pl.col("visits") < min_n)
    return out.select("weekday", "hour", value=pl.when(~small).then(pl.col("mean_wait")),
                      n="slots", visits="visits", weighted="weighted", suppressed=small)


def wait_stat_cells(store: Store, first: _dt.date, last: _dt.date,
                    location_id: int | None) -> pl.DataFrame:
    """Mean on-site wait of the hourly wait statistics per weekday and hour (see
    :func:`metrics.waits.wait_by_weekday_hour`): weekday, hour, value, n (hours with a value),
    visits, weighted, suppressed (only where visit counts say fewer than ``min_n`` visits)."""
    return _wait_stat_cells(cube(store), store.url, store.version, first, last, location_id,
                            store.min_n)
