"""Data access for the pages: settings, the store, and cached results of :mod:`metrics`.

Pages never open a database connection; they call these functions. Every cache is keyed by
the store URL and :func:`metrics.cube.data_version`, which changes after each import, so a
new import shows on the next rerun without restarting the server. Cached functions only
compute and return — no Streamlit output, no writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from connectors.db import get_engine
from connectors.settings import Settings
from metrics.cube import Cube, data_version, load_cube
from metrics.overview import Tile, tiles, trend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Store:
    settings: Settings
    engine: Engine
    url: str  # with the password hidden: safe to show and to use as a cache key
    version: str
    ags: str  # the municipality shown (every loader below reads only its data)

    @property
    def min_n(self) -> int:
        return self.settings.min_n


def open_store(ags: str | None = None) -> Store:
    """Fresh settings for every script run (tests and operators change env vars); the
    municipality ``ags`` (None: SERVICEPULS_AGS)."""
    settings = Settings()
    engine = get_engine(settings)
    ags = ags or settings.ags
    return Store(
        settings=settings,
        engine=engine,
        url=engine.url.render_as_string(hide_password=True),
        version=data_version(engine, ags),
        ags=ags,
    )


@st.cache_data(show_spinner=False, max_entries=8, ttl=60)
def store_tenants(_engine: Engine, url: str) -> list[str]:
    """The municipalities (AGS) the store holds (the sidebar's choice when more than one)."""
    from connectors.tenants import tenants

    return tenants(_engine) if _store_ready(_engine) else []


@st.cache_resource(show_spinner=False, max_entries=8)
def _cube(_engine: Engine, url: str, version: str, ags: str) -> Cube:
    log.info("loading cube for %s (version %s)", url, version)
    return load_cube(_engine, ags)


def cube(store: Store) -> Cube:
    """The store's cube, shared by all sessions until the next import."""
    return _cube(store.engine, store.url, store.version, store.ags)


def _ids(values: Iterable[int] | None) -> tuple[int, ...] | None:
    return None if values is None else tuple(sorted(values))


@st.cache_data(show_spinner=False, max_entries=256)
def _tiles(
    _data: Cube, url: str, version: str, locations: tuple[int, ...] | None, min_n: int
) -> list[Tile]:
    return tiles(_data, locations=locations, min_n=min_n)


def overview_tiles(store: Store, locations: Iterable[int] | None = None) -> list[Tile]:
    """Tiles for the latest month; ``locations=None`` means every case, with or without one."""
    return _tiles(cube(store), store.url, store.version, _ids(locations), store.min_n)


@st.cache_data(show_spinner=False, max_entries=256)
def _trend(
    _data: Cube,
    url: str,
    version: str,
    kpi_id: str,
    services: tuple[int, ...] | None,
    locations: tuple[int, ...] | None,
    min_n: int,
) -> pl.DataFrame:
    return trend(_data, kpi_id, services=services, locations=locations, min_n=min_n)


def kpi_trend(
    store: Store,
    kpi_id: str,
    services: Iterable[int] | None = None,
    locations: Iterable[int] | None = None,
) -> pl.DataFrame:
    """Monthly series (month, value, n, suppressed) over every month of the cube."""
    return _trend(
        cube(store), store.url, store.version, kpi_id, _ids(services), _ids(locations), store.min_n
    )


def location_options(cube: Cube) -> dict[int, str]:
    """Location id → name, ordered by name (the filter's options)."""
    frame = cube.locations.sort("name")
    return dict(zip(frame["location_id"].to_list(), frame["name"].to_list(), strict=True))


def service_options(cube: Cube) -> dict[int, str]:
    """Service id → name for services with cases, ordered by name."""
    with_cases = set(cube.volume["service_id"].unique().to_list())
    frame = cube.services.filter(pl.col("service_id").is_in(list(with_cases))).sort("name")
    return dict(zip(frame["service_id"].to_list(), frame["name"].to_list(), strict=True))


def has_cases_without_location(cube: Cube) -> bool:
    return cube.volume["location_id"].null_count() > 0



# --- Datenqualität & Importe (metrics.quality) ---------------------------------------------
# Imported here rather than at the top so this page's loaders stay one appended block.
import datetime as _dt  # noqa: E402

from metrics import quality as _quality  # noqa: E402


@st.cache_data(show_spinner=False, max_entries=32)
def _import_runs(_engine: Engine, url: str, version: str, ags: str) -> pl.DataFrame:
    return _quality.import_runs(_engine, ags=ags)


def quality_runs(store: Store) -> pl.DataFrame:
    """The newest import runs, newest first (see :func:`metrics.quality.import_runs`)."""
    return _import_runs(store.engine, store.url, store.version, store.ags)


@st.cache_data(show_spinner=False, max_entries=64)
def _rejected_by_reason(_engine: Engine, url: str, version: str, ags: str,
                        run_id: int | None) -> pl.DataFrame:
    return _quality.rejected_by_reason(_engine, run_id, ags=ags)


def quality_reasons(store: Store, run_id: int | None = None) -> pl.DataFrame:
    """Quarantined rows grouped by column and reason; ``run_id=None`` means every run."""
    return _rejected_by_reason(store.engine, store.url, store.version, store.ags, run_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _rejected_rows(_engine: Engine, url: str, version: str, ags: str, run_id: int | None,
                   limit: int) -> pl.DataFrame:
    return _quality.rejected_rows(_engine, run_id, limit, ags=ags)


def quality_rejected_rows(store: Store, run_id: int | None = None,
                          limit: int = 500) -> pl.DataFrame:
    """The quarantined rows themselves (raw values minimised and pseudonymised)."""
    return _rejected_rows(store.engine, store.url, store.version, store.ags, run_id, limit)


@st.cache_data(show_spinner=False, max_entries=32)
def _freshness(_engine: Engine, url: str, version: str, ags: str, today: str,
               stale_after_days: int) -> pl.DataFrame:
    return _quality.freshness(_engine, _dt.date.fromisoformat(today), stale_after_days,
                              ags=ags)


def quality_freshness(store: Store,
                      stale_after_days: int = _quality.STALE_AFTER_DAYS) -> pl.DataFrame:
    """Freshness per source as of today (UTC, like the import timestamps); the date is
    part of the cache key, so "days since" moves on even without a new import."""
    today = _dt.datetime.now(_dt.UTC).date().isoformat()
    return _freshness(store.engine, store.url, store.version, store.ags, today, stale_after_days)


@st.cache_data(show_spinner=False, max_entries=32)
def _coverage(_data: Cube, url: str, version: str) -> pl.DataFrame:
    return _quality.coverage_gaps(_data)


def quality_coverage(store: Store) -> pl.DataFrame:
    """Services with months without cases, and services without any case."""
    return _coverage(cube(store), store.url, store.version)


# --- Zufriedenheit & Beteiligung (metrics.satisfaction) ------------------------------------
# Imported here rather than at the top so this page's loaders stay one appended block.
from metrics import satisfaction as _satisfaction  # noqa: E402
from metrics.cube import store_ready as _store_ready  # noqa: E402
from metrics.overview import shift_month as _shift_month  # noqa: E402

_FEEDBACK_SCHEMA = {"submitted_on": pl.Date, "month": pl.Date, "service_id": pl.Int64,
                    "location_id": pl.Int64, "channel": pl.String, "topic": pl.String,
                    "rating": pl.Int64}
SATISFACTION_WINDOW = 12  # months of the "last 12 months" tiles and the topic chart


@st.cache_data(show_spinner=False, max_entries=8)
def _feedback(_engine: Engine, url: str, version: str, ags: str) -> pl.DataFrame:
    if not _store_ready(_engine):
        return pl.DataFrame(schema=_FEEDBACK_SCHEMA)
    return _satisfaction.load_feedback(_engine, ags)


def feedback(store: Store) -> pl.DataFrame:
    """Every stored rating (no comments): month, service, location, channel, topic, rating."""
    return _feedback(store.engine, store.url, store.version, store.ags)


@dataclass(frozen=True)
class SatisfactionView:
    """Satisfaction for one topic under the channel/location filters.

    ``month`` is the newest month with any rating under the filters (the survey asks every
    topic at once, so that is the survey's newest month); the window is the
    :data:`SATISFACTION_WINDOW` months up to it. Rows are :func:`metrics.satisfaction.
    satisfaction` rows; a cell without any rating has ``n == 0`` and is missing, not
    suppressed."""

    month: _dt.date | None
    first: _dt.date | None  # first month of the window
    latest: dict  # the topic in ``month``
    window: dict  # the topic over the window
    monthly: pl.DataFrame  # the topic per month, every calendar month of the survey
    topics: pl.DataFrame  # every topic over the window, best top-2 share first
    ratings: int  # ratings of every topic under the filters, all months


def _cells(frame: pl.DataFrame, by: list[str], min_n: int) -> pl.DataFrame:
    cells = _satisfaction.satisfaction(frame, by, min_n)
    # an empty selection gives n = 0: missing, not a withheld small cell
    return cells.with_columns(suppressed=pl.col("suppressed") & (pl.col("n") > 0))


@st.cache_data(show_spinner=False, max_entries=128)
def _satisfaction_view(_frame: pl.DataFrame, url: str, version: str, topic: str,
                       channel: str | None, location_id: int | None,
                       min_n: int) -> SatisfactionView:
    frame = _frame
    if channel is not None:
        frame = frame.filter(pl.col("channel") == channel)
    if location_id is not None:
        frame = frame.filter(pl.col("location_id") == location_id)
    empty = _cells(frame.clear(), [], min_n).row(0, named=True)
    if frame.is_empty():
        return SatisfactionView(None, None, empty, empty, _cells(frame, ["month"], min_n),
                                _cells(frame, ["topic"], min_n), 0)
    month = frame["month"].max()
    first = _shift_month(month, 1 - SATISFACTION_WINDOW)
    in_window = frame.filter(pl.col("month") >= first)
    chosen = frame.filter(pl.col("topic") == topic)
    months = pl.DataFrame({"month": pl.date_range(frame["month"].min(), month, "1mo",
                                                  eager=True)})
    monthly = months.join(_cells(chosen, ["month"], min_n), on="month", how="left").with_columns(
        pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False))
    topics = _cells(in_window, ["topic"], min_n).sort(
        [pl.col("top2_share").is_null(), pl.col("top2_share"), pl.col("n")],
        descending=[False, True, True])
    return SatisfactionView(
        month=month, first=first,
        latest=_cells(chosen.filter(pl.col("month") == month), [], min_n).row(0, named=True),
        window=_cells(chosen.filter(pl.col("month") >= first), [], min_n).row(0, named=True),
        monthly=monthly, topics=topics, ratings=frame.height)


def satisfaction_view(store: Store, topic: str = "overall", channel: str | None = None,
                      location_id: int | None = None) -> SatisfactionView:
    """Tiles, monthly series and topic ranking of the satisfaction page, cached per filter."""
    return _satisfaction_view(feedback(store), store.url, store.version, topic, channel,
                              location_id, store.min_n)


@st.cache_data(show_spinner=False, max_entries=64)
def _comments(_engine: Engine, url: str, version: str, ags: str, limit: int, channel: str | None,
              location_id: int | None) -> pl.DataFrame:
    return _satisfaction.comments(_engine, limit, channel=channel, location_id=location_id,
                                  ags=ags)


def feedback_comments(store: Store, limit: int = 10, channel: str | None = None,
                      location_id: int | None = None) -> pl.DataFrame:
    """The newest comments (month only, scrubbed again on the way out)."""
    return _comments(store.engine, store.url, store.version, store.ags, limit, channel, location_id)


# --- Pilotprojekte (metrics.pilot_config, metrics.pilots) ----------------------------------
# Imported here rather than at the top so this page's loaders stay one appended block.
from pathlib import Path as _Path  # noqa: E402

from metrics import pilot_config as _pilot_config  # noqa: E402
from metrics.pilots import Effect as _Effect  # noqa: E402
from metrics.pilots import Pilot as _Pilot  # noqa: E402
from metrics.pilots import pilot_effect as _pilot_effect  # noqa: E402


def pilots_file(store: Store) -> _Path:
    """Where the pilots file is expected (``SERVICEPULS_PILOTS_FILE``)."""
    return _pilot_config.pilots_path(store.settings)


@st.cache_data(show_spinner=False, max_entries=16)
def _pilots(_data: Cube, url: str, version: str, path: str, mtime_ns: int,
            size: int) -> list[_pilot_config.PilotDefinition]:
    return _pilot_config.load_pilots(_Path(path), _data)


def pilot_definitions(store: Store) -> list[_pilot_config.PilotDefinition] | None:
    """The pilots of the file, checked against the store's codes; None without a file.
    Raises :class:`metrics.pilot_config.PilotConfigError` listing every problem. Cached by
    the file's size and modification time as well, so an edit shows on the next rerun."""
    path = pilots_file(store)
    if not path.is_file():
        return None
    stat = path.stat()
    return _pilots(cube(store), store.url, store.version, str(path.resolve()),
                   stat.st_mtime_ns, stat.st_size)


@st.cache_data(show_spinner=False, max_entries=64)
def _effect(_data: Cube, url: str, version: str, _pilot: _Pilot, pilot_key: str) -> _Effect:
    return _pilot_effect(_data, _pilot)


def pilot_evaluation(store: Store, pilot: _Pilot) -> _Effect:
    """:func:`metrics.pilots.pilot_effect` (a 4,000-replicate bootstrap), once per pilot and
    import. Raises ValueError when the data hold no months before or since the start."""
    return _effect(cube(store), store.url, store.version, pilot, repr(pilot))


# --- Standorte (metrics.kpis, metrics.appointments, metrics.waits) -------------------------
# Imported here rather than at the top so this page's loaders stay one appended block.
from dataclasses import replace as _replace  # noqa: E402

from metrics import appointments as _appointments  # noqa: E402
from metrics.kpis import compute as _compute  # noqa: E402
from metrics.satisfaction import Z95 as _Z95  # noqa: E402
from metrics.waits import wait_by_weekday_hour as _wait_by_weekday_hour  # noqa: E402

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
    scoped = _replace(_data, volume=_in_months(_data.volume, first, last))
    per_location = _compute(_TAKE_UP, scoped, ("location_id",), locations=locations,
                            services=services, min_n=min_n).drop_nulls("location_id")
    master = _data.locations.select("location_id", "name", "kind", "district", "latitude",
                                    "longitude")
    if locations is not None:
        master = master.filter(pl.col("location_id").is_in(list(locations)))
    rows = (master.join(per_location, on="location_id", how="left")
            .with_columns(pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False)))
    ids = master["location_id"].to_list()
    total = _compute(_TAKE_UP, scoped, (), locations=ids, services=services,
                     min_n=min_n).row(0, named=True)
    outside = scoped.volume.filter(pl.col("location_id").is_null())
    if services is not None:
        outside = outside.filter(pl.col("service_id").is_in(list(services)))
    without = int(outside["cases"].sum())
    return with_wilson(rows), {**total, "without_location": without}


