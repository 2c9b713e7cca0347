"""Loaders of the page Datenqualität & Importe (metrics.quality)."""

from __future__ import annotations

import datetime as _dt

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard.data.common import Store, cube
from metrics import quality as _quality
from metrics.cube import Cube

# --- Datenqualität & Importe (metrics.quality) ---------------------------------------------



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
