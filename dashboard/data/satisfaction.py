"""Loaders of the page Zufriedenheit & Beteiligung (metrics.satisfaction)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard.data.common import Store
from dashboard.filters import Filters as _Filters
from metrics import satisfaction as _satisfaction
from metrics.cube import store_ready as _store_ready

# --- Zufriedenheit & Beteiligung (metrics.satisfaction) ------------------------------------

_FEEDBACK_SCHEMA = {"submitted_on": pl.Date, "month": pl.Date, "service_id": pl.Int64,
                    "location_id": pl.Int64, "channel": pl.String, "topic": pl.String,
                    "rating": pl.Int64}


@st.cache_data(show_spinner=False, max_entries=8)
def _feedback(_engine: Engine, url: str, version: str, ags: str) -> pl.DataFrame:
    if not _store_ready(_engine):
        return pl.DataFrame(schema=_FEEDBACK_SCHEMA)
    return _satisfaction.load_feedback(_engine, ags)


def feedback(store: Store) -> pl.DataFrame:
    """Every stored rating (no comments): month, service, location, channel, topic, rating."""
    return _feedback(store.engine, store.url, store.version, store.ags)


@st.cache_data(show_spinner=False, max_entries=16)
def _feedback_extent(_engine: Engine, url: str, version: str, ags: str
                     ) -> tuple[tuple[_dt.date, _dt.date] | None, tuple[str, ...]]:
    if not _store_ready(_engine):
        return None, ()
    return _satisfaction.feedback_extent(_engine, ags)


def feedback_extent(store: Store) -> tuple[tuple[_dt.date, _dt.date] | None, tuple[str, ...]]:
    """First and last month with ratings and the channels rated — without loading
    :func:`feedback` (every rating) on pages that show none."""
    return _feedback_extent(store.engine, store.url, store.version, store.ags)


@dataclass(frozen=True)
class SatisfactionView:
    """Satisfaction for one topic under the global filters.

    ``month`` is the newest month with any rating under the filters (the survey asks every
    topic at once, so that is the survey's newest month); the window is the filters' months
    from ``first``. Rows are :func:`metrics.satisfaction.satisfaction` rows; a cell without
    any rating has ``n == 0`` and is missing, not suppressed."""

    month: _dt.date | None
    first: _dt.date | None  # first month of the window
    latest: dict  # the topic in ``month``
    window: dict  # the topic over the window
    monthly: pl.DataFrame  # the topic per month, every calendar month of the window
    topics: pl.DataFrame  # every topic over the window, best top-2 share first
    ratings: int  # ratings of every topic under the filters, all months


def _cells(frame: pl.DataFrame, by: list[str], min_n: int) -> pl.DataFrame:
    cells = _satisfaction.satisfaction(frame, by, min_n)
    # an empty selection gives n = 0: missing, not a withheld small cell
    return cells.with_columns(suppressed=pl.col("suppressed") & (pl.col("n") > 0))


# --- Zufriedenheit under the global filters --------------------------------------------------


def _feedback_in(frame: pl.DataFrame, first: _dt.date, last: _dt.date,
                 services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
                 channels: tuple[str, ...] | None) -> pl.DataFrame:
    return _satisfaction.chosen(frame.filter(pl.col("month").is_between(first, last)),
                                _filters(services, locations, channels))


def _filters(services: tuple[int, ...] | None, locations: tuple[int, ...] | None,
             channels: tuple[str, ...] | None) -> dict[str, tuple | None]:
    """The global filters as the columns of the ratings they choose."""
    return {"service_id": services, "location_id": locations, "channel": channels}


@st.cache_data(show_spinner=False, max_entries=128)
def _satisfaction_for(_frame: pl.DataFrame, url: str, version: str, topic: str,
                      first: _dt.date, last: _dt.date, services: tuple[int, ...] | None,
                      locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
                      min_n: int) -> SatisfactionView:
    filters = _filters(services, locations, channels)
    frame = _feedback_in(_frame, first, last, services, locations, channels)
    empty = _cells(frame.clear(), [], min_n).row(0, named=True)
    if frame.is_empty():
        return SatisfactionView(None, first, empty, empty, _cells(frame, ["month"], min_n),
                                _cells(frame, ["topic"], min_n), 0)
    month = frame["month"].max()
    # every month of every topic under the filters, guarded against the filters' differences
    by_topic = _satisfaction.monthly(_frame, ["topic"], min_n, filters)
    monthly_all = by_topic.filter(pl.col("topic") == topic).drop("topic", "top2")
    months = pl.DataFrame({"month": pl.date_range(first, month, "1mo", eager=True)})
    monthly = months.join(monthly_all, on="month", how="left").with_columns(
        pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False),
        pl.col("protected").fill_null(False))
    # each topic's window: guarded, and withheld where it would give back withheld months
    window_frame = _frame.filter(pl.col("month").is_between(first, last))
    topics = _satisfaction.guarded(window_frame, ["topic"], min_n, filters)
    spans = {t for (t,) in _satisfaction.span_withheld(_frame, ["topic"], first, last, min_n,
                                                       filters, months=by_topic)}
    topics = _satisfaction.withhold(topics, pl.col("topic").is_in(sorted(spans))).with_columns(
        suppressed=pl.col("suppressed") & (pl.col("n") > 0)).sort(
        [pl.col("top2_share").is_null(), pl.col("top2_share"), pl.col("n")],
        descending=[False, True, True])
    latest = monthly.filter(pl.col("month") == month)
    window = topics.filter(pl.col("topic") == topic)
    return SatisfactionView(
        month=month, first=first,
        latest=latest.row(0, named=True) if latest.height else empty,
        window=window.drop("topic").row(0, named=True) if window.height else empty,
        monthly=monthly, topics=topics, ratings=frame.height)


def satisfaction_view_for(store: Store, topic: str, flt: _Filters) -> SatisfactionView:
    """"Tiles, monthly series and topic ranking of the satisfaction page under the global
    filters, cached per filter: the window is the filters' range (``first`` its first month),
    ``month`` the newest month with a rating in it; services, locations and channels filter
    the ratings."""
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
