"""Loaders of the Überblick: tiles and movers for the filters' periods, targets,
freshness per source (metrics.headline, metrics.target_config)."""

from __future__ import annotations

import datetime as _dt
import tomllib as _tomllib
from pathlib import Path as _Path

import polars as pl
import streamlit as st

from dashboard.data.common import Store, cube
from dashboard.data.quality import quality_freshness, quality_runs
from dashboard.data.services import grid
from dashboard.filters import Filters as _Filters
from metrics import headline as _headline
from metrics import quality as _quality
from metrics import target_config as _target_config
from metrics.cube import Cube
from metrics.funnel import FUNNEL_SCHEMA as _FUNNEL_SCHEMA
from metrics.ranking_protection import Grid
from metrics.ranking_protection import protected_ranking as _protected

# --- Global filters and the overview's period view (dashboard.filters, metrics.headline) ---



def targets_file(store: Store) -> _Path:
    """Where the targets file is expected (``SERVICEPULS_TARGETS_FILE``)."""
    return _target_config.targets_path(store.settings, store.ags)


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
def _period_tiles(_data: Cube, _grid_of: Grid, url: str, version: str, grain: str,
                  first: _dt.date, last: _dt.date, services: tuple[int, ...] | None,
                  locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                  min_n: int, _targets_by_kpi: dict, targets_key: str
                  ) -> list[_headline.PeriodTile]:
    return _headline.period_tiles(_data, grain, first, last, services=services,
                                  locations=locations, channels=channels, min_n=min_n,
                                  targets=_targets_by_kpi, grid=_grid_of)


def period_tiles(store: Store, flt: _Filters,
                 scoped_targets: list[_target_config.ScopedTarget] | None = None
                 ) -> list[_headline.PeriodTile]:
    """The overview's tiles for the filters' last period (:func:`metrics.headline.
    period_tiles`), with the status of the targets whose scope is the filters'."""
    chosen = _target_config.for_scope(scoped_targets or [], flt.services, flt.locations,
                                      flt.channels)
    # the months the grid could not keep, and a service filter's guard, read the grid
    # without the service filter: the one the Leistungen page caches
    unfiltered = grid(store, None, flt.locations, flt.channels)
    return _period_tiles(cube(store), unfiltered, store.url, store.version, flt.grain,
                         flt.first, flt.last, flt.services, flt.locations, flt.channels,
                         store.min_n, chosen, repr(sorted(chosen.items())))


@st.cache_data(show_spinner=False, max_entries=256)
def _movers(_data: Cube, _grid_of: Grid, url: str, version: str, kpi_id: str, grain: str,
            period: _dt.date, compare: str, services: tuple[int, ...] | None,
            locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
            min_n: int, limit: int) -> pl.DataFrame:
    def ranking(span: tuple[_dt.date, _dt.date]) -> pl.DataFrame:
        return _protected_ranking(_data, _grid_of, url, version, span, services, locations,
                                  channels, min_n)

    return _headline.movers(_data, kpi_id, grain, period, compare, services=services,
                            locations=locations, channels=channels, min_n=min_n, limit=limit,
                            ranking=ranking)


@st.cache_data(show_spinner=False, max_entries=64)
def _protected_ranking(_data: Cube, _grid_of: Grid, url: str, version: str,
                       span: tuple[_dt.date, _dt.date], services: tuple[int, ...] | None,
                       locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                       min_n: int) -> pl.DataFrame:
    """The protected ranking of a span under the filters, once for every mover KPI and
    comparison of the page (each period appears in several)."""
    return _protected(_data, pl.DataFrame(schema=_FUNNEL_SCHEMA), span, services=services,
                      locations=locations, channels=channels, min_n=min_n, grid=_grid_of)


def movers(store: Store, kpi_id: str, period: _dt.date, compare: str, flt: _Filters,
           limit: int = 5) -> pl.DataFrame:
    """The services that changed most (:func:`metrics.headline.movers`) under the filters."""
    return _movers(cube(store), grid(store, flt.services, flt.locations, flt.channels),
                   store.url, store.version, kpi_id, flt.grain, period, compare,
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