def location_take_up(store: Store, first: _dt.date, last: _dt.date,
                     locations: Iterable[int] | None = None,
                     services: Iterable[int] | None = None) -> tuple[pl.DataFrame, dict]:
    """Digital take-up per location over the months ``first`` … ``last`` (every location of
    the master data, also without cases: ``n == 0``), with ``lo``/``hi`` (Wilson); and the
    total over these locations (``value``, ``n``, ``suppressed``) plus the cases without any
    location in the period (``without_location``), which no location row contains."""
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


# --- Leistungen (metrics.service_view) -----------------------------------------------------
# Imported here rather than at the top so this page's loaders stay one appended block.
from metrics import service_view as _service_view  # noqa: E402
from metrics.funnel import FUNNEL_SCHEMA as _FUNNEL_SCHEMA  # noqa: E402
from metrics.funnel import load_funnel as _load_funnel  # noqa: E402


@st.cache_data(show_spinner=False, max_entries=8)
def _funnel(_engine: Engine, url: str, version: str, ags: str) -> pl.DataFrame:
    if not _store_ready(_engine):
        return pl.DataFrame(schema=_FUNNEL_SCHEMA)
    return _load_funnel(_engine, ags)


def funnel(store: Store) -> pl.DataFrame:
    """The online portal's form funnel, month × service (empty when none is imported)."""
    return _funnel(store.engine, store.url, store.version, store.ags)


