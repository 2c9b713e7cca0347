"""The satisfaction page through Streamlit's AppTest, on the hand-made survey of
tests/test_satisfaction.py (Kleinstadt master data + tests/data/umfrage, imported through the
LimeSurvey profile; SQLite and PostgreSQL).

Hand-checked numbers (see the table in tests/test_satisfaction.py; the survey's newest month is
Feb 2026, so "last 12 months" is Jan 2026 – Feb 2026):

- overall: 5 4 5 2 3 4 5 → n 7, top-2 5/7 = 71,4 % (Wilson 35,9–91,8 %), mean 4,0
  (2,9–5,0), score 0,75 (0,48–1,00); Feb 2026 alone has 3 ratings → "< 5".
- reachability: 4 5 3 4 2 4 → n 6, 66,7 % (30,0–90,3 %), mean 3,7 (2,6–4,8), score 0,67.
- clarity: 5 4 4 3 4 → n 5, 80,0 % (37,6–96,4 %), mean 4,0.
- appointments (4 ratings) and digital/analog (3) are withheld: "< 5".
- online, overall: 4 5 5 → n 3 → "< 5".
"""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from connectors.db import get_engine, upgrade
from connectors.importer import import_file
from connectors.profiles import resolve_profile
from connectors.settings import Settings
from dashboard.formatting import fmt_count, fmt_number, fmt_percent
from metrics.satisfaction import load_feedback, satisfaction
from tests.conftest import KLEINSTADT, import_dir
from tests.test_dashboard_overview import open_page, use_store
from tests.test_satisfaction import PERSONAL, UMFRAGE

PAGE = "views/satisfaction.py"
NB = "\u00a0"
LT5 = f"<{NB}5"
COMMENTS = [  # newest first, as scrubbed on import (tests/test_satisfaction.py)
    ("Feb 2026", "Vor Ort", "Danke"),
    ("Feb 2026", "Telefon", "Mobil [Telefonnummer entfernt], [Telefonnummer entfernt]"),
    ("Feb 2026", "Vor Ort", "Termin am 31.12.2025 um 10:30 Uhr"),
    ("Jan 2026", "Vor Ort", "Gebühr 1.234,50 € zurück auf [IBAN entfernt]"),
    ("Jan 2026", "Online", "Bitte an [E-Mail entfernt] antworten"),
    ("Jan 2026", "Vor Ort", "Schnell erledigt. Rückruf unter [Telefonnummer entfernt]"),
]


@pytest.fixture
def survey(kleinstadt: Settings) -> Settings:
    """Kleinstadt with the hand-made survey imported (30 ratings, 6 comments)."""
    import_file(UMFRAGE / "umfrage.csv", resolve_profile("musterstadt_umfrage"), kleinstadt)
    return kleinstadt


run_page = partial(open_page, PAGE)


def tiles(at: AppTest, key: str) -> list[str]:
    """The four tile values of one row: top-2 share, mean, GOV.UK score, n."""
    return [m.value for m in at.get_by_key(key).metric]


def intervals(at: AppTest, key: str) -> list[str]:
    return [c.value for c in at.get_by_key(key).caption if "ntervall" in c.value
            or "interval" in c.value]


def rows(at: AppTest, key: str) -> list[dict]:
    tables = at.get_by_key(key).table
    assert len(tables) == 1
    return tables[0].value.to_dict("records")


def texts(at: AppTest) -> str:
    return "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown]
                     + [w.value for w in at.warning] + [i.value for i in at.info])


def expected(settings: Settings, topic: str, lang: str = "de", **where: object) -> list[str]:
    """The window tiles straight from metrics.satisfaction, formatted."""
    frame = load_feedback(get_engine(settings)).filter(pl.col("topic") == topic, **where)
    row = satisfaction(frame, [], settings.min_n).row(0, named=True)
    if row["suppressed"]:
        return [LT5 if lang == "de" else "< 5"] * 3 + [
            fmt_count(row["n"], True, settings.min_n, lang)]
    return [fmt_percent(row["top2_share"], lang), fmt_number(row["mean_rating"], lang, 1),
            fmt_number(row["score"], lang, 2), fmt_number(row["n"], lang, 0)]


# --- nothing to show yet ------------------------------------------------------------------


@pytest.mark.parametrize("with_schema", [False, True], ids=["no-tables", "no-data"])
def test_empty_store_explains_how_to_import(monkeypatch, tmp_path, with_schema):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'none.db'}")
    if with_schema:
        upgrade(settings)
    use_store(monkeypatch, settings)
    at = run_page()
    assert at.title[0].value == "Zufriedenheit & Beteiligung"
    assert len(at.info) == 1
    info = at.info[0].value
    assert "Noch keine Daten" in info
    assert "`servicepuls import <Ordner mit umfrage.csv>`" in info
    assert not at.metric and not at.get("plotly_chart")


