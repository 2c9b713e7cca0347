"""Appointments (Terminvergabe): the JSON export, upserts on re-delivery, and the KPIs
lead time, no-show rate and on-site wait — on SQLite and PostgreSQL, with values computed
by hand from ``tests/data/termine/termine_kleinstadt.json``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from connectors.db import get_engine
from connectors.importer import ImportResult, import_file
from connectors.profiles import Profile, profiles_for, resolve_profile
from connectors.settings import Settings
from connectors.store import Appointment, Location, RejectedRow, Service
from metrics.appointments import (
    AppointmentFacts,
    appointment_months,
    lead_time,
    load_appointments,
    no_show_rate,
    wait,
)
from sample_data import appointments as gen
from sample_data import behaviour as bh
from sample_data.generate import write_locations, write_services
from sample_data.workdays import nrw_holidays
from tests.conftest import KLEINSTADT, import_dir

TERMINE = Path(__file__).parent / "data" / "termine" / "termine_kleinstadt.json"

# The hand-made export: 14 records, A = Bürgeramt, V = Videoberatung (no on-site wait).
#   id       loc svc booked            slot (weekday)        channel  status     wait lead
#   KS-1001  A   L1  02.03. 07:30  →   02.03. 10:00 (Mo)     vor_ort  attended      4    0
#   KS-1002  A   L1  28.02. 21:10  →   02.03. 08:15 (Mo)     online   attended     25    2
#   KS-1003  A   L2  20.02. 09:00  →   02.03. 08:45 (Mo)     telefon  attended     31   10
#   KS-1004  A   L1  25.02. 11:00  →   05.03. 16:30 (Do)     online   attended     12    8
#   KS-1005  A   L1  11.02. 18:00  →   05.03. 17:00 (Do)     online   no_show       –   22
#   KS-1006  A   L2  03.03. 10:00  →   06.03. 09:00 (Fr)     telefon  attended      –    3
#   KS-1007  A   L1  30.01. 08:00  →   04.03. 11:00 (Mi)     online   cancelled     –   33
#   KS-1008  A   L1  27.02. 14:00  →   04.03. 09:30 (Mi)     online   attended      9    5
#   KS-1009  A   L1  status "verlegt"                                  → quarantined (record 9)
#   KS-1010  A   L2  booked 06.03. after its slot 05.03.               → quarantined (record 10)
#   KS-2001  V   L1  23.02. → 03.03.                         online   attended      –    8
#   KS-2002  V   L2  09.02. → 03.03.                         online   no_show       –   22
#   KS-2003  V   L1  01.03. → 04.03.                         online   cancelled     –    3
#   KS-2004  V   L1  02.03. 08:00 → 02.03. 13:00             telefon  attended      –    0
#
# Lead time, every booking (nearest rank: the ceil(q·n)-th smallest):
#   A: 0 2 3 5 8 10 22 33 (n 8)  median 4th = 5,  P90 ceil(7.2) = 8th = 33
#   V: 0 3 8 22           (n 4)  median 2nd = 3,  P90 ceil(3.6) = 4th = 22
#   A without the cancelled KS-1007: 0 2 3 5 8 10 22 (n 7) median 4th = 5, P90 7th = 22
# No-show = no_show / (attended + no_show): A 1 / (6 + 1) = 1/7; V 1 / (2 + 1) = 1/3;
#   all 2/10. Cancelled ones are in neither.
# On-site wait (attended with a wait, A only): 4 9 12 25 31 (n 5) → median 3rd = 12,
#   P90 ceil(4.5) = 5th = 31. Monday 8 h: 25 31 → median 25, P90 31 (n 2).
Handmade = tuple[Settings, ImportResult]
LEAD = {("A", 0.5): (5.0, 8), ("A", 0.9): (33.0, 8), ("V", 0.5): (3.0, 4),
        ("V", 0.9): (22.0, 4)}


@pytest.fixture(scope="module")
def handmade(module_settings: Settings) -> Handmade:
    """Kleinstadt's master data and the hand-made export, imported once per store; the
    tests using it only read."""
    import_dir(KLEINSTADT, module_settings)
    return module_settings, import_file(TERMINE, _profile(), module_settings)


def _profile() -> Profile:
    (profile,) = profiles_for(TERMINE)  # the shipped profile matches termine_*.json
    assert profile.name == "musterstadt_termine"
    return profile


def _facts(settings: Settings) -> tuple[AppointmentFacts, dict[int, str]]:
    engine = get_engine(settings)
    with engine.connect() as conn:
        codes = dict(conn.execute(select(Location.id, Location.code)).all())
    return load_appointments(engine), codes


def _by_code(frame: pl.DataFrame, codes: dict[int, str]) -> dict[str, tuple]:
    return {codes[r["location_id"]]: (r["value"], r["n"]) for r in frame.to_dicts()}


def _export(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps({"standort": "A", "termine": records}), encoding="utf-8")
    return path


def _record(key: str, status: str = "erschienen", wait_min: int | None = 10) -> dict:
    return {"terminId": key, "standort": "A", "dienstleistung": "L1",
            "gebucht": "2026-03-01T10:00:00", "termin": "2026-03-03T10:00:00",
            "kanal": "online", "status": status, "wartezeit_min": wait_min}


def test_import_counts_add_up_and_bad_records_are_quarantined(handmade: Handmade) -> None:
    store, result = handmade
    assert (result.rows_read, result.inserted, result.updated, result.duplicate,
            result.rejected) == (14, 12, 0, 0, 2)
    with get_engine(store).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column, RejectedRow.reason,
                                  RejectedRow.raw)
                           .where(RejectedRow.import_run_id == result.run_id)
                           .order_by(RejectedRow.row_number)).all()
        stored = conn.execute(select(Appointment.outcome, Appointment.channel,
                                     Appointment.wait_minutes)).all()
    assert [b.row_number for b in bad] == [9, 10] and bad[0].column == "status"
    # mapping's rule table refuses a booking after its slot, naming the file's header
    assert bad[1].column == "gebucht"
    assert "'verlegt' ist kein bekannter Wert" in bad[0].reason
    assert "[values.outcome]" in bad[0].reason  # says where to fix it
    assert "Buchung liegt nach dem Termin" in bad[1].reason
    assert "KS-10" not in bad[0].raw + bad[1].raw  # quarantined ids are hashed too
    assert sorted(r.outcome for r in stored) == sorted(
        ["attended"] * 8 + ["no_show"] * 2 + ["cancelled"] * 2)
    assert {r.channel for r in stored} == {"online", "phone", "in_person"}
    assert sum(r.wait_minutes or 0 for r in stored) == 4 + 25 + 31 + 12 + 9


@pytest.mark.parametrize(("q", "code"), [(0.5, "A"), (0.9, "A"), (0.5, "V"), (0.9, "V")])
def test_lead_time_per_location(handmade: Handmade, q: float, code: str) -> None:
    facts, codes = _facts(handmade[0])
    assert _by_code(lead_time(facts.lead, ["location_id"], q), codes)[code] == LEAD[(code, q)]


def test_lead_time_overall_and_without_cancelled(handmade: Handmade) -> None:
    facts, codes = _facts(handmade[0])
    # all 12: 0 0 2 3 3 5 8 8 10 22 22 33 → median 6th = 5, P90 ceil(10.8) = 11th = 22
    assert lead_time(facts.lead).select("value", "n").row(0) == (5.0, 12)
    assert lead_time(facts.lead, q=0.9).select("value", "n").row(0) == (22.0, 12)
    kept = lead_time(facts.lead, ["location_id"], 0.9, outcomes=["attended", "no_show"])
    assert _by_code(kept, codes)["A"] == (22.0, 7)


def test_no_show_rate_leaves_cancelled_out(handmade: Handmade) -> None:
    facts, codes = _facts(handmade[0])
    per_location = _by_code(no_show_rate(facts.lead, ["location_id"]), codes)
    assert per_location["A"] == (pytest.approx(1 / 7), 7)
    assert per_location["V"] == (pytest.approx(1 / 3), 3)
    overall = no_show_rate(facts.lead).row(0, named=True)
    assert (overall["numerator"], overall["n"], overall["value"]) == (2, 10, 0.2)


def test_wait_median_and_p90_by_location_weekday_hour(handmade: Handmade) -> None:
    facts, codes = _facts(handmade[0])
    assert _by_code(wait(facts.waits, ["location_id"]), codes) == {"A": (12.0, 5)}  # no V
    assert _by_code(wait(facts.waits, ["location_id"], 0.9), codes) == {"A": (31.0, 5)}
    monday_8 = (pl.col("weekday") == 1) & (pl.col("hour") == 8)
    for q, expected in ((0.5, 25.0), (0.9, 31.0)):
        row = wait(facts.waits, q=q).filter(monday_8).row(0, named=True)
        assert (row["value"], row["n"], row["suppressed"]) == (expected, 2, False)
    # small-number suppression: 2 visits < min_n 3 → withheld
    row = wait(facts.waits, min_n=3).filter(monday_8).row(0, named=True)
    assert (row["value"], row["n"], row["suppressed"]) == (None, 2, True)
    assert sorted(wait(facts.waits, ["weekday"]).get_column("weekday")) == [1, 3, 4]


def test_appointment_months_span_the_kept_slots(handmade: Handmade) -> None:
    # every stored slot lies between 02.03. and 06.03.2026; the two quarantined records
    # (KS-1009, KS-1010) are not in the store
    settings, _ = handmade
    assert appointment_months(get_engine(settings)) == (dt.date(2026, 3, 1),
                                                       dt.date(2026, 3, 1))


def test_changed_outcome_in_a_redelivery_is_an_update(kleinstadt: Settings,
                                                      tmp_path: Path) -> None:
    first = import_file(TERMINE, _profile(), kleinstadt)
    again = _export(tmp_path / "termine_korrektur.json", [
        {**_record("KS-1005", "erschienen", 15), "gebucht": "2026-02-11T18:00:00",
         "termin": "2026-03-05T17:00:00"},  # was a no-show: an update
        {"terminId": "KS-1001", "standort": "A", "dienstleistung": "L1",  # unchanged
         "gebucht": "2026-03-02T07:30:00", "termin": "2026-03-02T10:00:00",
         "kanal": "vor_ort", "status": "erschienen", "wartezeit_min": 4},
        _record("KS-1011", "abgesagt", None),  # new
    ])
    result = import_file(again, _profile(), kleinstadt)
    assert (result.rows_read, result.inserted, result.updated, result.duplicate,
            result.rejected) == (3, 1, 1, 1, 0)
    with get_engine(kleinstadt).connect() as conn:
        runs = conn.execute(select(Appointment.import_run_id, Appointment.outcome)
                            .order_by(Appointment.id)).all()
    assert len(runs) == 13
    assert sum(r.import_run_id == result.run_id for r in runs) == 2  # updated + inserted
    assert sum(r.import_run_id == first.run_id for r in runs) == 11
    facts, codes = _facts(kleinstadt)
    # A: 7 attended, no no-show left (the cancelled KS-1011 does not count)
    assert _by_code(no_show_rate(facts.lead, ["location_id"]), codes)["A"] == (0.0, 7)


def test_reimport_of_the_same_file_is_skipped(kleinstadt: Settings) -> None:
    import_file(TERMINE, _profile(), kleinstadt)
    assert import_file(TERMINE, _profile(), kleinstadt).skipped
    forced = import_file(TERMINE, _profile(), kleinstadt, force=True)
    assert (forced.inserted, forced.updated, forced.duplicate, forced.rejected) == (0, 0, 12, 2)


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_repeated_id_in_one_file(kleinstadt: Settings, tmp_path: Path, batch_rows: int) -> None:
    """The first record of an id counts; a repeat with other values is quarantined, also
    when it arrives in a later batch."""
    profile = _profile()
    profile = profile.model_copy(update={"read": profile.read.model_copy(
        update={"batch_rows": batch_rows})})
    path = _export(tmp_path / "termine_doppelt.json", [
        _record("X-1"), _record("X-2"), _record("X-1"), _record("X-2", "nicht_erschienen", None),
    ])
    result = import_file(path, profile, kleinstadt)
    assert (result.rows_read, result.inserted, result.duplicate, result.rejected) == (4, 2, 1, 1)
    with get_engine(kleinstadt).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason)
                           .where(RejectedRow.import_run_id == result.run_id)).one()
        outcomes = conn.execute(select(Appointment.outcome)).scalars().all()
    assert (bad.row_number, bad.column) == (4, "outcome")
    assert "schon in Datensatz 2 vor" in bad.reason and "Ausgang, Wartezeit" in bad.reason
    assert outcomes == ["attended", "attended"]


def test_appointment_ids_are_stored_only_as_keyed_hash(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}",
                        pseudonymisation_key="test-key")
    import_dir(KLEINSTADT, settings)
    import_file(TERMINE, _profile(), settings)
    get_engine(settings).dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    for raw_id in ("KS-1001", "KS-1009", "KS-1010", "KS-2004"):
        assert raw_id.encode() not in blob, raw_id


def test_empty_store_gives_empty_frames(settings: Settings) -> None:
    facts = load_appointments(get_engine(settings))
    assert facts.is_empty and facts.waits.is_empty()
    assert appointment_months(get_engine(settings)) is None
    assert lead_time(facts.lead, ["location_id"]).is_empty()
    assert no_show_rate(facts.lead).is_empty() and wait(facts.waits).is_empty()


# --- the generated sample ----------------------------------------------------------------

SAMPLE_SIZE = 12_000


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("termine")
    write_services(out / "leistungen.csv")
    write_locations(out / "standorte.csv")
    return gen.write_appointments(out, appointments=SAMPLE_SIZE)


@pytest.fixture(scope="module")
def sample_store(sample_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample imported into SQLite (PostgreSQL runs the hand-made cases above)."""
    folder = tmp_path_factory.mktemp("termine_store")
    store = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                     pseudonymisation_key="test-key")
    results = import_dir(sample_files[0].parent, store)
    appointments = [r for r in results if r.profile == "musterstadt-termine"]
    assert len(appointments) == len(gen.OFFICES) == 5
    assert sum(r.rejected for r in appointments) == 0
    assert sum(r.inserted for r in appointments) == SAMPLE_SIZE
    return store


