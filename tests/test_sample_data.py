"""The sample city: exact file formats, and the realism the dashboard's demos rely on.

One default-size export (300,000 cases) is generated per module and read back from the CSV
bytes, so every assertion is about what a connector would actually see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import polars as pl
import pytest

from sample_data import SampleExport, generate
from sample_data.city import AGS, CITY, PILOT, SERVICES, Pilot
from sample_data.generate import (
    CASES_COLUMNS,
    LOCATIONS_HEADER,
    SERVICES_HEADER,
    bad_row_positions,
    window_start,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "sample_data" / "examples"
ONLINE = ["Online-Antrag", "OZG-Portal"]
IN_PERSON = ["Vor Ort", "Schalter"]
ALL_CHANNELS = {*ONLINE, *IN_PERSON, "Telefon", "Post", "E-Mail", "Videoberatung",
                "Vor Ort digital erfasst"}  # fmt: skip
STATUSES = {"abgeschlossen", "in Bearbeitung", "abgelehnt", "zurückgezogen"}
WINDOW = (dt.datetime(2024, 11, 1), dt.datetime(2026, 11, 1))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_utf8_bom(path: Path) -> tuple[bytes, pl.DataFrame]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    return raw, pl.read_csv(io.StringIO(text), separator=";", infer_schema=False)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> SampleExport:
    return generate(tmp_path_factory.mktemp("musterstadt"))


@pytest.fixture(scope="module")
def cases(export: SampleExport) -> pl.DataFrame:
    """All rows as the file has them, plus parsed helper columns and a bad-row flag."""
    text = export.cases_file.read_bytes().decode("cp1252")
    df = pl.read_csv(io.StringIO(text), separator=";", infer_schema=False)
    fmt = "%d.%m.%Y %H:%M"
    df = df.with_columns(
        received=pl.col("Eingang am").str.strptime(pl.Datetime, fmt, strict=False),
        closed=pl.col("Abgeschlossen am").str.strptime(pl.Datetime, fmt, strict=False),
        follow_ups=pl.col("Anzahl Nachforderungen").cast(pl.Int64),
        online=pl.col("Eingangskanal").is_in(ONLINE),
    ).with_columns(
        days=(pl.col("closed") - pl.col("received")).dt.total_minutes() / 1440,
        bad=(pl.col("Leistung") == "X999")
        | (pl.col("Eingangskanal") == "Fax")
        | pl.col("received").is_null()
        | (pl.col("closed") < pl.col("received")).fill_null(False),
    )
    return df


@pytest.fixture(scope="module")
def good(cases: pl.DataFrame) -> pl.DataFrame:
    return cases.filter(~pl.col("bad"))


def _online_share(df: pl.DataFrame) -> float:
    return float(df["online"].mean())


# --- master data ------------------------------------------------------------------------


def test_city_constants() -> None:
    assert (AGS, CITY) == ("05999001", "Musterstadt")
    assert dataclasses.is_dataclass(PILOT) and isinstance(PILOT, Pilot)
    assert PILOT.name == "Online-Ummeldung mit Videoanleitung"
    assert PILOT.start == dt.date(2025, 9, 1) and PILOT.lift_pp == pytest.approx(12.0)
    names = {s.code: s.name for s in SERVICES}
    assert {names[c] for c in PILOT.service_codes} == {"Wohnsitz anmelden", "Wohnsitz ummelden"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        PILOT.lift_pp = 1.0  # type: ignore[misc]


def test_services_file(export: SampleExport) -> None:
    raw, df = _read_utf8_bom(export.services_file)
    assert raw.startswith(b"\xef\xbb\xbf" + SERVICES_HEADER.encode())
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(df) + 1
    assert len(df) >= 30 and df["Leistungsnummer"].is_unique().all()
    required = {
        "Personalausweis beantragen", "Reisepass beantragen", "Wohnsitz anmelden",
        "Wohnsitz ummelden", "Meldebescheinigung", "Kfz-Zulassung", "Kfz-Abmeldung",
        "Hundesteuer anmelden", "Führungszeugnis beantragen", "Sperrmüll anmelden",
        "Eheschließung anmelden", "Wohngeld beantragen", "Gewerbeanmeldung",
        "Bewohnerparkausweis", "Geburtsurkunde beantragen",
    }  # fmt: skip
    assert required <= set(df["Bezeichnung"])
    keys = df["LeiKa-Schlüssel"]
    assert keys.str.contains(r"^\d{14}$").all() and keys.is_unique().all()
    never = df.filter(pl.col("Online seit") == "nie")["Bezeichnung"].to_list()
    since = df["Online seit"].replace("nie", None).str.strptime(pl.Date, "%d.%m.%Y",
                                                                 strict=True)
    assert since.null_count() == len(never)  # a date or "nie", never an empty cell
    assert 3 <= len(never) <= 5 and "Eheschließung anmelden" in never
    launched_in_window = since.is_between(WINDOW[0].date(), WINDOW[1].date(), closed="left")
    assert launched_in_window.sum() >= 3


def test_locations_file(export: SampleExport) -> None:
    raw, df = _read_utf8_bom(export.locations_file)
    assert raw.startswith(b"\xef\xbb\xbf" + LOCATIONS_HEADER.encode())
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(df) + 1
    kinds = df["Art"].value_counts().rows()
    assert dict(kinds)["Bürgeramt"] >= 4
    assert dict(kinds)["Mobiles Bürgeramt"] == dict(kinds)["Videoberatung"] == 1
    video = df.filter(pl.col("Standortnummer") == "VIDEO").row(0, named=True)
    assert video["Art"] == "Videoberatung"
    assert video["Stadtbezirk"] is video["Breitengrad"] is video["Längengrad"] is None
    offices = df.filter(pl.col("Art") == "Bürgeramt")
    assert offices["Breitengrad"].str.contains(r"^5\d,\d{4}$").all()
    lat = offices["Breitengrad"].str.replace(",", ".").cast(pl.Float64)
    lon = offices["Längengrad"].str.replace(",", ".").cast(pl.Float64)
    assert lat.is_between(50.3, 52.6).all() and lon.is_between(5.8, 9.5).all()  # NRW


# --- case file format -------------------------------------------------------------------


def test_cases_file_bytes(export: SampleExport, cases: pl.DataFrame) -> None:
    raw = export.cases_file.read_bytes()
    assert raw.startswith((";".join(CASES_COLUMNS) + "\r\n").encode("ascii"))
    assert b"\xfc" in raw and b"\xc3\xbc" not in raw  # ü as Windows-1252, not UTF-8
    assert b"Grundsteuer \x96 \xc4nderung" in raw  # the en dash exists in cp1252, not Latin-1
    assert raw.count(b"\n") == raw.count(b"\r\n") == export.cases_written + 1
    assert re.fullmatch(rb"\d{4}-\d{8};[^\r\n]*\r\n", raw[raw.rfind(b"\r\n", 0, -2) + 2 :])
    assert len(cases) == export.cases_written == 300_000
    assert tuple(cases.columns[: len(CASES_COLUMNS)]) == CASES_COLUMNS


def test_values_and_codes(cases: pl.DataFrame, good: pl.DataFrame) -> None:
    assert set(good["Eingangskanal"]) == ALL_CHANNELS
    assert set(cases["Status"]) == STATUSES
    assert cases["Sachbearbeitung"].str.contains(r"^MU-\d{3}$").all()
    assert cases["follow_ups"].min() == 0 and cases["follow_ups"].max() >= 2
    numbers = cases["Vorgangsnummer"]
    assert numbers.is_unique().all() and numbers.str.contains(r"^\d{4}-\d{8}$").all()
    year_ok = good["Vorgangsnummer"].str.slice(0, 4).cast(pl.Int32) == good["received"].dt.year()
    assert year_ok.all()
    assert good["Leistung"].is_in([s.code for s in SERVICES]).all()


def test_bad_rows(export: SampleExport, cases: pl.DataFrame) -> None:
    assert export.bad_rows == 60 == int(cases["bad"].sum())
    assert (cases["Leistung"] == "X999").sum() == 15
    assert (cases["Eingangskanal"] == "Fax").sum() == 15
    assert cases["Eingang am"].str.starts_with("31.02.").sum() == 15
    assert (cases["closed"] < cases["received"]).sum() == 15
    assert [bad_row_positions(n).size for n in (0, 1999, 2000, 9_999, 10_000, 25_000)] == [
        0, 0, 4, 4, 4, 5,
    ]  # fmt: skip


def test_rows_in_order_of_receipt(good: pl.DataFrame) -> None:
    received = good["received"]
    assert received.min() >= WINDOW[0] and received.max() < WINDOW[1]
    # ordered within each 250,000-row chunk; the seam may step back within one month
    backwards = (received.diff() < dt.timedelta(0)).sum()
    assert backwards <= 1
    assert window_start("2026-10", 24) == dt.date(2024, 11, 1)
    assert window_start("2025-01", 1) == dt.date(2025, 1, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        window_start("2026-13", 24)


def test_receipt_times(good: pl.DataFrame) -> None:
    counter = good.filter(pl.col("Eingangskanal").is_in([*IN_PERSON, "Post", "Telefon"]))
    assert counter["received"].dt.weekday().max() <= 5
    assert counter["received"].dt.hour().is_between(8, 17).all()
    assert counter.filter(pl.col("received").dt.date() == dt.date(2025, 12, 25)).height == 0
    online = good.filter(pl.col("online"))
    assert (online["received"].dt.hour() < 6).mean() > 0.02
    assert (online["received"].dt.weekday() == 7).mean() > 0.05


def test_status_and_completion(good: pl.DataFrame) -> None:
    is_open = good["Status"] == "in Bearbeitung"
    assert (is_open == good["closed"].is_null()).all()
    assert (
        good.filter(pl.col("Status").is_in(["abgelehnt", "zurückgezogen"]))["closed"].null_count()
        == 0
    )
    assert (good["closed"].drop_nulls() < WINDOW[1]).all()
    recent = good.filter(pl.col("received") >= WINDOW[1] - dt.timedelta(days=28))
    older = good.filter(pl.col("received") < WINDOW[1] - dt.timedelta(days=183))
    recent_open = (recent["Status"] == "in Bearbeitung").mean()
    older_open = (older["Status"] == "in Bearbeitung").mean()
    assert recent_open > 0.3 and older_open < 0.01
    assert 0.005 < (good["Status"] == "abgelehnt").mean() < 0.05
    assert 0.005 < (good["Status"] == "zurückgezogen").mean() < 0.05


# --- realism ----------------------------------------------------------------------------


def test_passport_season(good: pl.DataFrame) -> None:
    docs = good.filter(pl.col("Leistung").is_in(["L001", "L002"]))
    by_month = dict(docs.group_by(pl.col("received").dt.month()).len().rows())
    assert (by_month[5] + by_month[6]) / 2 >= 1.3 * by_month[1]


def test_online_take_up_rises(good: pl.DataFrame) -> None:
    first = good.filter(pl.col("received") < dt.datetime(2025, 5, 1))
    last = good.filter(pl.col("received") >= dt.datetime(2026, 5, 1))
    assert _online_share(last) - _online_share(first) > 0.08


def test_online_take_up_by_service(good: pl.DataFrame) -> None:
    share = dict(good.group_by("Leistungsbezeichnung").agg(pl.col("online").mean()).rows())
    for name in ("Sperrmüll anmelden", "Bewohnerparkausweis", "Führungszeugnis beantragen"):
        assert share[name] > 0.5, name
    assert 0 < share["Personalausweis beantragen"] < 0.01
    for s in SERVICES:
        if s.online_since is None:
            assert share[s.name] == 0.0, s.name


def test_online_take_up_by_district(good: pl.DataFrame) -> None:
    # district services other than the pilot's, so composition and pilot do not explain it
    district = good.filter(pl.col("Leistung").is_in(["L005", "L006", "L013", "L031"]))
    share = dict(district.group_by("Standort").agg(pl.col("online").mean()).rows())
    assert share["BA-SUED"] - share["BA-OST"] > 0.05


def test_no_online_case_before_online_since(good: pl.DataFrame) -> None:
    first_online = dict(
        good.filter(pl.col("online")).group_by("Leistung").agg(pl.col("received").min()).rows()
    )
    launched = 0
    for s in SERVICES:
        if s.online_since is None or s.code not in first_online:
            continue
        assert first_online[s.code].date() >= s.online_since, s.code
        if s.online_since > WINDOW[0].date():
            launched += 1
            before = good.filter(
                pl.col("Leistung") == s.code, pl.col("received").dt.date() < s.online_since
            )
            assert before.height > 0 and not before["online"].any()
    assert launched >= 3


def test_follow_ups_and_processing_by_channel(good: pl.DataFrame) -> None:
    kind = (
        pl.when(pl.col("online"))
        .then(pl.lit("online"))
        .when(pl.col("Eingangskanal").is_in(IN_PERSON))
        .then(pl.lit("in_person"))
        .otherwise(pl.col("Eingangskanal"))
    )
    stats = (
        good.with_columns(kind=kind)
        .group_by("kind")
        .agg(follow_up=(pl.col("follow_ups") > 0).mean(), median_days=pl.col("days").median())
    )
    s = {row[0]: row[1:] for row in stats.rows()}
    assert 0.18 < s["Post"][0] < 0.32
    assert 0.05 < s["online"][0] < 0.12
    assert 0.01 < s["in_person"][0] < 0.06
    assert s["Post"][1] > 2 * s["online"][1]
    # within one service too, so it is not only the mix of services
    elterngeld = (
        good.filter(pl.col("Leistung") == "L025")
        .group_by("Eingangskanal")
        .agg(pl.col("days").median())
    )
    m = dict(elterngeld.rows())
    assert m["Post"] > m["OZG-Portal"] + 5


def test_processing_time_by_service(good: pl.DataFrame) -> None:
    med = dict(good.group_by("Leistung").agg(pl.col("days").median()).rows())
    melde_in_person = good.filter(
        pl.col("Leistung") == "L005", pl.col("Eingangskanal").is_in(IN_PERSON)
    )
    assert melde_in_person["days"].median() < 1 / 24  # done while the citizen waits
    assert 18 <= med["L001"] <= 25  # Personalausweis: Bundesdruckerei, ~3 weeks
    assert med["L018"] > 28  # Wohngeld: weeks


def test_video_and_mobile_office(good: pl.DataFrame) -> None:
    video_channel = good["Eingangskanal"] == "Videoberatung"
    assert (video_channel == (good["Standort"] == "VIDEO")).all()
    mobile = good.filter(pl.col("Standort") == "MOBIL")
    assert set(mobile["Eingangskanal"]) == {"Vor Ort"}
    assert 0.002 < mobile.height / good.height < 0.03


def _did(df: pl.DataFrame, services: list[str], treated: list[str], start: dt.date) -> float:
    offices = df.filter(
        pl.col("Leistung").is_in(services), pl.col("Standort").str.starts_with("BA-")
    ).with_columns(
        treated=pl.col("Standort").is_in(treated),
        after=pl.col("received").dt.date() >= start,
    )
    share = {
        (t, a): v
        for t, a, v in offices.group_by("treated", "after").agg(pl.col("online").mean()).rows()
    }
    return 100 * (
        (share[True, True] - share[True, False]) - (share[False, True] - share[False, False])
    )


def test_pilot_difference_in_differences(good: pl.DataFrame) -> None:
    pilot = list(PILOT.service_codes)
    lift = _did(good, pilot, list(PILOT.location_codes), PILOT.start)
    assert abs(lift - PILOT.lift_pp) <= 3.0
    # placebos: other district services at the pilot offices, and a fake pilot elsewhere
    others = ["L005", "L006", "L013", "L031"]
    assert abs(_did(good, others, list(PILOT.location_codes), PILOT.start)) <= 3.0
    controls = ["BA-MITTE", "BA-SUED", "BA-OST"]
    no_pilot = good.filter(pl.col("Standort").is_in(controls))
    assert abs(_did(no_pilot, pilot, ["BA-SUED"], PILOT.start)) <= 3.0


# --- determinism and the committed example ---------------------------------------------------


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", cases=20_000, seed=7)
    b = generate(tmp_path / "b", cases=20_000, seed=7)
    c = generate(tmp_path / "c", cases=20_000, seed=8)
    assert _sha(a.cases_file) == _sha(b.cases_file) != _sha(c.cases_file)
    assert _sha(a.services_file) == _sha(c.services_file)
    assert a.bad_rows == 4 and a.cases_written == 20_000


def test_small_and_empty_exports(tmp_path: Path) -> None:
    empty = generate(tmp_path / "empty", cases=0)
    assert empty.cases_file.read_bytes() == (";".join(CASES_COLUMNS) + "\r\n").encode()
    assert empty.bad_rows == 0
    short = generate(tmp_path / "short", cases=500, months=3, end="2025-03")
    text = short.cases_file.read_bytes().decode("cp1252")
    df = pl.read_csv(io.StringIO(text), separator=";", infer_schema=False)
    received = df["Eingang am"].str.strptime(pl.Datetime, "%d.%m.%Y %H:%M")
    assert received.min() >= dt.datetime(2025, 1, 1) and received.max() < dt.datetime(2025, 4, 1)
    assert short.bad_rows == 0 and len(df) == 500


def test_committed_example_is_current(tmp_path: Path) -> None:
    """Refresh with generate(Path("sample_data/examples"), cases=2000); see sample_data."""
    fresh = generate(tmp_path, cases=2000)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(p.name for p in EXAMPLES.iterdir()) == written
    for path in (fresh.services_file, fresh.locations_file, fresh.cases_file,
                 *fresh.extra_files):
        committed = EXAMPLES / path.name
        assert committed.exists(), f"missing {committed}"
        assert committed.read_bytes() == path.read_bytes(), f"{committed} drifted; regenerate it"
    assert fresh.bad_rows == 4