@st.cache_data(show_spinner=False, max_entries=32)
def _service_ranking(_data: Cube, _funnel_frame: pl.DataFrame, url: str, version: str,
                     locations: tuple[int, ...] | None, min_n: int) -> pl.DataFrame:
    return _service_view.ranking(_data, _funnel_frame, locations=locations, min_n=min_n)


def service_ranking(store: Store, locations: Iterable[int] | None = None) -> pl.DataFrame:
    """Every service over the last 12 months (:func:`metrics.service_view.ranking`)."""
    return _service_ranking(cube(store), funnel(store), store.url, store.version,
                            _ids(locations), store.min_n)


@st.cache_data(show_spinner=False, max_entries=128)
def _service_detail(_data: Cube, _funnel_frame: pl.DataFrame, url: str, version: str,
                    service_id: int, locations: tuple[int, ...] | None,
                    min_n: int) -> _service_view.ServiceDetail:
    return _service_view.detail(_data, _funnel_frame, service_id, locations=locations,
                                min_n=min_n)


def service_detail(store: Store, service_id: int,
                   locations: Iterable[int] | None = None) -> _service_view.ServiceDetail:
    """Channel mix, take-up, processing time, follow-ups and funnel of one service."""
    return _service_detail(cube(store), funnel(store), store.url, store.version, service_id,
                           _ids(locations), store.min_n)