def test_sample_rates_within_the_configured_ranges(sample_store: Settings) -> None:
    facts, _ = _facts(sample_store)
    rate = no_show_rate(facts.lead).row(0, named=True)["value"]
    assert gen.NO_SHOW_RANGE[0] <= rate <= gen.NO_SHOW_RANGE[1], rate
    by_outcome = dict(facts.lead.group_by("outcome").agg(pl.col("appointments").sum()).rows())
    cancelled = by_outcome["cancelled"] / sum(by_outcome.values())
    assert gen.CANCELLED_RANGE[0] <= cancelled <= gen.CANCELLED_RANGE[1], cancelled
    # long lead times are missed more often
    short = no_show_rate(facts.lead.filter(pl.col("lead_days") <= 3))["value"][0]
    long = no_show_rate(facts.lead.filter(pl.col("lead_days") > 14))["value"][0]
    assert long > short + 0.05


def test_sample_passports_wait_longer_for_a_slot_before_summer(sample_store: Settings) -> None:
    facts, _ = _facts(sample_store)
    with get_engine(sample_store).connect() as conn:
        passport = conn.execute(select(Service.id).where(Service.code == "L002")).scalar_one()
    lead = facts.lead.filter(pl.col("service_id") == passport)
    month = pl.col("month").dt.month()
    summer = lead_time(lead.filter(month.is_in([5, 6])), q=0.5)["value"][0]
    winter = lead_time(lead.filter(month.is_in([12, 1])), q=0.5)["value"][0]
    assert summer >= 2 * winter, (summer, winter)


