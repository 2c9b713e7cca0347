"""The store schema: the contract between connectors (who write) and metrics (who read).

Master data (services, locations), case facts, and the bookkeeping of imports (runs and the
quarantine of rejected rows). No personal data lives here: case numbers are stored only as a
keyed hash and unmapped source columns are never stored.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite so ids autoincrement on both.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Channel(enum.StrEnum):
    """Eingangskanal. Digital is ``online`` only; assisted digital is its own channel."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    PHONE = "phone"
    POST = "post"
    EMAIL = "email"
    VIDEO = "video"
    ASSISTED_DIGITAL = "assisted_digital"
    FAX = "fax"
    OTHER = "other"  # whatever a source cannot say more precisely


DIGITAL_CHANNELS: frozenset[str] = frozenset({Channel.ONLINE.value})

# ``services.online_since`` of a service the master data call never online ("nie"): online
# from the end of time, so every "online by then?" comparison (in SQL and in polars) says no.
# NULL stays "no online date known" — a different thing (metrics.facts).
NEVER_ONLINE = dt.date(9999, 12, 31)


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Topic(enum.StrEnum):
    """Feedback topics (Bürgerbeteiligung)."""

    OVERALL = "overall"  # Gesamtzufriedenheit
    REACHABILITY = "reachability"  # Erreichbarkeit
    PROCESS_WAITING = "process_waiting"  # Abläufe und Wartezeiten
    APPOINTMENTS = "appointments"  # Terminvergabe
    CLARITY = "clarity"  # Verständlichkeit
    DIGITAL_ANALOG = "digital_analog"  # Zusammenspiel digital/analog
    OTHER = "other"