# --- Global filters and the overview's period view (dashboard.filters, metrics.headline) ---
# Imported here rather than at the top so these loaders stay one appended block.
import tomllib as _tomllib  # noqa: E402

from dashboard.filters import FilterOptions as _FilterOptions  # noqa: E402
from dashboard.filters import Filters as _Filters  # noqa: E402
from metrics import headline as _headline  # noqa: E402
from metrics import target_config as _target_config  # noqa: E402


def _months_of(frame: pl.DataFrame, column: str) -> list[_dt.date]:
    if frame.is_empty() or column not in frame.columns:
        return []
    return [d.replace(day=1) for d in (frame[column].min(), frame[column].max())
            if d is not None]


@st.cache_data(show_spinner=False, max_entries=16)
def _filter_options(_data: Cube, appointment_span: tuple[_dt.date, _dt.date] | None,
                    _feedback_frame: pl.DataFrame, _funnel_frame: pl.DataFrame, url: str,
                    version: str) -> _FilterOptions:
    months = (_months_of(_data.volume, "month") + _months_of(_data.usage, "period_start")
              + _months_of(_data.usage, "period_end") + _months_of(_data.waits, "day")
              + list(appointment_span or ()) + _months_of(_feedback_frame, "month")
              + _months_of(_funnel_frame, "month"))
    services = _data.services
    channels = set(_data.volume["channel"].drop_nulls().to_list()) | set(
        _data.usage["channel"].drop_nulls().to_list()) | set(
        _feedback_frame["channel"].drop_nulls().to_list())
    order = [c.value for c in _service_view.CHANNEL_ORDER]
    return _FilterOptions(
        span=(min(months), max(months)) if months else None,
        departments=tuple(sorted(services["department"].drop_nulls().unique().to_list())),
        services={r["service_id"]: (r["code"], r["name"], r["department"])
                  for r in services.iter_rows(named=True)},
        locations={r["location_id"]: (r["code"], r["name"])
                   for r in _data.locations.iter_rows(named=True)},
        channels=tuple(sorted(channels, key=lambda c: (order.index(c) if c in order
                                                       else len(order), c))))


