"""Citizen survey (LimeSurvey export): import through the profile, the satisfaction KPIs with
hand-computed values and intervals, small-cell suppression, privacy of free text, and the
sample city's survey (SQLite and PostgreSQL).

tests/data/umfrage/umfrage.csv — ten responses for Kleinstadt (services L1, L2; locations
A, V); ratings as the profile maps them (A1 = 1 … A5 = 5), "" = not answered:

    id   month  channel    loc  overall reach process appoint clarity digital  comment
    101  Jan    in_person  A    5       4     2       3       5       -        phone
    102  Jan    online     -    4       -     4       -       4       5        e-mail
    103  Jan    online     -    5       5     -       -       4       4
    104  Jan    in_person  A    2       3     1       2       3       -        IBAN, amount
    105  Feb    in_person  A    3       -     3       4       -       -        date, time
    106  Feb    video      V    4       4     5       -       4       3
    107  Feb    online     -    5       -     -       -       -       -
    108  Feb    phone      -    -       2     -       1       -       -        2 phones
    109  Feb    online     -    4       -     -       -       5       -        (service L9)
    110  Feb    in_person  A    "A7"    4     -       "6"     -       -        "Danke"

34 answered cells = 34 records read; rejected: 109's two (unknown service L9), 110's "A7"
(not a code of the list) and its "6" (outside 1–5) → 30 stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.importer import import_file
from connectors.profiles import profiles_for, resolve_profile
from connectors.settings import Settings
from connectors.store import Feedback, Location, RejectedRow
from metrics.satisfaction import comments, load_feedback, satisfaction, t975
from tests.conftest import KLEINSTADT, import_dir

UMFRAGE = Path(__file__).parent / "data" / "umfrage"
PROFILE = "musterstadt_umfrage"
JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
PERSONAL = ["max.mustermann@example.de", "mustermann", "0211 123456", "123456",
            "DE89 3704 0044 0532 0130 00", "DE89", "0532 0130", "0171/1234567", "1234567",
            "+49 211"]


def _import(settings: Settings, path: Path = UMFRAGE / "umfrage.csv", **kw):  # noqa: ANN202
    return import_file(path, resolve_profile(PROFILE), settings, **kw)


def test_only_the_responses_match_the_profile_not_the_code_list() -> None:
    assert [p.name for p in profiles_for(UMFRAGE / "umfrage.csv")] == [PROFILE]
    assert profiles_for(UMFRAGE / "umfrage_codes.csv") == []


def test_import_unpivots_topics_rejects_bad_codes_and_keeps_one_comment(kleinstadt) -> None:
    result = _import(kleinstadt)
    assert (result.rows_read, result.inserted, result.updated, result.duplicate,
            result.rejected) == (34, 30, 0, 0, 4)
    with get_engine(kleinstadt).connect() as conn:
        topics = dict(conn.execute(select(Feedback.topic, func.count())
                                   .group_by(Feedback.topic)).all())
        responses = conn.execute(select(func.count(Feedback.response_key.distinct()))).scalar()
        notes = conn.execute(select(Feedback.submitted_on, Feedback.topic, Feedback.comment)
                             .where(Feedback.comment.is_not(None))).all()
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column, RejectedRow.reason)
                           .where(RejectedRow.import_run_id == result.run_id)
                           .order_by(RejectedRow.row_number, RejectedRow.id)).all()
    assert topics == {"overall": 7, "reachability": 6, "process_waiting": 5, "appointments": 4,
                      "clarity": 5, "digital_analog": 3}
    assert responses == 9  # 101–108 and 110; 109 was rejected whole
    # One comment per response, on "overall" — or the first answered topic without it.
    assert sorted(notes) == [
        (dt.date(2026, 1, 12), "overall", "Schnell erledigt. Rückruf unter "
                                          "[Telefonnummer entfernt]"),
        (dt.date(2026, 1, 14), "overall", "Bitte an [E-Mail entfernt] antworten"),
        (dt.date(2026, 1, 22), "overall", "Gebühr 1.234,50 € zurück auf [IBAN entfernt]"),
        (dt.date(2026, 2, 3), "overall", "Termin am 31.12.2025 um 10:30 Uhr"),
        (dt.date(2026, 2, 11), "reachability",
         "Mobil [Telefonnummer entfernt], [Telefonnummer entfernt]"),
        (dt.date(2026, 2, 13), "reachability", "Danke"),
    ]
    assert [(r.row_number, r.column) for r in bad] == [
        (10, "Leistung"), (10, "Leistung"), (11, "Wert"), (11, "Wert")]
    assert "'L9' ist keine bekannte Leistung" in bad[0].reason
    assert "'A7' ist keine ganze Zahl" in bad[2].reason
    assert "Wert: größer als 5" in bad[3].reason  # the mapping's bound for rating


def test_reimport_adds_nothing_and_a_corrected_export_updates(kleinstadt, tmp_path) -> None:
    _import(kleinstadt)
    assert _import(kleinstadt).skipped
    again = _import(kleinstadt, force=True)
    assert (again.inserted, again.updated, again.duplicate, again.rejected) == (0, 0, 30, 4)
    text = (UMFRAGE / "umfrage.csv").read_text(encoding="utf-8-sig")
    # 104's overall rating corrected 2 → 3, and 107 a second time with another rating
    text = text.replace('"A2";"A3";"A1";"A2";"A3";"";"Gebühr',
                        '"A3";"A3";"A1";"A2";"A3";"";"Gebühr')
    text += '"107";"10.02.2026 16:00";"1";"L2";"";"Online";"A4";"";"";"";"";"";""\r\n'
    path = tmp_path / "umfrage.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    result = _import(kleinstadt, path)
    assert (result.rows_read, result.inserted, result.updated, result.duplicate,
            result.rejected) == (35, 0, 1, 29, 5)
    with get_engine(kleinstadt).connect() as conn:
        overall = conn.execute(select(Feedback.submitted_on, Feedback.rating)
                               .where(Feedback.topic == "overall")).all()
        conflict = conn.execute(select(RejectedRow.row_number, RejectedRow.reason)
                                .where(RejectedRow.import_run_id == result.run_id,
                                       RejectedRow.column == "response")).one()
    assert (dt.date(2026, 1, 22), 3) in overall and (dt.date(2026, 2, 10), 5) in overall
    assert conflict.row_number == 12 and "mehrfach" in conflict.reason
    assert _count(kleinstadt) == 30


def test_satisfaction_by_topic_hand_computed(kleinstadt) -> None:
    _import(kleinstadt)
    got = {r["topic"]: r for r in satisfaction(load_feedback(get_engine(kleinstadt)),
                                               ["topic"], min_n=5).to_dicts()}
    # overall: 5 4 5 2 3 4 5 → n 7, top-2 5/7, mean 28/7 = 4, score (4 − 1)/4 = 0.75.
    # Wilson, z = 1.959964, z² = 3.841459, p = 5/7 = 0.714286:
    #   centre = (p + z²/2n) / (1 + z²/n) = (0.714286 + 0.274390) / 1.548780 = 0.638358
    #   half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)
    #          = 1.265491 · √(0.029155 + 0.019599) = 1.265491 · 0.220803 = 0.279423
    #   → [0.358934, 0.917781]
    # Mean, Student t: s = √(8/6) = 1.154701, s/√7 = 0.436436, t(0.975, 6) = 2.446912,
    #   half = 1.067920 → [2.932080, 5.067920], clipped to the scale: [2.932080, 5]
    o = got["overall"]
    assert (o["n"], o["suppressed"]) == (7, False)
    assert o["top2_share"] == pytest.approx(5 / 7)
    assert (o["top2_lo"], o["top2_hi"]) == pytest.approx((0.358934, 0.917781), abs=1e-6)
    assert (o["mean_rating"], o["score"]) == pytest.approx((4.0, 0.75))
    assert (o["mean_lo"], o["mean_hi"]) == pytest.approx((2.932080, 5.0), abs=1e-6)
    assert (o["score_lo"], o["score_hi"]) == pytest.approx((0.483020, 1.0), abs=1e-6)
    # reachability: 4 5 3 4 2 4 → n 6, top-2 4/6, mean 22/6; Wilson: centre =
    #   (0.666667 + 0.320122) / 1.640243 = 0.601611, half = 0.301618 → [0.299993, 0.903229];
    #   t(0.975, 5) = 2.570582 · 1.032796/√6 = 1.083853 → [2.582814, 4.750519]
    r = got["reachability"]
    assert (r["n"], r["top2_share"], r["mean_rating"]) == pytest.approx((6, 4 / 6, 22 / 6))
    assert (r["top2_lo"], r["top2_hi"]) == pytest.approx((0.299993, 0.903229), abs=1e-6)
    assert (r["mean_lo"], r["mean_hi"]) == pytest.approx((2.582814, 4.750519), abs=1e-6)
    # process_waiting: 2 4 1 3 5 → top-2 2/5, mean 3, score 0.5; Wilson [0.117621, 0.769276]
    p = got["process_waiting"]
    assert (p["n"], p["top2_share"], p["mean_rating"], p["score"]) == (5, 0.4, 3.0, 0.5)
    assert (p["top2_lo"], p["top2_hi"]) == pytest.approx((0.117621, 0.769276), abs=1e-6)
    # clarity: 5 4 4 3 4 → top-2 4/5, mean 4; Wilson [0.375535, 0.963776]
    c = got["clarity"]
    assert (c["n"], c["top2_share"], c["mean_rating"]) == (5, 0.8, 4.0)
    assert (c["top2_lo"], c["top2_hi"]) == pytest.approx((0.375535, 0.963776), abs=1e-6)
    # fewer than 5 ratings: n is shown, every value withheld
    for topic, n in (("appointments", 4), ("digital_analog", 3)):
        row = got[topic]
        assert (row["n"], row["suppressed"]) == (n, True)
        assert all(row[k] is None for k in ("top2_share", "top2_lo", "mean_rating", "score",
                                            "mean_hi"))


def test_satisfaction_by_channel_month_and_location(kleinstadt) -> None:
    _import(kleinstadt)
    engine = get_engine(kleinstadt)
    overall = load_feedback(engine).filter(pl.col("topic") == "overall")
    by_channel = {r["channel"]: r for r in satisfaction(overall, ["channel"], 3).to_dicts()}
    assert {k: (v["n"], v["suppressed"]) for k, v in by_channel.items()} == {
        "in_person": (3, False), "online": (3, False), "video": (1, True)}
    # online 4 5 5: top-2 3/3 — Wilson's upper bound is exactly 1, lower = 0.719251 −
    # 0.280749 = 0.438503; mean 14/3, t(0.975, 2) = 4.302653 · 0.57735/√3 → [3.232449, 5]
    on = by_channel["online"]
    assert (on["top2_share"], on["top2_hi"]) == (1.0, 1.0)
    assert on["top2_lo"] == pytest.approx(0.438503, abs=1e-6)
    assert (on["mean_rating"], on["mean_lo"], on["mean_hi"]) == pytest.approx(
        (14 / 3, 3.232449, 5.0), abs=1e-6)
    assert by_channel["in_person"]["mean_rating"] == pytest.approx(10 / 3)  # 5 2 3
    by_month = satisfaction(overall, ["month"], 5).sort("month")
    assert by_month.select("month", "n", "suppressed").rows() == [(JAN, 4, True), (FEB, 3, True)]
    assert by_month.get_column("top2_share").null_count() == 2
    total = satisfaction(overall, [], 5).to_dicts()
    assert [(t["n"], t["mean_rating"]) for t in total] == [(7, 4.0)]
    with engine.connect() as conn:
        loc_a = conn.execute(select(Location.id).where(Location.code == "A")).scalar()
    cells = satisfaction(load_feedback(engine), ["location_id", "topic"], 1)
    a = cells.filter(pl.col("location_id") == loc_a,
                     pl.col("topic") == "overall").row(0, named=True)
    assert (a["n"], a["mean_rating"]) == (3, pytest.approx(10 / 3))  # 101, 104, 105
    with pytest.raises(ValueError, match="rating"):
        satisfaction(overall, ["rating"], 5)


def test_comments_for_display(kleinstadt) -> None:
    _import(kleinstadt)
    engine = get_engine(kleinstadt)
    shown = comments(engine, limit=3)
    assert shown.get_column("comment").to_list() == [
        "Danke", "Mobil [Telefonnummer entfernt], [Telefonnummer entfernt]",
        "Termin am 31.12.2025 um 10:30 Uhr"]
    assert shown.get_column("month").to_list() == [FEB, FEB, FEB]  # the month, not the day
    online = comments(engine, channel="online")
    assert online.get_column("comment").to_list() == ["Bitte an [E-Mail entfernt] antworten"]
    assert comments(engine, until=dt.date(2026, 1, 31)).height == 3


def test_no_personal_data_of_comments_in_the_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}",
                        pseudonymisation_key="k")
    import_dir(KLEINSTADT, settings)
    import_dir(UMFRAGE, settings)
    get_engine(settings).dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    assert "Gebühr 1.234,50 €".encode() in blob  # the comment is there …
    for needle in PERSONAL:  # … its personal data is not
        assert needle.encode("utf-8") not in blob, needle


def test_no_personal_data_of_rejected_rows_in_the_quarantine(kleinstadt, tmp_path) -> None:
    text = (UMFRAGE / "umfrage.csv").read_text(encoding="utf-8-sig")
    text = text.replace('"L9";"";"Online";"A4";"";"";"";"A5";"";""',
                        '"L9";"";"Online";"A4";"";"";"";"A5";"";"Antwort an a.b@example.org"')
    path = tmp_path / "umfrage.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    result = _import(kleinstadt, path)
    with get_engine(kleinstadt).connect() as conn:
        raws = conn.execute(select(RejectedRow.raw)
                            .where(RejectedRow.import_run_id == result.run_id)).scalars().all()
    assert all("example.org" not in json.loads(r).get("Anmerkungen", "") for r in raws)


def test_sample_survey_imports_completely(settings, tmp_path: Path) -> None:
    from sample_data.generate import write_locations, write_services
    from sample_data.survey import COMMENT, QUESTIONS, write_survey

    out = tmp_path / "export"
    out.mkdir()
    write_services(out / "leistungen.csv")
    write_locations(out / "standorte.csv")
    path = write_survey(out, responses=3000, months=12)
    assert write_survey(tmp_path / "again", responses=3000, months=12).read_bytes() \
        == path.read_bytes()  # deterministic
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    cells = sum(1 for r in rows for q in QUESTIONS if r[q[0]])
    with_comment = sum(1 for r in rows if r[COMMENT])
    results = {r.file.name: r for r in import_dir(out, settings)}
    survey = results["umfrage.csv"]
    assert "umfrage_codes.csv" not in results
    assert (len(rows), survey.rows_read, survey.inserted, survey.rejected) == (
        3000, cells, cells, 0)
    assert _count(settings) == cells
    with get_engine(settings).connect() as conn:
        assert conn.execute(select(func.count(Feedback.response_key.distinct()))).scalar() \
            == 3000
        assert conn.execute(select(func.count(Feedback.comment))).scalar() == with_comment
        stored = " ".join(conn.execute(select(Feedback.comment)
                                       .where(Feedback.comment.is_not(None))).scalars())
    assert "@" not in stored and "DE89" not in stored and "0171/" not in stored
    assert "[E-Mail entfernt]" in stored and "[IBAN entfernt]" in stored
    again = import_file(path, resolve_profile(PROFILE), settings, force=True)
    assert (again.inserted, again.updated, again.duplicate, again.rejected) == (0, 0, cells, 0)
    assert _count(settings) == cells
    # The assumed truth shows: online more satisfied than in person; small cells exist.
    overall = load_feedback(get_engine(settings)).filter(pl.col("topic") == "overall")
    share = dict(satisfaction(overall, ["channel"], 5).select("channel", "top2_share").rows())
    assert share["online"] > share["in_person"] + 0.05
    small = satisfaction(overall, ["month", "location_id"], 5)
    assert small.get_column("suppressed").any() and not small.get_column("suppressed").all()


def test_t_quantiles() -> None:
    assert t975(1) == pytest.approx(12.706205)
    assert t975(30) == pytest.approx(2.042272)
    assert t975(31) == pytest.approx(2.039513, abs=1e-6)  # expansion, just past the table
    assert t975(10_000) == pytest.approx(1.960201, abs=1e-6)
    with pytest.raises(ValueError):
        t975(0)


def _count(settings: Settings) -> int:
    with get_engine(settings).connect() as conn:
        return conn.execute(select(func.count()).select_from(Feedback)).scalar_one()


# --- what a window or a filter would give away (metrics.satisfaction.guarded, span_withheld) --


def _ratings(rows: list[tuple[str, int, int, int]]) -> pl.DataFrame:
    """month, location, ratings, of them 4 or 5 → one row per rating (topic overall)."""
    out = []
    for month, location, n, top in rows:
        year, mon = map(int, month.split("-"))
        out += [{"month": dt.date(year, mon, 1), "service_id": 1, "location_id": location,
                 "channel": "in_person", "topic": "overall", "rating": 5 if i < top else 2}
                for i in range(n)]
    return pl.DataFrame(out)


def test_a_window_cannot_give_back_a_withheld_month():
    """Jan 2026 12 ratings (10 at A, 2 at B), Feb 3 (1 good), Mar 10 (5 good): Feb is "< 5"
    in the monthly series, and alone a window's total minus the shown months would give it
    back — so its nearest month, Mar (28 days; Jan is 31), is withheld beside it
    ("geschützt"): 13 = Feb + Mar with Feb 1 … 4 leaves Mar 9 … 12, 6 good of 13 are neither
    none nor all. A window holding both shows its total (Jan–Mar, Feb–Mar), one holding Feb
    alone does not (Jan–Feb: 15 − 12 = 3)."""
    from metrics.satisfaction import monthly, span_withheld

    frame = _ratings([("2026-01", 1, 10, 8), ("2026-01", 2, 2, 1), ("2026-02", 1, 3, 1),
                      ("2026-03", 1, 10, 5)])
    jan, feb, mar = (dt.date(2026, m, 1) for m in (1, 2, 3))
    got = monthly(frame, ["topic"], 5, {}).sort("month")
    assert got.select("month", "n", "top2", "suppressed", "protected").rows() == [
        (jan, 12, 9, False, False), (feb, 3, 1, True, False), (mar, 10, 5, True, True)]
    assert got["top2_share"].to_list() == [pytest.approx(9 / 12), None, None]
    assert span_withheld(frame, ["topic"], jan, mar, 5, {}) == set()
    assert span_withheld(frame, ["topic"], feb, mar, 5, {}) == set()
    assert span_withheld(frame, ["topic"], jan, feb, 5, {}) == {("overall",)}
    assert span_withheld(frame, ["topic"], jan, jan, 5, {}) == set()
    # Feb and Mar all good instead: 13 good of 13 would say every one was — Jan joins (the
    # nearest shown month left): 9 + 3 + 10 = 22 good of 25
    good = _ratings([("2026-01", 1, 10, 8), ("2026-01", 2, 2, 1), ("2026-02", 1, 3, 3),
                     ("2026-03", 1, 10, 10)])
    assert monthly(good, ["topic"], 5, {}).sort("month")["suppressed"].to_list() == [
        True, True, True]
    # two withheld months and nothing else to give: their sum (3 + 4) pins neither down
    # (each 1 … 4) and 1 + 3 good of 7 are neither none nor all — no partner needed
    two = _ratings([("2026-01", 1, 10, 8), ("2026-02", 1, 3, 1), ("2026-03", 1, 4, 3)])
    assert monthly(two, ["topic"], 5, {}).sort("month")["suppressed"].to_list() == [
        False, True, True]
    assert span_withheld(two, ["topic"], jan, mar, 5, {}) == set()
    assert span_withheld(two, ["topic"], feb, feb, 5, {}) == {("overall",)}


def test_a_location_filter_cannot_give_back_a_small_location():
    """Jan 2026: A 10 ratings, B 2. "Only A" beside "all" (12) would give B's 2 back: A's Jan
    is withheld as B's partner ("geschützt": 10 ratings); Feb (A 3) is small; Mar (A 10,
    nobody else) is shown."""
    from metrics.satisfaction import guarded

    frame = _ratings([("2026-01", 1, 10, 8), ("2026-01", 2, 2, 1), ("2026-02", 1, 3, 1),
                      ("2026-03", 1, 10, 5)])
    got = guarded(frame, ["month"], 5, {"location_id": [1]}).sort("month")
    assert got.select("month", "n", "suppressed", "protected").rows() == [
        (dt.date(2026, 1, 1), 10, True, True), (dt.date(2026, 2, 1), 3, True, False),
        (dt.date(2026, 3, 1), 10, False, False)]
    assert got["top2_share"].to_list() == [None, None, 0.5]
    everything = guarded(frame, ["month"], 5, {}).sort("month")  # no filter: the table's own
    assert everything["suppressed"].to_list() == [False, True, False]
    assert everything["top2_share"][0] == pytest.approx(9 / 12)
