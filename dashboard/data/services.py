"""Loaders of the page Leistungen (metrics.service_view)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard.data.common import Store, _ids, cube
from dashboard.filters import Filters as _Filters
from metrics import ranking_protection as _ranking_protection
from metrics import service_view as _service_view
from metrics import supply as _supply
from metrics.cube import Cube
from metrics.cube import store_ready as _store_ready
from metrics.funnel import FUNNEL_SCHEMA as _FUNNEL_SCHEMA
from metrics.funnel import load_funnel as _load_funnel
from metrics.ranking_protection import protected_view as _protected_view
from metrics.ranking_protection import span_end as _span_end

# --- Leistungen (metrics.service_view) -----------------------------------------------------


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



# --- Leistungen and Standorte under the global filters ----------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _grid(_data: Cube, _funnel_frame: pl.DataFrame, url: str, version: str,
          services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
          channels: tuple[str, ...] | None, min_n: int) -> _ranking_protection.Grid:
    return _ranking_protection.protected_grid(_data, _funnel_frame, services=services,
                                              locations=locations, channels=channels,
                                              min_n=min_n)


def grid(store: Store, services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
         channels: tuple[str, ...] | None) -> _ranking_protection.Grid:
    """The service × month grid under the filters, protected once per data version
    (:func:`metrics.ranking_protection.protected_grid`): every ranking, movers table and
    monthly series of the same filters reads its pattern."""
    return _grid(cube(store), funnel(store), store.url, store.version, services, locations,
                 channels, store.min_n)


@st.cache_data(show_spinner=False, max_entries=64)
def _ranking_for(_data: Cube, _funnel_frame: pl.DataFrame, _grid_of: _ranking_protection.Grid,
                 url: str, version: str, first: _dt.date, last: _dt.date,
                 services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
                 channels: tuple[str, ...] | None, min_n: int
                 ) -> tuple[pl.DataFrame, frozenset[str]]:
    return _protected_view(_data, _funnel_frame, (first, last), services=services,
                           locations=locations, channels=channels, min_n=min_n,
                           grid=_grid_of)


def service_ranking_for(store: Store, flt: _Filters) -> pl.DataFrame:
    """Every service of the filters over their months (:func:`metrics.service_view.ranking`
    with ``span``, ``services``, ``locations`` and ``channels``), protected against the total
    of the same view that the Überblick prints
    (:func:`metrics.ranking_protection.protected_ranking`)."""
    return _ranking_for(cube(store), funnel(store),
                        grid(store, flt.services, flt.locations, flt.channels), store.url,
                        store.version, flt.first, flt.last_month, flt.services,
                        flt.locations, flt.channels, store.min_n)[0]


@st.cache_data(show_spinner=False, max_entries=64)
def _supply_for(_data: Cube, url: str, version: str, first: _dt.date, last: _dt.date,
                services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
                min_n: int, withheld: frozenset[str]) -> pl.DataFrame:
    ids = None if services is None else list(services)
    places = None if locations is None else list(locations)
    cases = _supply.span_cases(_data, first, last, services=ids, locations=places)
    flags = _supply.offer_flags(_data, _span_end(last))
    return _supply.withhold_volume(_supply.span_supply(cases, flags), withheld, min_n)


def supply_for(store: Store, flt: _Filters) -> pl.DataFrame:
    """The supply shares (Angebotsquote) of the filters' services over their months
    (:func:`metrics.supply.span_supply`), a share by transactions withheld where the
    ranking's disclosure control withholds a sum it is made of."""
    _, withheld = _ranking_for(cube(store), funnel(store),
                               grid(store, flt.services, flt.locations, flt.channels),
                               store.url, store.version, flt.first, flt.last_month,
                               flt.services, flt.locations, flt.channels, store.min_n)
    return _supply_for(cube(store), store.url, store.version, flt.first, flt.last_month,
                       flt.services, flt.locations, store.min_n, withheld)


@st.cache_data(show_spinner=False, max_entries=128)
def _detail_for(_data: Cube, _funnel_frame: pl.DataFrame, url: str, version: str,
                service_id: int, first: _dt.date, last: _dt.date,
                locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                min_n: int) -> _service_view.ServiceDetail:
    return _service_view.detail(_data, _funnel_frame, service_id, locations=locations,
                                min_n=min_n, span=(first, last), channels=channels)




def service_detail_for(store: Store, service_id: int,
                       flt: _Filters) -> _service_view.ServiceDetail:
    """:func:`service_detail` over the filters' months, locations and channels, without
    the months the protected grid withholds for the service (each single month's ranking
    beside the Überblick's monthly totals: :func:`metrics.ranking_protection.
    monthly_withheld`)."""
    detail = _detail_for(cube(store), funnel(store), store.url, store.version, service_id,
                         flt.first, flt.last_month, flt.locations, flt.channels, store.min_n)
    withheld = _ranking_protection.monthly_withheld(
        cube(store), funnel(store), flt.first, flt.last_month, min_n=store.min_n,
        grid=grid(store, flt.services, flt.locations, flt.channels))
    return _service_view.withhold_months(
        detail, withheld.filter(pl.col("service_id") == service_id))