def filter_options(store: Store) -> _FilterOptions:
    """What the global filters offer: the months with any data (cases, statistics,
    appointments, waits, ratings, portal forms), departments, services, locations and the
    channels present."""
    return _filter_options(cube(store), appointment_months(store), feedback(store),
                           funnel(store), store.url, store.version)


def targets_file(store: Store) -> _Path:
    """Where the targets file is expected (``SERVICEPULS_TARGETS_FILE``)."""
    return _target_config.targets_path(store.settings)


@st.cache_data(show_spinner=False, max_entries=16)
def _targets(_data: Cube, url: str, version: str, path: str, mtime_ns: int,
             size: int) -> list[_target_config.ScopedTarget]:
    return _target_config.load_targets(_Path(path), _data)


def targets(store: Store) -> list[_target_config.ScopedTarget] | None:
    """The targets of the file, checked against the store; None without a file. Raises
    :class:`metrics.target_config.TargetConfigError` listing every problem; cached by the
    file's size and modification time, so an edit shows on the next rerun."""
    path = targets_file(store)
    if not path.is_file():
        return None
    stat = path.stat()
    return _targets(cube(store), store.url, store.version, str(path.resolve()),
                    stat.st_mtime_ns, stat.st_size)


@st.cache_data(show_spinner=False, max_entries=256)
def _period_tiles(_data: Cube, url: str, version: str, grain: str, first: _dt.date,
                  last: _dt.date, services: tuple[int, ...] | None,
                  locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                  min_n: int, _targets_by_kpi: dict, targets_key: str
                  ) -> list[_headline.PeriodTile]:
    return _headline.period_tiles(_data, grain, first, last, services=services,
                                  locations=locations, channels=channels, min_n=min_n,
                                  targets=_targets_by_kpi)