class Outcome(enum.StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class LocationKind(enum.StrEnum):
    OFFICE = "office"
    MOBILE = "mobile"
    VIRTUAL = "virtual"


class Base(DeclarativeBase):
    pass


def _ags() -> Mapped[str]:
    """The tenant: the municipality's 8-digit AGS (connectors/tenants.py). Written by every
    import, part of every unique key, filtered on by every read."""
    return mapped_column(String(8))


class Service(Base):
    """Leistung. ``code`` is the municipality's own code used in its exports."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("ags", "code", name="uq_services_ags_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = _ags()
    code: Mapped[str] = mapped_column(String(40))
    leika_key: Mapped[str | None] = mapped_column(String(14), index=True)
    name: Mapped[str] = mapped_column(String(500))
    department: Mapped[str | None] = mapped_column(String(200))
    ozg_service: Mapped[str | None] = mapped_column(String(200))
    online_since: Mapped[dt.date | None] = mapped_column(Date)
    # Attributes a profile maps explicitly (e.g. scope, recipient type, online stages), as
    # a JSON object; KPI subsets filter on them. Unmapped columns never land here.
    attributes: Mapped[str | None] = mapped_column(Text)


class Location(Base):
    """Standort: Bürgeramt (office), mobiles Bürgeramt (mobile) or Videoberatung (virtual)."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("ags", "code", name="uq_locations_ags_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = _ags()
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=LocationKind.OFFICE.value)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class ImportRun(Base):
    """One file (or pull) imported through one profile; the counts add up to ``rows_read``."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100), index=True)
    profile: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # running | succeeded | failed
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    # summary lines (read.skip_row_patterns): read, no record, not among rows_read
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message: Mapped[str | None] = mapped_column(Text)


class RejectedRow(Base):
    """Quarantine: a row that failed validation, with its row number, reason and raw values.

    ``raw`` holds only mapped columns, and the case number already pseudonymised.
    """

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)  # JSON object of the mapped columns' raw text


class Case(Base):
    """Vorgang: one transaction of one service. ``case_key`` is a keyed hash, never the number."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("ags", "source", "case_key", name="uq_cases_ags_source_case_key"),
        Index("ix_cases_ags_received_service", "ags", "received_at", "service_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    case_key: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))
    follow_up_count: Mapped[int] = mapped_column(Integer, default=0)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


# The persisted cube: aggregates of ``cases``, derived data only (no foreign keys, never
# written by hand). Each row belongs to one key (month of receipt, service); a key's rows are
# always replaced together, from a GROUP BY over that key's cases, in the transaction of the
# import that touched it (connectors/cube.py).


class CubeVolume(Base):
    """Cases per month of receipt × service × location × channel, with the counts the KPIs
    need, and the newest day of receipt and of completion (the open-case age's reference)."""

    __tablename__ = "cube_volume"
    __table_args__ = (Index("ix_cube_volume_key", "ags", "month", "service_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    month: Mapped[dt.date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    cases: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    completed_with_follow_up: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    last_received: Mapped[dt.date] = mapped_column(Date)
    last_completed: Mapped[dt.date | None] = mapped_column(Date)


class CubeDuration(Base):
    """Completed cases per month of receipt × service × location × channel × whole
    processing days (calendar days from receipt to completion)."""

    __tablename__ = "cube_durations"
    __table_args__ = (Index("ix_cube_durations_key", "ags", "month", "service_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    month: Mapped[dt.date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)


class CubeOpen(Base):
    """Open cases per month of receipt × service × location × channel × day of receipt;
    their age is counted on reading, from the newest date in the data."""

    __tablename__ = "cube_open"
    __table_args__ = (Index("ix_cube_open_key", "ags", "month", "service_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    month: Mapped[dt.date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    received: Mapped[dt.date] = mapped_column(Date)
    cases: Mapped[int] = mapped_column(Integer)


class CubeState(Base):
    """One row: the largest ``cases.id`` when the cube last agreed with ``cases``. Cases
    written around the import (or before the cube existed) make ``max(cases.id)`` differ,
    and the cube is rebuilt whole (connectors/cube.py)."""

    __tablename__ = "cube_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases_max_id: Mapped[int | None] = mapped_column(BigInteger)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class UsageStat(Base):
    """Pre-aggregated usage statistics: transactions per period × service × location ×
    channel, as many Fachverfahren export them (monthly tables, fiscal-year inventories).

    A re-delivery of a period by the same source replaces that period."""

    __tablename__ = "usage_stats"
    __table_args__ = (
        Index("ix_usage_stats_period", "ags", "source", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)  # inclusive
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    channel: Mapped[str] = mapped_column(String(20))
    volume: Mapped[int] = mapped_column(BigInteger)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


class WaitStat(Base):
    """On-site waiting (Wartezeit vor Ort) per location, day and hour, as statistics
    modules of queue systems publish it: mean minutes and, where known, the visits."""

    __tablename__ = "wait_stats"
    __table_args__ = (
        UniqueConstraint("ags", "source", "location_id", "day", "hour",
                         name="uq_wait_stats_slot"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer)
    wait_minutes: Mapped[float] = mapped_column(Float)
    visits: Mapped[int | None] = mapped_column(Integer)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


class StandardStat(Base):
    """Service standard results (timeliness): cases handled within the standard / all, per
    period, service and standard — e.g. "decision within 10 working days"."""

    __tablename__ = "standard_stats"
    __table_args__ = (
        Index("ix_standard_stats_period", "ags", "source", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    standard_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str | None] = mapped_column(String(20))
    target_share: Mapped[float | None] = mapped_column(Float)
    # empty when the publisher reports the standard without figures (kept, not guessed)
    volume_meeting: Mapped[int | None] = mapped_column(BigInteger)
    volume_total: Mapped[int | None] = mapped_column(BigInteger)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


class Feedback(Base):
    """One rating of one topic in one survey response (Zufriedenheit, Rückmeldung). The
    response id is a keyed hash; comments are stored only after personal data is removed."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("ags", "source", "response_key", "topic",
                         name="uq_feedback_response_topic"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    response_key: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(40))
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    channel: Mapped[str | None] = mapped_column(String(20))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


class FunnelStat(Base):
    """Online form funnel per service and day: started, submitted (and abandoned)."""

    __tablename__ = "form_funnel"
    __table_args__ = (
        UniqueConstraint("ags", "source", "service_id", "day", name="uq_form_funnel_day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    day: Mapped[dt.date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    started: Mapped[int] = mapped_column(BigInteger)
    submitted: Mapped[int] = mapped_column(BigInteger)
    abandoned: Mapped[int | None] = mapped_column(BigInteger)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


class Appointment(Base):
    """Terminvergabe: one booked appointment (key pseudonymised) and what became of it."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("ags", "source", "appointment_key", name="uq_appointments_key"),
        Index("ix_appointments_slot", "slot_at", "location_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    appointment_key: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    booked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    slot_at: Mapped[dt.datetime] = mapped_column(DateTime)
    channel: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))  # attended | no_show | cancelled
    wait_minutes: Mapped[int | None] = mapped_column(Integer)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))


class SourceFile(Base):
    """Incremental state of ``import --all``: what was seen of each file, so a scheduled run
    skips unchanged files without reading them (size + modification time), and hashes only
    files that look changed."""

    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("ags", "source", "path", name="uq_source_files_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(1000))
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SourceCursor(Base):
    """Incremental state of a database or web API source of ``import --all``: the largest
    cursor value seen so far (e.g. the last ``geaendert_am``), so a scheduled run asks only
    for newer rows. ``identity`` is the hash of what was asked (address without secrets,
    query, cursor); when it changes, the source starts again from its start value."""

    __tablename__ = "source_cursors"
    __table_args__ = (UniqueConstraint("ags", "source", name="uq_source_cursors_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ags: Mapped[str] = _ags()
    source: Mapped[str] = mapped_column(String(100))
    identity: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)  # JSON: {"type": "datetime", "value": "…"}
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