def test_sample_waits_longer_on_monday_morning(sample_store: Settings) -> None:
    facts, _ = _facts(sample_store)
    medians = {(r["weekday"], r["hour"]): r["value"]
               for r in wait(facts.waits, ["weekday", "hour"]).to_dicts()}
    assert medians[(1, 9)] > 1.5 * medians[(3, 9)]  # Monday vs Wednesday morning
    assert medians[(4, 16)] > 1.3 * medians[(4, 10)]  # Thursday afternoon vs morning


def test_sample_slots_only_on_working_days_in_office_hours(sample_store: Settings) -> None:
    with get_engine(sample_store).connect() as conn:
        slots = conn.execute(select(Appointment.slot_at, Appointment.booked_at)).all()
    holidays = nrw_holidays(2024) | nrw_holidays(2025) | nrw_holidays(2026)
    for slot, booked in slots:
        assert slot.weekday() < 5 and slot.date() not in holidays, slot
        minute = slot.hour * 60 + slot.minute
        assert bh.OFFICE_OPENS <= minute < bh.OFFICE_CLOSES[slot.weekday()], slot
        assert minute % gen.SLOT_MINUTES == 0 and booked < slot
    assert min(s for s, _ in slots) >= dt.datetime(2024, 11, 1)
    assert max(s for s, _ in slots) < dt.datetime(2026, 11, 1)


def test_sample_appointment_months_are_the_span_of_the_lead_counts(sample_store: Settings
                                                                   ) -> None:
    # what the global filters read instead of grouping every appointment
    engine = get_engine(sample_store)
    lead = load_appointments(engine).lead
    first, last = appointment_months(engine)
    assert (first, last) == (lead["month"].min(), lead["month"].max())
    assert first < last


def test_sample_is_deterministic(tmp_path: Path) -> None:
    one = [p.read_bytes() for p in gen.write_appointments(tmp_path / "a", appointments=500)]
    two = [p.read_bytes() for p in gen.write_appointments(tmp_path / "b", appointments=500)]
    other = [p.read_bytes() for p in gen.write_appointments(tmp_path / "c", seed=7,
                                                            appointments=500)]
    assert one == two and one != other
    doc = json.loads(one[0])
    assert doc["standort"] == "BA-MITTE" and doc["exportiert"] == "2026-11-01T06:00:00"
    assert set(doc["termine"][0]) == {"terminId", "standort", "dienstleistung", "gebucht",
                                      "termin", "kanal", "status", "wartezeit_min"}
    assert resolve_profile("musterstadt_termine").matches(tmp_path / "a" / "termine_BA-NORD.json")
