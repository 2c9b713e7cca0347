"""The supply share (Angebotsquote) on the Leistungen page: offered online and end to end
online, by services and by transactions, with coverage, method, text alternative and table.

The hand-made store of ``tests/test_dashboard_overview`` with online dates set by hand:
Anmeldung online since 01.01.2020, Hundesteuer never ("nie"). Neither has stage attributes,
so end to end is unknown for both.

- Sep 2026 (``von=bis=2026-09``): only Anmeldung has cases (20) — offered online 1 of 1
  service (100,0 %), 20 of 20 transactions (100,0 %).
- Nov 2025 – Sep 2026: only Anmeldung has cases (23), but the period holds Aug 2026, a
  month its monthly series withholds (3 cases, "< 5"): 23 − Sep's 20 would give it back, so
  its count is "geschützt" (tests/test_services_page.py) and so is the share by
  transactions, 23 of 23, which would show it.
- Nov 2025 – Okt 2026 (the default): Anmeldung 43 cases, Hundesteuer 3 — 1 of 2 services
  (50,0 %). By transactions it would be 43 / 46 = 93,5 %, and 46 − 43 = 3 gives the
  withheld Hundesteuer back: each service is alone in its group (online / never online),
  so the share is withheld ("geschützt") like Anmeldung's count in the ranking.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import polars as pl
import pytest
from sqlalchemy import update

from connectors.db import get_engine
from connectors.settings import Settings
from connectors.store import NEVER_ONLINE, Service
from metrics.cube import load_cube
from metrics.ranking_protection import span_end
from metrics.supply import offer_flags, span_cases, span_supply, supply_side
from tests.test_dashboard_overview import fill_store, open_page, use_store

NB = "\u00a0"
run_page = partial(open_page, "views/services.py", query_after_click=True)


@pytest.fixture
def online_dates(settings: Settings) -> Settings:
    """The hand-made store (SQLite and PostgreSQL) with the online dates above."""
    fill_store(settings)
    with get_engine(settings).begin() as conn:
        for service_id, since in ((1, dt.date(2020, 1, 1)), (2, NEVER_ONLINE)):
            conn.execute(update(Service.__table__).where(Service.__table__.c.id == service_id)
                         .values(online_since=since))
    return settings


def supply_rows(at) -> dict[str, list[str]]:  # noqa: ANN001 - AppTest
    (frame,) = at.get_by_key("v_supply").table
    return {r["Kennzahl"]: [r["Anteil"], r["Online / mit bekanntem Stand"]]
            for r in frame.value.to_dict("records")}


def texts(at) -> str:  # noqa: ANN001 - AppTest
    return "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown])


def test_in_september_everything_is_shown(monkeypatch, online_dates):
    use_store(monkeypatch, online_dates)
    at = run_page(von="2026-09", bis="2026-09")
    assert not at.exception
    assert [s.value for s in at.subheader if s.value.startswith("Online-Angebot")] == [
        "Online-Angebot (Angebotsquote, Sep 2026 – Sep 2026)"]
    assert supply_rows(at) == {
        "Anteil online angebotener Leistungen": [f"100,0{NB}%", "1 von 1 Leistungen"],
        "Anteil online angebotener Leistungen (nach Vorgängen)": [
            f"100,0{NB}%", "20 von 20 Vorgängen"],
        "Anteil Ende-zu-Ende online angebotener Leistungen": ["kein bekannter Stand", "–"],
        "Anteil Ende-zu-Ende online angebotener Leistungen (nach Vorgängen)": [
            "kein bekannter Stand", "–"]}
    (chart,) = at.get_by_key("v_supply").get("plotly_chart")
    alt = chart.proto.alt
    assert alt == (
        "Textalternative: Online-Angebot der 1 Leistungen mit Vorgängen (Sep 2026 – Sep 2026) "
        "als Balken je Variante, nach Leistungen und nach Vorgängen. Online angeboten: "
        f"100,0{NB}% (1 von 1 Leistungen), nach Vorgängen 100,0{NB}%. Ende-zu-Ende online: "
        "kein bekannter Stand.")
    shown = texts(at)
    assert alt in shown
    assert "Abdeckung: 1 von 1 Leistungen mit Vorgängen haben einen bekannten Stand des " \
        "Online-Angebots, 0 von 1 einen bekannten Stand für Ende-zu-Ende" in shown
    assert "Methode: Stand des Angebots am 30.09.2026 (Ende des Zeitraums) laut Stammdaten." \
        in shown
    # Nov 2025 – Sep 2026: Anmeldung's count is withheld, and so is the share made of it
    at = run_page(von="2025-11", bis="2026-09")
    rows = supply_rows(at)
    assert rows["Anteil online angebotener Leistungen (nach Vorgängen)"] == [
        "geschützt", "geschützt"]
    assert rows["Anteil online angebotener Leistungen"] == [f"100,0{NB}%", "1 von 1 Leistungen"]
    assert "23 von 23" not in texts(at)


def test_with_october_the_share_by_transactions_is_protected(monkeypatch, online_dates):
    use_store(monkeypatch, online_dates)
    at = run_page()
    assert supply_rows(at) == {
        "Anteil online angebotener Leistungen": [f"50,0{NB}%", "1 von 2 Leistungen"],
        "Anteil online angebotener Leistungen (nach Vorgängen)": ["geschützt", "geschützt"],
        "Anteil Ende-zu-Ende online angebotener Leistungen": ["kein bekannter Stand", "–"],
        "Anteil Ende-zu-Ende online angebotener Leistungen (nach Vorgängen)": [
            "kein bekannter Stand", "–"]}
    assert "93,5" not in texts(at) and "43 von 46" not in texts(at)
    # the ranking withholds the same count the share would give away
    (frame,) = at.get_by_key("v_ranking").table
    cases = {r["Leistung"]: r["Vorgänge"] for r in frame.value.to_dict("records")}
    assert cases == {"Anmeldung einer Wohnung": "geschützt", "Hundesteuer": f"<{NB}5"}
    # English
    at = run_page(lang="en", von="2026-09", bis="2026-09")
    (frame,) = at.get_by_key("v_supply").table
    first = frame.value.to_dict("records")[1]
    assert first == {"Measure": "Share of services offered online (by transactions)",
                     "Share": "100.0%", "Online / with known state": "20 of 20 transactions"}


def test_equals_metrics_supply_on_the_sample_city(sample_store):
    """Over one month the span's shares are :func:`metrics.supply.supply_side` at the
    month grain (the same facts, every source once)."""
    cube = load_cube(get_engine(sample_store))
    month = cube.months[-1]
    got = span_supply(span_cases(cube, month, month), offer_flags(cube, span_end(month)))
    want = supply_side(cube, month, grain="month")
    rows = {(r["variant"], r["weighted"]): r for r in got.iter_rows(named=True)}
    assert rows["online", False]["value"] == pytest.approx(want["online_share"])
    assert (rows["online", False]["numerator"], rows["online", False]["denominator"]) == (
        want["online_services"], want["online_known"])
    assert rows["online", True]["value"] == pytest.approx(want["online_volume_share"])
    assert rows["online", True]["denominator"] == want["online_volume_known"]
    assert rows["end_to_end", False]["value"] is want["end_to_end_share"] is None
    assert 0 < rows["online", False]["value"] < 1
    assert got.filter(pl.col("kpi") == "online_offer_share")["services"][0] == want["services"]