def period_tiles(store: Store, flt: _Filters,
                 scoped_targets: list[_target_config.ScopedTarget] | None = None
                 ) -> list[_headline.PeriodTile]:
    """The overview's tiles for the filters' last period (:func:`metrics.headline.
    period_tiles`), with the status of the targets whose scope is the filters'."""
    chosen = _target_config.for_scope(scoped_targets or [], flt.services, flt.locations,
                                      flt.channels)
    return _period_tiles(cube(store), store.url, store.version, flt.grain, flt.first,
                         flt.last, flt.services, flt.locations, flt.channels, store.min_n,
                         chosen, repr(sorted(chosen.items())))


@st.cache_data(show_spinner=False, max_entries=256)
def _movers(_data: Cube, url: str, version: str, kpi_id: str, grain: str, period: _dt.date,
            compare: str, services: tuple[int, ...] | None,
            locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
            min_n: int, limit: int) -> pl.DataFrame:
    return _headline.movers(_data, kpi_id, grain, period, compare, services=services,
                            locations=locations, channels=channels, min_n=min_n, limit=limit)


def movers(store: Store, kpi_id: str, period: _dt.date, compare: str, flt: _Filters,
           limit: int = 5) -> pl.DataFrame:
    """The services that changed most (:func:`metrics.headline.movers`) under the filters."""
    return _movers(cube(store), store.url, store.version, kpi_id, flt.grain, period, compare,
                   flt.services, flt.locations, flt.channels, store.min_n, limit)


def expected_intervals(store: Store) -> dict[str, int]:
    """Profile or source name → expected days between deliveries, from the sources file
    (``expected_every_days``). Read leniently: the dashboard needs the intervals, not the
    export folders, which are often not mounted on the dashboard's server."""
    path = store.settings.sources_file
    try:
        raw = _tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, _tomllib.TOMLDecodeError):
        return {}
    out: dict[str, int] = {}
    for source in raw.get("source", []) if isinstance(raw.get("source"), list) else []:
        days = source.get("expected_every_days") if isinstance(source, dict) else None
        if not isinstance(days, int) or days < 1:
            continue
        for key in (source.get("profile"), source.get("name")):
            if isinstance(key, str):
                out[key] = min(days, out.get(key, days))
    return out


def source_freshness(store: Store) -> pl.DataFrame:
    """:func:`quality_freshness` with each source's own expected interval where the sources
    file gives one (matched by the profile its runs used, or by name), else the default
    (``metrics.quality.STALE_AFTER_DAYS``); adds ``expected_days``."""
    fresh = quality_freshness(store)
    intervals = expected_intervals(store)
    runs = quality_runs(store)
    expected = {}
    for source in fresh["source"].to_list():
        profiles = runs.filter(pl.col("source") == source)["profile"].unique().to_list()
        found = [intervals[k] for k in [source, *profiles] if k in intervals]
        expected[source] = min(found) if found else _quality.STALE_AFTER_DAYS
    return fresh.with_columns(
        expected_days=pl.col("source").replace_strict(expected, return_dtype=pl.Int64)
    ).with_columns(stale=pl.col("days_since").is_null()
                   | (pl.col("days_since") > pl.col("expected_days")))


# --- Leistungen and Standorte under the global filters ----------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _ranking_for(_data: Cube, _funnel_frame: pl.DataFrame, url: str, version: str,
                 first: _dt.date, last: _dt.date, services: tuple[int, ...] | None,
                 locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                 min_n: int) -> pl.DataFrame:
    return _service_view.ranking(_data, _funnel_frame, locations=locations, min_n=min_n,
                                 span=(first, last), services=services, channels=channels)