def test_cases_without_feedback_explain_how_to_import_the_survey(monkeypatch, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}",
                        pseudonymisation_key="test-key")
    import_dir(KLEINSTADT, settings)
    use_store(monkeypatch, settings)
    at = run_page()
    assert [i.value.split("\n")[0] for i in at.info] == ["**Noch keine Rückmeldungen importiert**"]
    assert "`servicepuls import <Ordner mit umfrage.csv>`" in at.info[0].value
    assert "LimeSurvey" in at.info[0].value
    assert not at.metric
    at = run_page(lang="en")
    assert "**No feedback imported yet**" in at.info[0].value
    assert "`servicepuls import <folder with umfrage.csv>`" in at.info[0].value


# --- the hand-made survey ---------------------------------------------------------------


def test_tiles_show_the_formatted_metrics(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page()
    assert at.sidebar.selectbox(key="thema").value == "overall"
    headings = [h.value for h in at.subheader]
    assert headings[:2] == ["Neuester Monat mit Daten: Feb 2026",
                            "Zeitraum: Jan 2026 – Feb 2026"]
    # Feb 2026: 3 overall ratings → everything withheld, the n as well
    assert tiles(at, "s_tiles_latest") == [LT5] * 4
    assert tiles(at, "s_tiles_window") == expected(survey, "overall")
    assert tiles(at, "s_tiles_window") == [f"71,4{NB}%", "4,0", "0,75", "7"]
    assert intervals(at, "s_tiles_window") == [
        f"95-%-Intervall: 35,9–91,8{NB}%", "95-%-Intervall: 2,9–5,0",
        "95-%-Intervall: 0,48–1,00"]
    assert [m.label for m in at.get_by_key("s_tiles_window").metric] == [
        "Anteil zufrieden (4–5 von 5)", "Mittlere Bewertung (1–5)", "GOV.UK-Score (0–1)",
        "Bewertungen (n)"]
    assert [w.value for w in at.warning] == [
        "Weniger als 5 Bewertungen (Feb 2026): Werte ausgeblendet, damit niemand erkennbar "
        "wird.",
        f"Nur 7 Bewertungen (Jan 2026 – Feb 2026): Der Wert ist unsicher, das 95-%-Intervall "
        f"ist breit (35,9–91,8{NB}%).",
    ]


@pytest.mark.parametrize(
    ("label", "topic", "window", "interval"),
    [
        ("Erreichbarkeit", "reachability", [f"66,7{NB}%", "3,7", "0,67", "6"],
         f"95-%-Intervall: 30,0–90,3{NB}%"),
        ("Verständlichkeit", "clarity", [f"80,0{NB}%", "4,0", "0,75", "5"],
         f"95-%-Intervall: 37,6–96,4{NB}%"),
        ("Terminvergabe", "appointments", [LT5] * 4, "95-%-Intervall: " + LT5),
    ],
)
def test_topic_from_the_url_changes_the_numbers(monkeypatch, survey, label, topic, window,
                                                interval):
    use_store(monkeypatch, survey)
    at = run_page(thema=label)
    assert at.sidebar.selectbox(key="thema").value == topic
    assert tiles(at, "s_tiles_window") == expected(survey, topic) == window
    assert intervals(at, "s_tiles_window")[0] == interval
    assert at.subheader[2].value == f"Anteil zufrieden im Zeitverlauf: {label}"


def test_channel_from_the_url_withholds_a_small_cell(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page(kanal="online")  # the global channel filter, by channel code
    assert at.sidebar.multiselect(key="kanal").value == ["online"]
    assert tiles(at, "s_tiles_window") == expected(survey, "overall", channel="online") \
        == [LT5] * 4
    assert rows(at, "s_comments_table") == [
        {"Monat": "Jan 2026", "Kanal": "Online",
         "Anmerkung": "Bitte an [E-Mail entfernt] antworten"}]


def test_location_from_the_url_filters_numbers_and_comments(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page(standort="A")  # the global location filter, by location code
    ort = at.sidebar.multiselect(key="standort")
    assert ort.options == ["Bürgeramt Mitte", "Videoberatung"]
    (location_id,) = ort.value
    # 101, 104, 105 rated "overall" at location A: 3 ratings → withheld
    assert tiles(at, "s_tiles_window") == expected(survey, "overall", location_id=location_id) \
        == [LT5] * 4
    assert [r["Anmerkung"] for r in rows(at, "s_comments_table")] == [
        c for _, where, c in COMMENTS if where == "Vor Ort"]


def test_comments_of_a_tiny_selection_are_withheld(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page(kanal="phone")  # one response (108) with two ratings
    with pytest.raises(KeyError):
        at.get_by_key("s_comments_table")
    assert "Anmerkungen werden für diese Auswahl nicht gezeigt: Sie beruht auf weniger als 5 " \
           "Bewertungen" in texts(at)
    assert "Mobil" not in texts(at)


def test_suppressed_months_and_topics_read_lt5(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page()
    trend = rows(at, "s_trend_table")
    assert [(r["Monat"], r["Anteil zufrieden"], r["Bewertungen (n)"], r["Hinweis"])
            for r in trend] == [
        ("Feb 2026", LT5, LT5, "ausgeblendet (weniger als 5 Bewertungen)"),
        ("Jan 2026", LT5, LT5, "ausgeblendet (weniger als 5 Bewertungen)")]
    topics = rows(at, "s_topics_table")
    assert [(r["Thema"], r["Anteil zufrieden"], r["95-%-Intervall"], r["Bewertungen (n)"])
            for r in topics] == [
        ("Verständlichkeit", f"80,0{NB}%", f"37,6–96,4{NB}%", "5"),
        ("Erreichbarkeit", f"66,7{NB}%", f"30,0–90,3{NB}%", "6"),
        ("Abläufe und Wartezeiten", f"40,0{NB}%", f"11,8–76,9{NB}%", "5"),
        ("Terminvergabe", LT5, LT5, LT5),
        ("Zusammenspiel digital/analog", LT5, LT5, LT5),
    ]
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    assert charts[0].proto.alt == (
        "Textalternative: Anteil zufrieden (Gesamtzufriedenheit): kein Monat mit mindestens 5 "
        "Bewertungen. 2 Monate ausgeblendet (weniger als 5 Bewertungen).")
    assert charts[1].proto.alt.startswith(
        "Textalternative: Anteil zufrieden je Thema (Jan 2026 – Feb 2026): Verständlichkeit "
        f"80,0{NB}% (95-%-Intervall 37,6–96,4{NB}%, n = 5); Erreichbarkeit")
    assert charts[1].proto.alt.endswith(f"Terminvergabe ausgeblendet (n {LT5}); "
                                        f"Zusammenspiel digital/analog ausgeblendet (n {LT5}).")
    page = texts(at)
    assert charts[0].proto.alt in page and charts[1].proto.alt in page  # visible text too
    assert "Ausgeblendet (weniger als 5 Bewertungen): Jan 2026, Feb 2026." in page
    assert "Methode: je Thema Anteil der Bewertungen 4–5 von 5" in page


def test_comments_are_the_scrubbed_ones_with_the_month_only(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page()
    shown = [(r["Monat"], r["Kanal"], r["Anmerkung"]) for r in rows(at, "s_comments_table")]
    assert shown == COMMENTS
    page = texts(at) + "\n".join(str(r) for r in rows(at, "s_comments_table"))
    assert "Personenbezogene Angaben werden vor dem Speichern entfernt" in page
    for needle in PERSONAL:
        assert needle not in page, needle
    assert "12.01.2026" not in page and "14.01." not in page  # no day of a response


def test_feed_back_section_invents_no_numbers(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page()
    assert at.subheader[-1].value == "Wie wurden Ergebnisse zurückgespielt?"
    text = at.markdown[-1].value
    assert "noch keine Daten" in text and "Open-Data-Feed" in text and "Issue 7" in text


def test_english(monkeypatch, survey):
    use_store(monkeypatch, survey)
    at = run_page(lang="en", thema="Reachability")
    assert at.title[0].value == "Satisfaction & participation"
    assert at.sidebar.selectbox(key="thema").label == "Topic"
    assert at.sidebar.selectbox(key="thema").value == "reachability"
    assert tiles(at, "s_tiles_window") == expected(survey, "reachability", "en") == [
        "66.7%", "3.7", "0.67", "6"]
    assert intervals(at, "s_tiles_window")[0] == "95% interval: 30.0–90.3%"
    assert [h.value for h in at.subheader][:2] == ["Latest month with data: Feb 2026",
                                                  "Period: Jan 2026 – Feb 2026"]
    assert rows(at, "s_comments_table")[0] == {"Month": "Feb 2026", "Channel": "In person",
                                               "Comment": "Danke"}
    assert at.subheader[-1].value == "How were results fed back?"
    assert at.query_params["lang"] == "en"


def test_sample_survey_smoke(monkeypatch, tmp_path):
    """The generated LimeSurvey export of the sample city: enough ratings for a full chart."""
    from sample_data.generate import write_locations, write_services
    from sample_data.survey import write_survey

    out = tmp_path / "export"
    out.mkdir()
    write_services(out / "leistungen.csv")
    write_locations(out / "standorte.csv")
    write_survey(out, responses=800, months=12)
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}",
                        pseudonymisation_key="test-key")
    import_dir(out, settings)
    use_store(monkeypatch, settings)
    at = run_page()
    frame = load_feedback(get_engine(settings))
    last = frame["month"].max()
    assert tiles(at, "s_tiles_latest") == expected(settings, "overall", month=last)
    assert tiles(at, "s_tiles_window") == expected(settings, "overall")
    assert len(rows(at, "s_trend_table")) == 12
    assert len(rows(at, "s_comments_table")) == 10
    assert not any("@" in r["Anmerkung"] for r in rows(at, "s_comments_table"))
