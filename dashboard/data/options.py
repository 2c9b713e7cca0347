"""What the sidebar's global filters offer (:class:`dashboard.filters.FilterOptions`)."""

from __future__ import annotations

import datetime as _dt

import polars as pl
import streamlit as st

from dashboard.data.common import Store, cube
from dashboard.data.locations import appointment_months
from dashboard.data.satisfaction import feedback_extent
from dashboard.data.services import funnel
from dashboard.filters import FilterOptions as _FilterOptions
from metrics import service_view as _service_view
from metrics.cube import Cube


def _months_of(frame: pl.DataFrame, column: str) -> list[_dt.date]:
    if frame.is_empty() or column not in frame.columns:
        return []
    return [d.replace(day=1) for d in (frame[column].min(), frame[column].max())
            if d is not None]


@st.cache_data(show_spinner=False, max_entries=16)
def _filter_options(_data: Cube, appointment_span: tuple[_dt.date, _dt.date] | None,
                    feedback_extent: tuple[tuple[_dt.date, _dt.date] | None, tuple[str, ...]],
                    _funnel_frame: pl.DataFrame, url: str, version: str) -> _FilterOptions:
    feedback_span, feedback_channels = feedback_extent
    months = (_months_of(_data.volume, "month") + _months_of(_data.usage, "period_start")
              + _months_of(_data.usage, "period_end") + _months_of(_data.waits, "day")
              + list(appointment_span or ()) + list(feedback_span or ())
              + _months_of(_funnel_frame, "month"))
    services = _data.services
    channels = set(_data.volume["channel"].drop_nulls().to_list()) | set(
        _data.usage["channel"].drop_nulls().to_list()) | set(feedback_channels)
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
    return _filter_options(cube(store), appointment_months(store), feedback_extent(store),
                           funnel(store), store.url, store.version)
