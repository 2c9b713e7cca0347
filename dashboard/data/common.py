"""The store every page reads (:class:`Store`, :func:`open_store`), its cube, and the
cached loaders more than one page uses.

Data access for the pages: settings, the store, and cached results of :mod:`metrics`.

Pages never open a database connection; they call these functions. Every cache is keyed by
the store URL and :func:`metrics.cube.data_version`, which changes after each import, so a
new import shows on the next rerun without restarting the server. Cached functions only
compute and return — no Streamlit output, no writes."""

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
from metrics.cube import store_ready as _store_ready
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
