"""Loaders of the page Pilotprojekte (metrics.pilot_config, metrics.pilots)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path as _Path

import streamlit as st

from dashboard.data.common import Store, cube
from metrics import pilot_config as _pilot_config
from metrics.cube import Cube
from metrics.pilots import Effect as _Effect
from metrics.pilots import Pilot as _Pilot
from metrics.pilots import group_series as _group_series
from metrics.pilots import pilot_effect as _pilot_effect

# --- Pilotprojekte (metrics.pilot_config, metrics.pilots) ----------------------------------



def pilots_file(store: Store) -> _Path:
    """Where the pilots file is expected (``SERVICEPULS_PILOTS_FILE``)."""
    return _pilot_config.pilots_path(store.settings, store.ags)


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
def _effect(_data: Cube, url: str, version: str, _pilot: _Pilot, pilot_key: str,
            min_n: int) -> _Effect:
    return _pilot_effect(_data, _pilot, protect_min_n=min_n)


def pilot_evaluation(store: Store, pilot: _Pilot) -> _Effect:
    """:func:`metrics.pilots.pilot_effect` (a 4,000-replicate bootstrap), once per pilot and
    import, its cells leaving out the months the Überblick withholds for either group.
    Raises ValueError when the data hold no months before or since the start."""
    return _effect(cube(store), store.url, store.version, pilot, repr(pilot), store.min_n)


@st.cache_data(show_spinner=False, max_entries=64)
def _group(_data: Cube, url: str, version: str, kpi_id: str, services: tuple[int, ...],
           locations: tuple[int, ...], min_n: int):  # noqa: ANN202 - polars frame
    return _group_series(_data, kpi_id, services, locations, min_n)


def group_series(store: Store, kpi_id: str, services: Iterable[int], locations: Iterable[int]):  # noqa: ANN201
    """A pilot group's months as the Überblick filtered to it shows them
    (:func:`metrics.pilots.group_series`)."""
    return _group(cube(store), store.url, store.version, kpi_id, tuple(sorted(services)),
                  tuple(sorted(locations)), store.min_n)
