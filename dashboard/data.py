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

    @property
    def min_n(self) -> int:
        return self.settings.min_n


def open_store() -> Store:
    """Fresh settings for every script run (tests and operators change env vars)."""
    settings = Settings()
    engine = get_engine(settings)
    return Store(
        settings=settings,
        engine=engine,
        url=engine.url.render_as_string(hide_password=True),
        version=data_version(engine),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _cube(_engine: Engine, url: str, version: str) -> Cube:
    log.info("loading cube for %s (version %s)", url, version)
    return load_cube(_engine)


def cube(store: Store) -> Cube:
    """The store's cube, shared by all sessions until the next import."""
    return _cube(store.engine, store.url, store.version)


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
def _import_runs(_engine: Engine, url: str, version: str) -> pl.DataFrame:
    return _quality.import_runs(_engine)


def quality_runs(store: Store) -> pl.DataFrame:
    """The newest import runs, newest first (see :func:`metrics.quality.import_runs`)."""
    return _import_runs(store.engine, store.url, store.version)


@st.cache_data(show_spinner=False, max_entries=64)
def _rejected_by_reason(_engine: Engine, url: str, version: str,
                        run_id: int | None) -> pl.DataFrame:
    return _quality.rejected_by_reason(_engine, run_id)


def quality_reasons(store: Store, run_id: int | None = None) -> pl.DataFrame:
    """Quarantined rows grouped by column and reason; ``run_id=None`` means every run."""
    return _rejected_by_reason(store.engine, store.url, store.version, run_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _rejected_rows(_engine: Engine, url: str, version: str, run_id: int | None,
                   limit: int) -> pl.DataFrame:
    return _quality.rejected_rows(_engine, run_id, limit)


def quality_rejected_rows(store: Store, run_id: int | None = None,
                          limit: int = 500) -> pl.DataFrame:
    """The quarantined rows themselves (raw values minimised and pseudonymised)."""
    return _rejected_rows(store.engine, store.url, store.version, run_id, limit)


@st.cache_data(show_spinner=False, max_entries=32)
def _freshness(_engine: Engine, url: str, version: str, today: str,
               stale_after_days: int) -> pl.DataFrame:
    return _quality.freshness(_engine, _dt.date.fromisoformat(today), stale_after_days)


def quality_freshness(store: Store,
                      stale_after_days: int = _quality.STALE_AFTER_DAYS) -> pl.DataFrame:
    """Freshness per source as of today (UTC, like the import timestamps); the date is
    part of the cache key, so "days since" moves on even without a new import."""
    today = _dt.datetime.now(_dt.UTC).date().isoformat()
    return _freshness(store.engine, store.url, store.version, today, stale_after_days)


@st.cache_data(show_spinner=False, max_entries=32)
def _coverage(_data: Cube, url: str, version: str) -> pl.DataFrame:
    return _quality.coverage_gaps(_data)


def quality_coverage(store: Store) -> pl.DataFrame:
    """Services with months without cases, and services without any case."""
    return _coverage(cube(store), store.url, store.version)
