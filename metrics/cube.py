"""The compact cube: aggregates kept in the database, read as small polars frames.

The case aggregates below are read from the persisted cube (``cube_volume``,
``cube_durations``, ``cube_open``), which every import keeps in step with the cases
(:mod:`connectors.cube`): loading the cube no longer scans ``cases``.

``volume``: month × service × location × channel → cases, digital, completed,
completed_with_follow_up, open. ``durations``: the same dimensions × whole processing days →
completed cases, so percentiles are exact at day resolution from counts per value.
``open_cases``: service × location × channel × whole days since receipt → cases still open,
aged on ``as_of``, the newest date of the case data (latest receipt or completion) — not
today, so a store imported last month does not age its open cases by the weeks since.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TypeVar

import polars as pl
from sqlalchemy import Engine, func, inspect, select

from connectors.cube import ensure_current
from connectors.store import (
    DIGITAL_CHANNELS,
    Case,
    CubeDuration,
    CubeOpen,
    CubeVolume,
    ImportRun,
    Location,
    Service,
    StandardStat,
    UsageStat,
    WaitStat,
)
from connectors.tenants import Tenants, current, tenant_filter
from metrics.sql import query_frame

log = logging.getLogger(__name__)
T = TypeVar("T")

DIMENSIONS = ["month", "service_id", "location_id", "channel"]

_VOLUME_SCHEMA = {
    "month": pl.Date,
    "service_id": pl.Int64,
    "location_id": pl.Int64,
    "channel": pl.String,
    "cases": pl.Int64,
    "completed": pl.Int64,
    "completed_with_follow_up": pl.Int64,
    "open": pl.Int64,
}
_DURATION_SCHEMA = {
    "month": pl.Date,
    "service_id": pl.Int64,
    "location_id": pl.Int64,
    "channel": pl.String,
    "days": pl.Int64,
    "cases": pl.Int64,
}


_OPEN_SCHEMA = {
    "service_id": pl.Int64,
    "location_id": pl.Int64,
    "channel": pl.String,
    "age_days": pl.Int64,
    "cases": pl.Int64,
}
_USAGE_SCHEMA = {
    "period_start": pl.Date,
    "period_end": pl.Date,
    "service_id": pl.Int64,
    "location_id": pl.Int64,
    "channel": pl.String,
    "volume": pl.Int64,
}
_WAIT_SCHEMA = {
    "location_id": pl.Int64,
    "day": pl.Date,
    "hour": pl.Int64,
    "wait_minutes": pl.Float64,
    "visits": pl.Int64,
}
_STANDARD_SCHEMA = {
    "period_start": pl.Date,
    "period_end": pl.Date,
    "service_id": pl.Int64,
    "standard_code": pl.String,
    "channel": pl.String,
    "target_share": pl.Float64,
    "volume_meeting": pl.Int64,
    "volume_total": pl.Int64,
}
# Typed, so a column that is null for every row (no service has attributes or an online
# date, no location a district) keeps its type instead of polars' Null: JSON lookups, date
# comparisons and joins then work on every store, also a hand-made or foreign one.
_SERVICE_SCHEMA = {"service_id": pl.Int64, "code": pl.String, "name": pl.String,
                   "leika_key": pl.String, "department": pl.String, "online_since": pl.Date,
                   "attributes": pl.String}
_LOCATION_SCHEMA = {"location_id": pl.Int64, "code": pl.String, "name": pl.String,
                    "district": pl.String, "kind": pl.String, "latitude": pl.Float64,
                    "longitude": pl.Float64}


_SERVICE_TENANT_SCHEMA = {"service_id": pl.Int64, "tenant": pl.String}
_LOCATION_TENANT_SCHEMA = {"location_id": pl.Int64, "tenant": pl.String}


class Later:
    """A frame of a :class:`Cube` read on first use: ``Cube(durations=Later(load))``. Loaded
    once, also when several sessions ask at the same time or several cubes share it (a
    filtered cube made by :meth:`Cube.replace` before the frame was read)."""

    def __init__(self, load: Callable[[], pl.DataFrame]) -> None:
        self._lock = threading.Lock()  # a derived frame takes its source's lock inside its own
        self._load: Callable[[], pl.DataFrame] | None = load
        self._frame: pl.DataFrame | None = None

    def get(self) -> pl.DataFrame:
        with self._lock:
            if self._load is not None:
                self._frame, self._load = self._load(), None
        return self._frame


class _Deferred:
    """A cube field that may be given as :class:`Later`; reading it always gives a frame.
    ``cube_durations`` has ~10× the rows of ``cube_volume`` and only the pages that show
    processing times need it, so a page's cube does not read it up front."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj: object, owner: type | None = None) -> pl.DataFrame:
        if obj is None:  # no class-level default: the dataclass field stays required
            raise AttributeError(self.slot[1:])
        value = obj.__dict__[self.slot]
        if isinstance(value, Later):
            value = obj.__dict__[self.slot] = value.get()
        return value

    def __set__(self, obj: object, value: pl.DataFrame | Later) -> None:
        obj.__dict__[self.slot] = value