def service_ranking_for(store: Store, flt: _Filters) -> pl.DataFrame:
    """Every service of the filters over their months (:func:`metrics.service_view.ranking`
    with ``span``, ``services``, ``locations`` and ``channels``)."""
    return _ranking_for(cube(store), funnel(store), store.url, store.version, flt.first,
                        flt.last_month, flt.services, flt.locations, flt.channels,
                        store.min_n)


@st.cache_data(show_spinner=False, max_entries=128)
def _detail_for(_data: Cube, _funnel_frame: pl.DataFrame, url: str, version: str,
                service_id: int, first: _dt.date, last: _dt.date,
                locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                min_n: int) -> _service_view.ServiceDetail:
    return _service_view.detail(_data, _funnel_frame, service_id, locations=locations,
                                min_n=min_n, span=(first, last), channels=channels)


def service_detail_for(store: Store, service_id: int,
                       flt: _Filters) -> _service_view.ServiceDetail:
    """:func:`service_detail` over the filters' months, locations and channels."""
    return _detail_for(cube(store), funnel(store), store.url, store.version, service_id,
                       flt.first, flt.last_month, flt.locations, flt.channels, store.min_n)


# --- Zufriedenheit under the global filters --------------------------------------------------


def _feedback_in(frame: pl.DataFrame, first: _dt.date, last: _dt.date,
                 services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
                 channels: tuple[str, ...] | None) -> pl.DataFrame:
    frame = frame.filter(pl.col("month").is_between(first, last))
    for column, wanted in (("service_id", services), ("location_id", locations),
                           ("channel", channels)):
        if wanted is not None:
            frame = frame.filter(pl.col(column).is_in(list(wanted)))
    return frame


@st.cache_data(show_spinner=False, max_entries=128)
def _satisfaction_for(_frame: pl.DataFrame, url: str, version: str, topic: str,
                      first: _dt.date, last: _dt.date, services: tuple[int, ...] | None,
                      locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                      min_n: int) -> SatisfactionView:
    frame = _feedback_in(_frame, first, last, services, locations, channels)
    empty = _cells(frame.clear(), [], min_n).row(0, named=True)
    if frame.is_empty():
        return SatisfactionView(None, first, empty, empty, _cells(frame, ["month"], min_n),
                                _cells(frame, ["topic"], min_n), 0)
    month = frame["month"].max()
    chosen = frame.filter(pl.col("topic") == topic)
    months = pl.DataFrame({"month": pl.date_range(first, month, "1mo", eager=True)})
    monthly = months.join(_cells(chosen, ["month"], min_n), on="month", how="left").with_columns(
        pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False))
    topics = _cells(frame, ["topic"], min_n).sort(
        [pl.col("top2_share").is_null(), pl.col("top2_share"), pl.col("n")],
        descending=[False, True, True])
    return SatisfactionView(
        month=month, first=first,
        latest=_cells(chosen.filter(pl.col("month") == month), [], min_n).row(0, named=True),
        window=_cells(chosen, [], min_n).row(0, named=True),
        monthly=monthly, topics=topics, ratings=frame.height)


def satisfaction_view_for(store: Store, topic: str, flt: _Filters) -> SatisfactionView:
    """:func:`satisfaction_view` under the global filters: the window is the filters' range
    (``first`` its first month), ``month`` the newest month with a rating in it; services,
    locations and channels filter the ratings."""
    return _satisfaction_for(feedback(store), store.url, store.version, topic, flt.first,
                             flt.last_month, flt.services, flt.locations, flt.channels,
                             store.min_n)


def feedback_comments_for(store: Store, flt: _Filters, limit: int = 10) -> pl.DataFrame:
    """The newest comments within the filters (month only, scrubbed again on the way out)."""
    frame = _comments_in(store.engine, store.url, store.version, store.ags, flt.first, flt.end)
    return _feedback_in(frame, flt.first, flt.last_month, flt.services, flt.locations,
                        flt.channels).head(limit)


@st.cache_data(show_spinner=False, max_entries=64)
def _comments_in(_engine: Engine, url: str, version: str, ags: str, since: _dt.date,
                 until: _dt.date) -> pl.DataFrame:
    return _satisfaction.comments(_engine, 100_000, since=since, until=until, ags=ags)
