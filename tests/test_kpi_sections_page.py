"""The new sections on the pages, through Streamlit's AppTest on the hand-made Amtsstadt
(numbers computed by hand in tests/test_kpi_additions.py): open cases and the share within
the service's own target on "Leistungen", cost per transaction and staff hours freed at the
bottom of the "Überblick" — German formats, withheld small values, a missing and a broken
cost file."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from connectors.settings import Settings
from tests.conftest import import_dir
from tests.test_dashboard_overview import as_link
from tests.test_kpi_additions import AMTSSTADT

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
NB = "\u00a0"


@pytest.fixture
def amtsstadt(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    import_dir(AMTSSTADT, settings)
    monkeypatch.setenv("SERVICEPULS_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "test-key")
    monkeypatch.delenv("SERVICEPULS_LANGUAGE", raising=False)
    monkeypatch.delenv("SERVICEPULS_COSTS_FILE", raising=False)
    monkeypatch.setenv("SERVICEPULS_MIN_N", "1")
    return settings


def _open(page: str | None = None, lang: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if lang:
        at.query_params["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    if page is None:
        at.run()
    else:
        as_link(at, page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_services_page_shows_open_case_age_and_own_target(amtsstadt) -> None:  # noqa: ANN001
    at = _open("views/services.py", leistung="Wohnsitz anmelden")
    got = _metrics(at)
    # A1: open C10 (39 days) and C14 (28 days) on 31.03.2026; 5 of 7 completed in 3 days
    assert got["Alter offener Vorgänge (Median)"] == f"28{NB}Tage"
    assert got["Alter offener Vorgänge (90. Perzentil)"] == f"39{NB}Tage"
    assert got["Anteil im Servicestandard"] == f"71,4{NB}%"
    captions = _captions(at)
    assert "2 offene Vorgänge am 31.03.2026 (jüngstes Datum der Daten)" in captions
    assert ("Ziel: 3 Kalendertage · 7 abgeschlossene Vorgänge, Eingang Apr 2025 – Mär 2026"
            in captions)
    table = at.get("table")
    rows = [t.value for t in table if "Standort" in t.value.columns]
    assert len(rows) == 1
    assert rows[0].to_dict("records") == [
        {"Standort": "Bürgeramt Süd", "Alter offener Vorgänge (Median)": f"28{NB}Tage",
         "Alter offener Vorgänge (90. Perzentil)": f"39{NB}Tage", "Offene Vorgänge (n)": "2"}]


def test_services_page_withholds_small_values_and_says_when_there_is_no_target(
        amtsstadt, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SERVICEPULS_MIN_N", "5")
    at = _open("views/services.py", leistung="Sperrmüll anmelden")
    got = _metrics(at)
    assert got["Alter offener Vorgänge (Median)"] == f"<{NB}5"  # one open case
    assert got["Anteil im Servicestandard"] == "–"  # A3 has no target
    assert any("kein Bearbeitungsziel" in c for c in _captions(at))


def test_overview_says_what_take_up_counts_and_services_whether_online(amtsstadt) -> None:  # noqa: ANN001
    """Jan 2026: A2 and A3 counted (A2 without an online date), A1 (online from 15.02.)
    left out with its 3 cases; the page Leistungen names the online state of each service."""
    at = _open(von="2026-01", bis="2026-01")
    assert ("Abdeckung der Nutzungsquote im Jan 2026: 2 Leistungen gezählt, davon 1 ohne "
            "bekanntes Online-Datum (zählen in jedem Monat); nicht gezählt: 1 Leistungen mit 3 "
            "Vorgängen vor ihrem Online-Start oder laut Stammdaten nicht online."
            in _captions(at))
    for service, online in (("Wohnsitz anmelden", "online seit 15.02.2026"),
                            ("Hundesteuer anmelden", "Online-Datum unbekannt")):
        at = _open("views/services.py", leistung=service)
        assert any(c.endswith(f" · {online}") for c in _captions(at)), service


def test_a_service_never_online_is_said_so(settings, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "amtsstadt"
    shutil.copytree(AMTSSTADT, folder)
    path = folder / "leistungen.csv"
    path.write_bytes(path.read_bytes().replace(b"Hundesteuer;;10", b"Hundesteuer;nie;10"))
    import_dir(folder, settings)
    monkeypatch.setenv("SERVICEPULS_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "test-key")
    monkeypatch.setenv("SERVICEPULS_MIN_N", "1")
    at = _open("views/services.py", leistung="Hundesteuer anmelden")
    assert any(c.endswith(" · laut Stammdaten nicht online") for c in _captions(at))
    # Mär 2026: A1 (C13 C14) and A3 (C17) counted; A2 (C15 C16) left out
    at = _open(von="2026-03", bis="2026-03")
    assert ("Abdeckung der Nutzungsquote im Mär 2026: 2 Leistungen gezählt, davon 0 ohne "
            "bekanntes Online-Datum (zählen in jedem Monat); nicht gezählt: 1 Leistungen mit 2 "
            "Vorgängen vor ihrem Online-Start oder laut Stammdaten nicht online."
            in _captions(at))


def test_overview_ends_with_cost_and_staff_hours(amtsstadt) -> None:  # noqa: ANN001
    shutil.copy(AMTSSTADT / "kosten.toml", amtsstadt.data_dir / "kosten.toml")
    at = _open()
    got = _metrics(at)
    # 168 € / 16 transactions; 115 minutes freed = 1,92 hours
    assert got["Kosten je Vorgang"] == f"10,50{NB}€"
    assert got["Freigewordene Arbeitsstunden"] == f"1,9{NB}Std."
    assert at.main.subheader[-1].value == "Kosten und freigewordene Arbeitszeit"  # the last
    captions = _captions(at)
    # the default filters: the last 12 months, which the data (from Jan 2026) shorten
    assert "16 Vorgänge mit Kostensatz, Eingang Jan 2026 – Mär 2026" in captions
    assert any(c.startswith("1 Vorgänge von Kanälen ohne Kostensatz") for c in captions)
    assert any(c.startswith("Säulendiagramm der freigewordenen Arbeitsstunden je "
                            "Eingangsmonat von Jan 2026 bis Mär 2026") for c in captions)
    table = [t.value for t in at.table if "Vorgänge mit Kostensatz" in t.value.columns][0]
    assert len(table) == 3
    assert table.iloc[-1].to_dict() == {
        "Eingangsmonat": "Mär 2026", "Vorgänge mit Kostensatz": "4",
        "Kosten je Vorgang": f"12,00{NB}€", "Digitale Vorgänge": "2",
        "Freigewordene Arbeitsstunden": f"0,5{NB}Std."}


def _costs_expected(settings: Settings, **scope) -> dict:  # noqa: ANN003
    """cost_summary of the metrics for the same filters, formatted as the page does."""
    from connectors.db import get_engine
    from dashboard.formatting import fmt_value
    from metrics.costs import cost_summary, load_costs
    from metrics.cube import load_cube

    cube = load_cube(get_engine(settings))
    ids = {r["code"]: r["service_id"] for r in cube.services.to_dicts()} | {
        r["code"]: r["location_id"] for r in cube.locations.to_dicts()}
    for key in ("services", "locations"):
        if key in scope:
            scope[key] = [ids[c] for c in scope[key]]
    row = cost_summary(cube, load_costs(AMTSSTADT / "kosten.toml", cube.services),
                       **scope).row(0, named=True)
    return {"Kosten je Vorgang": fmt_value("cost_per_transaction", row["cost_per_transaction"],
                                           row["suppressed"], settings.min_n),
            "Freigewordene Arbeitsstunden": fmt_value("staff_hours_freed", row["hours_freed"],
                                                      row["hours_suppressed"], settings.min_n)}


def test_overview_costs_follow_the_global_filters(amtsstadt) -> None:  # noqa: ANN001
    """Bürgeramt Nord, Feb – Mär 2026 (?von=&bis=&standort=): C07 online 4 €, C08 in person
    20 €, C11 post 10 €, C13 online 4 €, C17 in person 20 € = 58 € / 5 = 11,60 €; C16
    (e-mail) has no rate; C07 and C13 (A1) free 2 × (20 − 5) = 30 minutes = 0,5 hours.
    Then only A1 in person (C08): 20,00 €, nothing freed."""
    import datetime as dt

    shutil.copy(AMTSSTADT / "kosten.toml", amtsstadt.data_dir / "kosten.toml")
    at = _open(von="2026-02", bis="2026-03", standort="N")
    got = {k: v for k, v in _metrics(at).items() if k in ("Kosten je Vorgang",
                                                          "Freigewordene Arbeitsstunden")}
    assert got == {"Kosten je Vorgang": f"11,60{NB}€",
                   "Freigewordene Arbeitsstunden": f"0,5{NB}Std."}
    assert got == _costs_expected(amtsstadt, first=dt.date(2026, 2, 1),
                                  last=dt.date(2026, 3, 1), locations=["N"])
    captions = _captions(at)
    assert "5 Vorgänge mit Kostensatz, Eingang Feb 2026 – Mär 2026" in captions
    assert any(c.startswith("1 Vorgänge von Kanälen ohne Kostensatz") for c in captions)
    table = [t.value for t in at.table if "Vorgänge mit Kostensatz" in t.value.columns][0]
    assert table["Eingangsmonat"].to_list() == ["Feb 2026", "Mär 2026"]
    assert table["Vorgänge mit Kostensatz"].to_list() == ["3", "2"]  # C07 C08 C11 | C13 C17
    # services and channels in the sidebar
    from connectors.db import get_engine
    from metrics.cube import load_cube

    a1 = load_cube(get_engine(amtsstadt)).services.filter(
        pl.col("code") == "A1")["service_id"][0]
    at.sidebar.multiselect(key="leistungen").set_value([a1])
    at.sidebar.multiselect(key="kanal").set_value(["in_person"]).run()
    assert not at.exception, [e.message for e in at.exception]
    got = {k: v for k, v in _metrics(at).items() if k in ("Kosten je Vorgang",
                                                          "Freigewordene Arbeitsstunden")}
    assert got == {"Kosten je Vorgang": f"20,00{NB}€",
                   "Freigewordene Arbeitsstunden": f"0,0{NB}Std."}
    assert got == _costs_expected(amtsstadt, first=dt.date(2026, 2, 1),
                                  last=dt.date(2026, 3, 1), locations=["N"], services=["A1"],
                                  channels=["in_person"])
    assert "1 Vorgänge mit Kostensatz, Eingang Feb 2026 – Mär 2026" in _captions(at)
    table = [t.value for t in at.table if "Vorgänge mit Kostensatz" in t.value.columns][0]
    assert table["Kosten je Vorgang"].to_list() == [f"20,00{NB}€", "–"]  # Mär: none, no 0 €


def test_overview_costs_with_the_default_minimum(amtsstadt, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SERVICEPULS_MIN_N", "5")
    shutil.copy(AMTSSTADT / "kosten.toml", amtsstadt.data_dir / "kosten.toml")
    at = _open(lang="en")
    got = _metrics(at)
    assert got["Cost per transaction"] == "10.50\u00a0€"
    assert got["Staff hours freed"] == "1.9\u00a0h"
    table = [t.value for t in at.table if "Transactions with a cost rate" in t.value.columns][0]
    jan = table[table["Month of receipt"] == "Jan 2026"].iloc[0].to_dict()
    # 6 transactions shown, only 2 digital: the hours of January are withheld
    assert (jan["Transactions with a cost rate"], jan["Digital transactions"],
            jan["Staff hours freed"]) == ("6", "<\u00a05", "<\u00a05")


def test_overview_explains_a_missing_and_a_broken_cost_file(amtsstadt) -> None:  # noqa: ANN001
    at = _open()
    assert any("Keine Kostendatei unter" in i.value for i in at.info)
    (amtsstadt.data_dir / "kosten.toml").write_text("[channel.online]\ncost_eur = -1\n",
                                                    encoding="utf-8")
    at = _open()
    assert any("hat 3 Fehler" in w.value for w in at.warning)
    assert "channel.online.cost_eur = -1: darf nicht negativ sein" in at.code[0].value