@dataclass(frozen=True)
class Cube:
    volume: pl.DataFrame
    durations: pl.DataFrame = _Deferred()  # type: ignore[assignment] # may be given as Later
    services: pl.DataFrame  # service_id, code, name, leika_key, department, online_since,
    #                         attributes (JSON text)
    locations: pl.DataFrame  # location_id, code, name, district, kind, latitude, longitude
    # usage statistics as delivered: period_start, period_end, service_id, location_id,
    # channel, volume (see metrics.facts for combining them with the cases)
    usage: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_USAGE_SCHEMA))
    # service standard results as delivered (see the within_standard KPI)
    standards: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=_STANDARD_SCHEMA))
    # on-site waits per location, day and hour (see metrics.waits)
    waits: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_WAIT_SCHEMA))
    # cases still open by whole days since receipt, aged on ``as_of`` (module docstring)
    open_cases: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_OPEN_SCHEMA))
    as_of: dt.date | None = None
    # the municipality (AGS) of each service and location: the ``tenant`` grouping of a
    # cube loaded for several municipalities (service and location ids are store-wide)
    service_tenants: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=_SERVICE_TENANT_SCHEMA))
    location_tenants: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=_LOCATION_TENANT_SCHEMA))

    def derive(self, name: str, fn: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame | Later:
        """``fn`` of the frame ``name`` for :meth:`replace`: now if it is loaded, else when the
        derived cube's frame is first used (so a filtered cube does not load it either)."""
        value = self.__dict__.get(f"_{name}")
        if isinstance(value, Later):
            return Later(lambda: fn(getattr(self, name)))
        return fn(getattr(self, name))

    def replace(self, **changes: pl.DataFrame | Later | object) -> Cube:
        """``dataclasses.replace`` that keeps frames not yet loaded unloaded."""
        kept = {f.name: self.__dict__[f"_{f.name}"] if f"_{f.name}" in self.__dict__
                else getattr(self, f.name) for f in fields(self) if f.name not in changes}
        return type(self)(**kept, **changes)

    @property
    def is_empty(self) -> bool:
        """No case-level data (pages built on cases explain how to import them)."""
        return self.volume.is_empty()

    @property
    def months(self) -> list[dt.date]:
        """Every calendar month from the first to the last month with data — a month
        without cases is a gap to show, not a month to skip."""
        if self.volume.is_empty():
            return []
        first, last = self.volume["month"].min(), self.volume["month"].max()
        return pl.date_range(first, last, "1mo", eager=True).to_list()


_REMEMBER_LOCK = threading.Lock()
_MISSING = object()


def remember(cube: Cube, key: tuple, make: Callable[[], T], *, keep: int | None = None) -> T:
    """``make()`` once per cube and ``key``: work every filtered view of the same data repeats
    (a dimension's pools of withheld cells, a span's window) — the Standorte page protects
    one grid per location, each asking the same. Kept with the cube, so a new import, a
    windowed or a filtered cube starts afresh; ``keep`` bounds how many results of the
    key's kind (``key[0]``) stay (the oldest go first). ``make`` must be a function of the
    cube and the key alone. Two sessions asking at once may both compute; one result stays."""
    memo = cube.__dict__.get("_remembered")
    if memo is None:
        with _REMEMBER_LOCK:
            memo = cube.__dict__.setdefault("_remembered", {})
    value = memo.get(key, _MISSING)  # one lookup: another thread may drop the key meanwhile
    if value is not _MISSING:
        return value
    value = make()
    with _REMEMBER_LOCK:
        value = memo.setdefault(key, value)
        if keep is not None:
            kind = [k for k in memo if k[0] == key[0]]
            for old in kind[:max(0, len(kind) - keep)]:
                del memo[old]
    return value


def store_ready(engine: Engine) -> bool:
    """True when the store holds the tables (a fresh URL or missing file counts as not ready).

    A missing SQLite file is not opened: connecting would create an empty one."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        from pathlib import Path

        if not Path(url.database).exists():
            return False
    try:
        return inspect(engine).has_table(Case.__tablename__)
    except Exception:  # noqa: BLE001 - unreachable store
        return False


def data_version(engine: Engine, ags: Tenants = None) -> str:
    """Changes whenever an import into municipality ``ags`` finishes; dashboards cache
    results by it."""
    if not store_ready(engine):
        return "empty"
    with engine.connect() as conn:
        last_id, last_finished = conn.execute(
            select(func.max(ImportRun.id), func.max(ImportRun.finished_at))
            .where(tenant_filter(ImportRun, ags))
        ).one()
    return (f"{engine.url.render_as_string(hide_password=True)}#{current(ags)}#{last_id}"
            f"@{last_finished}")


def load_cube(engine: Engine, ags: Tenants = None) -> Cube:
    """The cube of municipality ``ags`` (None: ``SERVICEPULS_AGS``); with several AGS their
    union, whose ``service_tenants`` give the ``tenant`` grouping (totals are Σ/Σ over
    the municipalities, and open cases age on the newest date of any of them)."""
    if not store_ready(engine):
        return _empty_cube()
    # The case aggregates come from the persisted cube (connectors/cube.py), kept in step
    # with the cases by every import; rebuilt here only when cases were written around it.
    ensure_current(engine)
    v, d = CubeVolume, CubeDuration
    volume = query_frame(engine, select(
        v.month, v.service_id, v.location_id, v.channel, v.cases, v.completed,
        v.completed_with_follow_up, v.open,
    ).where(tenant_filter(v, ags)).order_by(v.month, v.service_id, v.location_id, v.channel),
        _VOLUME_SCHEMA).with_columns(
        digital=pl.when(pl.col("channel").is_in(list(DIGITAL_CHANNELS)))
        .then(pl.col("cases"))
        .otherwise(0)
    )
    durations = Later(lambda: query_frame(engine, select(
        d.month, d.service_id, d.location_id, d.channel, d.days, d.cases,
    ).where(tenant_filter(d, ags)).order_by(d.month, d.service_id, d.location_id, d.channel,
                                            d.days), _DURATION_SCHEMA))  # read on first use
    u = UsageStat
    usage_dims = (u.period_start, u.period_end, u.service_id, u.location_id, u.channel)
    usage = query_frame(engine, select(*usage_dims, func.sum(u.volume))
                        .where(tenant_filter(u, ags)).group_by(*usage_dims), _USAGE_SCHEMA)
    st = StandardStat
    standards = query_frame(engine, select(st.period_start, st.period_end, st.service_id,
                                           st.standard_code, st.channel, st.target_share,
                                           st.volume_meeting, st.volume_total)
                            .where(tenant_filter(st, ags)), _STANDARD_SCHEMA)
    as_of, open_cases = _open_cases(engine, ags)
    w = WaitStat
    waits = query_frame(engine, select(w.location_id, w.day, w.hour, w.wait_minutes, w.visits)
                        .where(tenant_filter(w, ags)), _WAIT_SCHEMA)
    services = query_frame(engine, select(
        Service.id, Service.code, Service.name, Service.leika_key, Service.department,
        Service.online_since, Service.attributes).where(tenant_filter(Service, ags)),
        _SERVICE_SCHEMA)
    locations = query_frame(engine, select(
        Location.id, Location.code, Location.name, Location.district, Location.kind,
        Location.latitude, Location.longitude).where(tenant_filter(Location, ags)),
        _LOCATION_SCHEMA)
    service_tenants = query_frame(engine, select(Service.id, Service.ags)
                                  .where(tenant_filter(Service, ags)), _SERVICE_TENANT_SCHEMA)
    location_tenants = query_frame(engine, select(Location.id, Location.ags)
                                   .where(tenant_filter(Location, ags)),
                                   _LOCATION_TENANT_SCHEMA)
    log.info("cube loaded: %d volume rows, %d usage rows", volume.height, usage.height)
    return Cube(volume=volume, durations=durations, services=services, locations=locations,
                usage=usage, waits=waits, standards=standards, open_cases=open_cases,
                as_of=as_of, service_tenants=service_tenants,
                location_tenants=location_tenants)


def _open_cases(engine: Engine, ags: Tenants) -> tuple[dt.date | None, pl.DataFrame]:
    """The newest date of the case data, and the open cases aged on it (persisted by day of
    receipt in ``cube_open``; the age is the difference of two dates, done here)."""
    with engine.connect() as conn:
        received, completed = conn.execute(
            select(func.max(CubeVolume.last_received), func.max(CubeVolume.last_completed))
            .where(tenant_filter(CubeVolume, ags))
        ).one()
    stamps = [_as_date(v) for v in (received, completed) if v is not None]
    if not stamps:
        return None, pl.DataFrame(schema=_OPEN_SCHEMA)
    as_of = max(stamps)
    o = CubeOpen
    frame = query_frame(engine, select(o.service_id, o.location_id, o.channel, o.received,
                                       o.cases).where(tenant_filter(o, ags)),
        {"service_id": pl.Int64, "location_id": pl.Int64, "channel": pl.String,
         "received": pl.Date, "cases": pl.Int64})
    aged = frame.select("service_id", "location_id", "channel",
                        (pl.lit(as_of) - pl.col("received")).dt.total_days().alias("age_days"),
                        "cases")
    return as_of, aged.group_by("service_id", "location_id", "channel", "age_days").agg(
        pl.col("cases").sum()).cast(_OPEN_SCHEMA)


def _as_date(value: object) -> dt.date:
    """A MAX() over a timestamp column as a date (SQLite may hand back ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _empty_cube() -> Cube:
    return Cube(
        volume=pl.DataFrame(schema=_VOLUME_SCHEMA).with_columns(digital=pl.lit(0, pl.Int64)),
        durations=pl.DataFrame(schema=_DURATION_SCHEMA),
        services=pl.DataFrame(schema=_SERVICE_SCHEMA),
        locations=pl.DataFrame(schema=_LOCATION_SCHEMA),
    )
