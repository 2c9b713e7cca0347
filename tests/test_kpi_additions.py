"""Take-up of services only while online, open-case age, share within the service's own target,
cost per transaction and staff hours freed, the catalogue as data, and suppression that
survives subtraction — against the hand-made Amtsstadt (tests/data/amtsstadt), computed by
hand below, on SQLite and PostgreSQL.

Amtsstadt: A1 Wohnsitz anmelden (online since 15.02.2026, target 3 days), A2 Hundesteuer
(no online date, target 10 days), A3 Sperrmüll (online since 2020, no target); offices N, S.

    month  case  svc loc channel           received → completed  days  status
    Jan    C01   A1  N   in person         05.01 → 06.01          1
           C02   A1  N   post              07.01 → 12.01          5
           C03   A1  S   assisted digital  08.01 → 09.01          1
           C04   A2  N   online            10.01 → 15.01          5
           C05   A2  S   in person         12.01 → 30.01         18
           C06   A3  N   online            14.01 → 14.01          0
    Feb    C07   A1  N   online            16.02 → 18.02          2
           C08   A1  N   in person         17.02 → 17.02          0
           C09   A1  S   assisted digital  18.02 → 19.02          1
           C10   A1  S   online            20.02                        open
           C11   A2  N   post              03.02                        open
           C12   A3  S   online            05.02 → 20.02         15
    Mar    C13   A1  N   online            02.03 → 09.03          7
           C14   A1  S   online            03.03                        open
           C15   A2  S   in person         04.03 → 05.03          1
           C16   A2  N   e-mail            10.03 → 31.03         21
           C17   A3  N   in person         16.03                        open
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from connectors.db import get_engine
from metrics.catalogue import CATALOGUE, KPIS, listing, validate
from metrics.costs import CostConfigError, cost_summary, load_costs, read_costs
from metrics.cube import load_cube
from metrics.disclosure import guard_selection, pools, protect_table
from metrics.facts import take_up_coverage
from metrics.kpis import compute, suppress_complementary
from metrics.overview import trend
from tests.conftest import TESTS, import_dir

AMTSSTADT = TESTS / "data" / "amtsstadt"
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def cube(settings):  # noqa: ANN001, ANN201
    import_dir(AMTSSTADT, settings)
    return load_cube(get_engine(settings))


def _ids(cube) -> dict[str, int]:  # noqa: ANN001
    return {r["code"]: r["service_id"] for r in cube.services.to_dicts()} | {
        r["code"]: r["location_id"] for r in cube.locations.to_dicts()}


# --- 1. digital take-up counts a service only while it was online ----------------------------


def test_take_up_leaves_out_months_before_a_service_went_online(cube) -> None:  # noqa: ANN001
    # Jan: A1 (not online before 15.02) left out → C04, C05, C06: 2 online of 3, not 2 of 6.
    # Feb: A1 counts from the month it went online: C07, C10, C12 online of 6 (C09 assisted).
    # Mar: C13, C14 online of 5.
    got = {r["month"]: (r["numerator"], r["n"]) for r in compute("digital_take_up", cube)
           .to_dicts()}
    assert got == {JAN: (2, 3), FEB: (3, 6), MAR: (2, 5)}
    ids = _ids(cube)
    by_service = {r["service_id"]: (r["numerator"], r["n"])
                  for r in compute("digital_take_up", cube, ("service_id",)).to_dicts()}
    assert by_service == {ids["A1"]: (4, 6), ids["A2"]: (1, 5), ids["A3"]: (2, 3)}
    year = compute("digital_take_up", cube, ("period",), grain="year").row(0, named=True)
    assert (year["period"], year["numerator"], year["n"]) == (JAN, 7, 14)
    assert year["value"] == pytest.approx(0.5)


def test_assisted_digital_is_counted_but_never_digital(cube) -> None:  # noqa: ANN001
    """C09 (Feb, assisted digital) is in the denominator only; C03 (Jan) is left out with A1."""
    from connectors.store import DIGITAL_CHANNELS

    assert "assisted_digital" not in DIGITAL_CHANNELS
    feb = compute("digital_take_up", cube, ("channel",), services=[_ids(cube)["A1"]])
    assert {r["channel"]: (r["numerator"], r["n"]) for r in feb.to_dicts()} == {
        "online": (4, 4), "in_person": (0, 1), "assisted_digital": (0, 1)}


def test_take_up_coverage_says_what_was_left_out(cube) -> None:  # noqa: ANN001
    got = take_up_coverage(cube).to_dicts()
    assert got == [
        {"period": JAN, "services_counted": 2, "services_not_yet_online": 1,
         "cases_not_yet_online": 3, "services_without_date": 1},
        {"period": FEB, "services_counted": 3, "services_not_yet_online": 0,
         "cases_not_yet_online": 0, "services_without_date": 1},
        {"period": MAR, "services_counted": 3, "services_not_yet_online": 0,
         "cases_not_yet_online": 0, "services_without_date": 1},
    ]
    year = take_up_coverage(cube, "year").row(0, named=True)
    # over the year A1 has months online, so it is counted and also partly left out
    assert (year["services_counted"], year["services_not_yet_online"],
            year["cases_not_yet_online"]) == (3, 1, 3)


def test_take_up_without_any_online_date_is_unchanged(cube) -> None:  # noqa: ANN001
    no_dates = replace(cube, services=cube.services.with_columns(
        online_since=pl.lit(None, pl.Date)))
    got = {r["month"]: (r["numerator"], r["n"]) for r in compute("digital_take_up", no_dates)
           .to_dicts()}
    assert got == {JAN: (2, 6), FEB: (3, 6), MAR: (2, 5)}


@pytest.mark.parametrize(("a2", "expected", "left_out"), [
    # "nie": A2 is not online — its cases count nowhere. Jan: only C06 (A3) → 1 of 1;
    # Feb: A1 C07 C08 C09 C10 + A3 C12 → 3 of 5; Mär: C13 C14 (A1), C17 (A3) → 2 of 3.
    ("nie", {JAN: (1, 1), FEB: (3, 5), MAR: (2, 3)}, (1, 2, 5, 0)),
    # "unbekannt" (or an empty cell): no date known — counted in every month, as before
    ("unbekannt", {JAN: (2, 3), FEB: (3, 6), MAR: (2, 5)}, (2, 1, 3, 1)),
])
def test_never_online_is_left_out_unknown_is_counted(settings, tmp_path, a2, expected,
                                                     left_out) -> None:  # noqa: ANN001
    """The master data's "Online seit" says a date, "nie" (never online) or nothing known
    ("unbekannt" / empty); take-up, its coverage note and the supply side follow."""
    from connectors.store import NEVER_ONLINE
    from metrics.supply import supply_side

    folder = tmp_path / "amtsstadt"
    folder.mkdir()
    for f in AMTSSTADT.iterdir():
        text = f.read_bytes()
        if f.name == "leistungen.csv":
            text = text.replace(b"Steueramt;Hundesteuer;;10",
                                f"Steueramt;Hundesteuer;{a2.upper()};10".encode())
        (folder / f.name).write_bytes(text)
    import_dir(folder, settings)
    cube = load_cube(get_engine(settings))
    since = dict(cube.services.select("code", "online_since").rows())
    assert since["A2"] == (NEVER_ONLINE if a2 == "nie" else None)
    got = {r["month"]: (r["numerator"], r["n"]) for r in compute("digital_take_up", cube)
           .to_dicts()}
    assert got == expected
    jan = take_up_coverage(cube).row(0, named=True)
    assert (jan["services_counted"], jan["services_not_yet_online"],
            jan["cases_not_yet_online"], jan["services_without_date"]) == left_out
    # supply side, year 2026: A1 and A3 online by its end; A2 not ("nie") or not known
    supply = supply_side(cube, JAN, grain="year")
    assert (supply["online_services"], supply["online_known"]) == (2, 3 if a2 == "nie" else 2)


def test_an_unreadable_online_date_names_the_words_it_takes(settings, tmp_path) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from connectors.store import RejectedRow

    folder = tmp_path / "amtsstadt"
    folder.mkdir()
    text = (AMTSSTADT / "leistungen.csv").read_text(encoding="utf-8-sig")
    (folder / "leistungen.csv").write_text(
        text.replace("Steueramt;Hundesteuer;;10", "Steueramt;Hundesteuer;bald;10"),
        encoding="utf-8-sig")
    import_dir(folder, settings)
    with get_engine(settings).connect() as conn:
        reasons = conn.execute(select(RejectedRow.row_number, RejectedRow.reason)).all()
    assert [(n, r) for n, r in reasons] == [
        (3, "Online seit: 'bald' ist kein gültiges Datum (TT.MM.JJJJ) — oder 'nie' (nie "
            "online) bzw. 'unbekannt' schreiben")]


# --- 2. age of open cases and share within the service's own target --------------------------


def test_open_case_age_on_the_newest_date_of_the_data(cube) -> None:  # noqa: ANN001
    # newest date: C16 completed 31.03.2026. Open: C10 20.02 → 39 days, C11 03.02 → 56,
    # C14 03.03 → 28, C17 16.03 → 15. Sorted 15, 28, 39, 56: median rank 2 = 28, P90 rank 4.
    assert cube.as_of == dt.date(2026, 3, 31)
    ids = _ids(cube)
    for kpi, total, per_service, per_location in (
        ("open_case_age_median", 28, {"A1": 28, "A2": 56, "A3": 15}, {"N": 15, "S": 28}),
        ("open_case_age_p90", 56, {"A1": 39, "A2": 56, "A3": 15}, {"N": 56, "S": 39}),
    ):
        row = compute(kpi, cube, ()).row(0, named=True)
        assert (row["value"], row["n"]) == (total, 4)
        got = {r["service_id"]: r["value"] for r in compute(kpi, cube, ("service_id",))
               .to_dicts()}
        assert got == {ids[k]: v for k, v in per_service.items()}
        got = {r["location_id"]: r["value"] for r in compute(kpi, cube, ("location_id",))
               .to_dicts()}
        assert got == {ids[k]: v for k, v in per_location.items()}
    # two open cases per office: withheld with a minimum of 3
    small = compute("open_case_age_median", cube, ("location_id",), min_n=3)
    assert small["suppressed"].to_list() == [True, True]
    assert small["value"].null_count() == 2


def test_open_case_age_has_no_periods(cube) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="snapshot"):
        compute("open_case_age_median", cube, ("period",), grain="month")


def test_share_within_the_services_own_target(cube) -> None:  # noqa: ANN001
    # A1 (3 days): C01 1 ✓, C02 5 ✗, C03 1 ✓ | C07 2 ✓, C08 0 ✓, C09 1 ✓ | C13 7 ✗
    # A2 (10 days): C04 5 ✓, C05 18 ✗ | C15 1 ✓, C16 21 ✗;  A3 has no target: not counted
    got = {r["period"]: (r["numerator"], r["n"]) for r in compute(
        "within_standard", cube, ("period",), grain="month").to_dicts()}
    assert got == {JAN: (3, 5), FEB: (3, 3), MAR: (1, 3)}
    ids = _ids(cube)
    by = {r["service_id"]: (r["numerator"], r["n"]) for r in compute(
        "within_standard", cube, ("service_id",), grain="year").to_dicts()}
    assert by == {ids["A1"]: (5, 7), ids["A2"]: (2, 4)}
    by = {r["location_id"]: (r["numerator"], r["n"]) for r in compute(
        "within_standard", cube, ("location_id",), grain="year").to_dicts()}
    assert by == {ids["N"]: (4, 7), ids["S"]: (3, 4)}


def test_cases_and_delivered_standards_are_never_counted_twice(cube) -> None:  # noqa: ANN001
    """Delivered standard statistics count only where a service has no cases with a
    target in the period: A2's January figures give way to its cases, A3 (no target)
    keeps its February figures, a quarterly row only counts per quarter."""
    ids = _ids(cube)
    standards = pl.DataFrame({
        "period_start": [JAN, FEB, JAN], "period_end": [dt.date(2026, 1, 31),
                                                        dt.date(2026, 2, 28), MAR.replace(day=31)],
        "service_id": [ids["A2"], ids["A3"], ids["A3"]], "standard_code": ["S1", "S2", "S3"],
        "channel": [None, None, None], "target_share": [0.8, 0.8, 0.8],
        "volume_meeting": [90, 8, 50], "volume_total": [100, 10, 60],
    }).cast({"volume_meeting": pl.Int64, "volume_total": pl.Int64, "channel": pl.String})
    both = replace(cube, standards=standards)
    got = {r["period"]: (r["numerator"], r["n"]) for r in compute(
        "within_standard", both, ("period",), grain="month").to_dicts()}
    assert got == {JAN: (3, 5), FEB: (3 + 8, 3 + 10), MAR: (1, 3)}
    quarter = compute("within_standard", both, ("period",), grain="quarter").row(0, named=True)
    assert (quarter["numerator"], quarter["n"]) == (7 + 8 + 50, 11 + 10 + 60)


def test_a_store_whose_services_have_no_attributes(settings, tmp_path) -> None:  # noqa: ANN001
    """Master data read by a profile without [attributes] (a city's own, or one for data
    like Canada's without such columns): no service has attributes, the column stays text in
    the cube, and everything that reads it works — no target, so no case counts toward the
    share within standard, but delivered standard statistics still do; the feed is built."""
    from connectors.importer import import_file
    from connectors.profiles import load_profile, profiles_for
    from metrics.kpis import service_attributes
    from metrics.open_data import build_feed

    builtin = (TESTS.parent / "connectors" / "profiles" / "musterstadt_leistungen.toml")
    text = builtin.read_text(encoding="utf-8")
    own = tmp_path / "ohne_attribute.toml"
    own.write_text(text[:text.index("[attributes]")].replace(
        'name = "musterstadt-stammdaten"', 'name = "stammdaten-ohne-attribute"'),
        encoding="utf-8")
    import_file(AMTSSTADT / "leistungen.csv", load_profile(own), settings)
    for name in ("standorte.csv", "vorgaenge.csv"):
        import_file(AMTSSTADT / name, profiles_for(AMTSSTADT / name)[0], settings)
    cube = load_cube(get_engine(settings))
    assert cube.services["attributes"].dtype == pl.String
    assert cube.services["attributes"].null_count() == 3
    assert compute("within_standard", cube, ("period",), grain="month").is_empty()
    ids = _ids(cube)
    delivered = pl.DataFrame({
        "period_start": [FEB], "period_end": [dt.date(2026, 2, 28)],
        "service_id": [ids["A3"]], "standard_code": ["S2"], "channel": [None],
        "target_share": [0.8], "volume_meeting": [8], "volume_total": [10],
    }).cast({"volume_meeting": pl.Int64, "volume_total": pl.Int64, "channel": pl.String})
    got = compute("within_standard", replace(cube, standards=delivered), ("period",),
                  grain="month").select("period", "numerator", "n").rows()
    assert got == [(FEB, 8, 10)]
    assert "attributes" not in service_attributes(cube).columns
    feed = {k.kpi.id: k for k in build_feed(cube, 1).kpis}
    take_up = feed["digital_take_up"].totals.select("month", "numerator", "n").rows()
    assert take_up == [(JAN, 2, 3), (FEB, 3, 6), (MAR, 2, 5)]  # as with attributes


# --- 3. cost per transaction and staff hours freed --------------------------------------------
# volume by service and channel (all 17 cases, every month):
#   A1: in person 2 × 20 €, post 1 × 10 €, assisted 2 × 12 €, online 4 × 4 €      = 90 €
#   A2: online 1 × 4 €, in person 2 × 20 €, post 1 × 10 €, e-mail 1 (no rate)     = 54 €
#   A3: online 2 × 2 € (own rate), in person 1 × 20 €                              = 24 €
# cost per transaction 168 € / 16 priced = 10,50 €; one e-mail without a rate.
# minutes freed: A1 4 × (20 − 5), A2 1 × (30 − 5) (own in-person minutes), A3 2 × (20 − 5)
#   = 60 + 25 + 30 = 115 minutes = 1,9167 hours (assisted digital frees nothing).


def test_cost_per_transaction_and_staff_hours_freed(cube) -> None:  # noqa: ANN001
    config = load_costs(AMTSSTADT / "kosten.toml", cube.services)
    total = cost_summary(cube, config).row(0, named=True)
    assert (total["cases"], total["cases_without_cost"], total["digital"]) == (16, 1, 7)
    assert total["cost_eur"] == pytest.approx(168.0)
    assert total["cost_per_transaction"] == pytest.approx(10.5)
    assert total["hours_freed"] == pytest.approx(115 / 60)
    monthly = {r["month"]: r for r in cost_summary(cube, config, ("month",)).to_dicts()}
    # Jan 20+10+12+4+20+2 = 68 € / 6; Feb 4+20+12+4+10+2 = 52 € / 6; Mar 4+4+20+20 = 48 € / 4
    assert {m: (r["cost_eur"], r["cases"]) for m, r in monthly.items()} == {
        JAN: (68.0, 6), FEB: (52.0, 6), MAR: (48.0, 4)}
    # minutes: Jan C04 25 + C06 15, Feb C07 15 + C10 15 + C12 15, Mar C13 15 + C14 15
    assert {m: r["hours_freed"] * 60 for m, r in monthly.items()} == pytest.approx(
        {JAN: 40, FEB: 45, MAR: 30})
    ids = _ids(cube)
    per = {r["service_id"]: r for r in cost_summary(cube, config, ("service_id",)).to_dicts()}
    assert per[ids["A2"]]["cost_per_transaction"] == pytest.approx(54 / 4)
    assert per[ids["A3"]]["hours_freed"] == pytest.approx(0.5)


def test_cost_values_resting_on_few_transactions_are_withheld(cube) -> None:  # noqa: ANN001
    config = load_costs(AMTSSTADT / "kosten.toml", cube.services)
    ids = _ids(cube)
    a3 = cost_summary(cube, config, services=[ids["A3"]], min_n=5).row(0, named=True)
    # 3 transactions, 2 digital: both below 5
    assert (a3["suppressed"], a3["cost_per_transaction"], a3["cost_eur"]) == (True, None, None)
    assert (a3["hours_suppressed"], a3["hours_freed"]) == (True, None)
    a1 = cost_summary(cube, config, services=[ids["A1"]], min_n=5).row(0, named=True)
    # 9 transactions (90 € / 9 shown), but only 4 of them digital: the hours are withheld
    assert a1["cost_per_transaction"] == pytest.approx(10.0) and not a1["suppressed"]
    assert (a1["hours_suppressed"], a1["hours_freed"]) == (True, None)


def test_cost_under_a_location_filter_cannot_be_differenced(cube) -> None:  # noqa: ANN001
    """January with a minimum of 3: priced transactions at N C01 (20 €) C02 (10 €) C04 (4 €)
    C06 (2 €) = 4, at S C03 (12 €) C05 (20 €) = 2, withheld. All offices show 68 € / 6, N
    alone would show 36 € / 4 — together S's 32 € / 2 = 16,00 €. So under the filter N
    January is withheld; February (3 + 3) stays; March (N 2) is withheld anyway."""
    config = load_costs(AMTSSTADT / "kosten.toml", cube.services)
    ids = _ids(cube)
    every = cost_summary(cube, config, ("month",), min_n=3).to_dicts()
    assert (every[0]["cases"], every[0]["cost_eur"]) == (6, pytest.approx(68.0))
    north = {r["month"]: r for r in cost_summary(cube, config, ("month",), min_n=3,
                                                  locations=[ids["N"]]).to_dicts()}
    assert north[JAN]["cases"] == 4
    assert (north[JAN]["suppressed"], north[JAN]["cost_per_transaction"]) == (True, None)
    assert north[FEB]["suppressed"] is False
    assert north[FEB]["cost_per_transaction"] == pytest.approx((4 + 20 + 10) / 3)
    assert north[MAR]["suppressed"] is True  # 2 priced transactions (C13, C17)
    # unguarded (minimum 1) January of N is plain — exactly what the guard withholds
    plain = cost_summary(cube, config, ("month",), min_n=1, locations=[ids["N"]])
    assert plain.row(0, named=True)["cost_eur"] == pytest.approx(36.0)
    # both offices chosen: nothing split
    both = cost_summary(cube, config, ("month",), min_n=3, locations=[ids["N"], ids["S"]])
    assert both.row(0, named=True)["suppressed"] is False


def test_a_broken_cost_file_reports_every_problem_at_once(cube) -> None:  # noqa: ANN001
    text = """
[channel.online]
cost_eur = -1
minute = 5

[channel.inperson]
cost_eur = 20
minutes = 20

[channel.post]
cost_eur = "zehn"
minutes = 15

[[service]]
code = "A11"
[service.channel.online]
cost_eur = 3

[[service]]
code = "A1"
leika_key = "99115001001000"

[kosten]
x = 1
"""
    with pytest.raises(CostConfigError) as caught:
        read_costs(text, cube.services, "kosten.toml")
    assert caught.value.problems == [
        "kosten: unbekannter Abschnitt — erlaubt: [channel.<kanal>], [[service]]",
        "channel.online.minute: unbekannter Schlüssel — erlaubt: cost_eur, minutes",
        "channel.online.cost_eur = -1: darf nicht negativ sein",
        "channel.online.minutes: fehlt — eine Zahl ≥ 0 angeben",
        "channel.inperson: unbekannter Kanal — meinten Sie 'in_person'?",
        "channel.post.cost_eur = 'zehn': keine Zahl — mit Punkt schreiben, z. B. 4.10",
        "channel.in_person: fehlt — [channel.in_person] mit cost_eur und minutes anlegen "
        "(Grundlage der freigewordenen Arbeitsstunden)",
        "service[0].code = 'A11': keine bekannte Leistung — meinten Sie 'A1'?",
        "service[1]: genau eines von code (Leistungsnummer) oder leika_key angeben",
        "service[1].channel: fehlt — [service.channel.<kanal>] mit den abweichenden Werten "
        "anlegen",
    ]
    message = str(caught.value)
    assert message.startswith("Datei kosten.toml: 10 Fehler in der Kostendatei")
    assert "Lösung: Datei korrigieren" in message


def test_the_sample_citys_cost_file_is_valid(sample_export) -> None:  # noqa: ANN001
    """The generator's kosten.toml reads against the generator's master data."""
    from sample_data.city import SERVICES

    services = pl.DataFrame({"service_id": list(range(1, len(SERVICES) + 1)),
                             "code": [s.code for s in SERVICES],
                             "leika_key": [s.leika_key for s in SERVICES]})
    path = Path(sample_export.out_dir) / "kosten.toml"
    config = load_costs(path, services)
    assert config.rate(1, "in_person").cost_eur == 32.0  # L001's own rate
    assert config.rate(2, "in_person").cost_eur == 24.5  # the channel's
    assert config.rate(27, "online").minutes == 300  # L027 by its LeiKa key


# --- 4. the catalogue lists every KPI as data ------------------------------------------------


def test_the_catalogue_lists_every_kpi_as_data() -> None:
    assert validate(CATALOGUE) == []
    rows = {r["id"]: r for r in listing("de")}
    assert set(rows) == {
        "digital_take_up", "processing_days_median", "processing_days_p90", "follow_up_rate",
        "within_standard", "open_case_age_median", "open_case_age_p90", "completion_rate",
        "satisfaction_top2", "satisfaction_mean", "satisfaction_score",
        "appointment_lead_days_median", "no_show_rate", "onsite_wait_median",
        "onsite_wait_p90", "cost_per_transaction", "staff_hours_freed",
        "online_offer_share", "online_offer_share_by_volume", "end_to_end_offer_share",
        "end_to_end_offer_share_by_volume"}
    for r in rows.values():
        assert r["label"] and r["method"] and r["kind"] and r["unit"] and r["format"]
        assert all(r["measures"]) and r["direction"] in ("up", "down")
    assert rows["completion_rate"]["measures"] == ["submitted", "started"]
    assert rows["satisfaction_top2"]["measures"] == ["top2", "ratings"]
    assert rows["satisfaction_score"]["kind"] == "derived"
    assert rows["onsite_wait_p90"]["format"] == "0 Min."
    assert rows["cost_per_transaction"]["format"] == "0,00 €"
    assert rows["no_show_rate"]["computed_by"] == "metrics.appointments"
    assert rows["open_case_age_p90"]["computed_by"] == "metrics.kpis"
    # the staff-hours definition is written where people read it
    assert "(Minuten je Vorgang vor Ort − Minuten je digitalem Vorgang) / 60" in \
        KPIS["staff_hours_freed"].method_de


def test_kpis_of_other_modules_are_not_computed_by_the_engine(cube) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="computed by metrics.satisfaction"):
        compute("satisfaction_mean", cube, ())


def test_catalogue_values_match_their_modules() -> None:
    """The definitions describe what the modules compute: top-2 box, (mean − 1) / 4,
    no-shows over kept + missed, Σ submitted / Σ started."""
    from metrics.appointments import no_show_rate
    from metrics.funnel import completion_rate
    from metrics.satisfaction import satisfaction

    ratings = pl.DataFrame({"rating": [5, 4, 3, 1, 5]})
    row = satisfaction(ratings, [], min_n=1).row(0, named=True)
    assert row["top2_share"] == pytest.approx(3 / 5)
    assert row["score"] == pytest.approx((18 / 5 - 1) / 4)
    lead = pl.DataFrame({"outcome": ["attended", "no_show", "cancelled"],
                         "appointments": [7, 3, 10]})
    assert no_show_rate(lead).row(0, named=True)["value"] == pytest.approx(3 / 10)
    funnel = pl.DataFrame({"month": [JAN, FEB], "started": [10, 30], "submitted": [9, 6]})
    assert completion_rate(funnel, ()).row(0, named=True)["value"] == pytest.approx(15 / 40)


def test_supply_kpis_of_the_catalogue_are_what_metrics_supply_computes(cube) -> None:  # noqa: ANN001
    """2026 on the Amtsstadt: A1 (9 cases) and A3 (3) online by 31.12.2026, A2 (5) without
    a date (unknown): 2 of 2 services, 12 of 12 transactions; end to end not known."""
    from metrics.supply import supply_side

    got = supply_side(cube, JAN, grain="year")
    share_of = {"online_offer_share": "online_share",
                "online_offer_share_by_volume": "online_volume_share",
                "end_to_end_offer_share": "end_to_end_share",
                "end_to_end_offer_share_by_volume": "end_to_end_volume_share"}
    shares = {}
    for kpi in (k for k in CATALOGUE if k.computed_by == "metrics.supply"):
        num, den = got[kpi.numerator], got[kpi.denominator]
        shares[kpi.id] = (num, den)
        assert got[share_of[kpi.id]] == (num / den if den else None)
    assert shares == {"online_offer_share": (2, 2), "online_offer_share_by_volume": (12, 12),
                      "end_to_end_offer_share": (0, 0),
                      "end_to_end_offer_share_by_volume": (0, 0)}


# --- 5. suppression that survives subtraction -------------------------------------------------


def _derivable(views: list[set[str]], cells: list[str], target: str) -> bool:
    """Can the target cell be computed from the shown views (sums of cells) by linear
    combination? True when its indicator lies in the span of the views' indicators."""
    if not views:
        return False
    rows = np.array([[1.0 if c in v else 0.0 for c in cells] for v in views])
    unit = np.array([[1.0 if c == target else 0.0 for c in cells]])
    return np.linalg.matrix_rank(np.vstack([rows, unit])) == np.linalg.matrix_rank(rows)


def test_filtered_views_never_isolate_a_withheld_cell() -> None:
    """Adversary: every subset of locations can be chosen in the filter, and the table per
    location is published. C (3 cases) is withheld; with only primary suppression, "all" −
    "all but C" gives it away. With the guard, no combination of shown views does."""
    cells = pl.DataFrame({"loc": ["A", "B", "C", "D"], "n": [100, 40, 3, 60]}).with_columns(
        value=pl.lit(0.5))
    names = cells["loc"].to_list()
    table = protect_table(cells, ["loc"], 5)
    assert table.filter(pl.col("suppressed"))["loc"].to_list() == ["B", "C"]  # B: smallest
    assert pools(cells, "loc", [], 5).filter("pooled")["loc"].to_list() == ["B", "C"]
    subsets = [set(s) for k in range(1, 5) for s in itertools.combinations(names, k)]
    naive = [s for s in subsets if s != {"C"}]  # primary suppression only
    assert _derivable(naive, names, "C")
    shown = [s for s in subsets
             if not guard_selection(cells, "loc", s, [], 5)["withheld"][0]]
    shown += [{c} for c in table.filter(~pl.col("suppressed"))["loc"]]  # the table's cells
    assert {"A", "B", "C", "D"} in shown and {"A", "D"} in shown
    assert {"A", "B", "D"} not in shown and {"A", "C"} not in shown and {"B"} not in shown
    assert not _derivable(shown, names, "C")
    assert not _derivable(shown, names, "B")
    assert _derivable(shown, names, "A")  # a shown cell stays shown


def test_a_table_with_both_margins_is_protected_in_every_dimension() -> None:
    """2 × 3 table, totals per row and per column published. (1, x) has 2 cases. Row-wise
    suppression alone would withhold (1, y) and leave column x revealing (1, x) as
    column total − (2, x); every dimension needs its partner."""
    cells = pl.DataFrame({
        "s": [1, 1, 1, 2, 2, 2], "l": ["x", "y", "z", "x", "y", "z"],
        "n": [2, 30, 50, 40, 60, 70]}).with_columns(value=pl.lit(0.1))
    out = protect_table(cells, ["s", "l"], 5)
    held = {(r["s"], r["l"]) for r in out.filter(pl.col("suppressed")).to_dicts()}
    assert held == {(1, "x"), (1, "y"), (2, "x"), (2, "y")}
    for other in ("l", "s"):  # every margin group holds 0 or ≥ 2 withheld cells
        per = out.group_by(other).agg(pl.col("suppressed").sum())
        assert set(per["suppressed"].to_list()) <= {0, 2}
    # the complementary suppression the open-data feed uses keeps its signature and result
    flat = suppress_complementary(cells, ["s"], 5)
    assert flat.filter(pl.col("suppressed")).select("s", "l").rows() == [(1, "x"), (1, "y")]


def test_location_filter_on_the_store_cannot_reveal_a_small_office(cube) -> None:  # noqa: ANN001
    """January (take-up, online only): N 2 cases (2 online), S 1 case. With a minimum of 2,
    S is withheld; the view "only N" would give S as all − N = 1 case, 0 online. The trend
    for N therefore withholds January; February and March rest on 3 cases per office."""
    ids = _ids(cube)
    everything = trend(cube, "digital_take_up", min_n=2).to_dicts()
    assert [(r["month"], r["n"], r["value"]) for r in everything][0] == (JAN, 3,
                                                                         pytest.approx(2 / 3))
    north = trend(cube, "digital_take_up", locations=[ids["N"]], min_n=2).to_dicts()
    assert [(r["month"], r["suppressed"]) for r in north] == [
        (JAN, True), (FEB, False), (MAR, False)]
    assert north[0]["value"] is None
    assert north[1]["value"] == pytest.approx(1 / 3) and north[2]["value"] == pytest.approx(1 / 3)
    # unguarded, January of N is a plain 2 of 2 — exactly what the guard withholds
    plain = compute("digital_take_up", cube, ("month",), locations=[ids["N"]], min_n=2)
    assert plain.row(0, named=True)["value"] == 1.0
    both = trend(cube, "digital_take_up", locations=[ids["N"], ids["S"]], min_n=2).to_dicts()
    assert [r["value"] for r in both] == [r["value"] for r in everything]
    # the overview's tiles (any raster) follow the same rule
    from metrics.headline import period_tiles

    tile = period_tiles(cube, "month", JAN, MAR, locations=[ids["N"]], min_n=2)[0]
    assert tile.kpi.id == "digital_take_up"
    # ... and, beside the Leistungen ranking of N, February and March go as well: each month
    # N holds a service with 1 case ("< 2" says exactly 1) beside one with 2 (Feb: A2's 1 post
    # case, A1's 2) — the month's 3 cases minus the 1 would pin A1's 2 down, and no other
    # cell is left to withhold (metrics.ranking_protection.closed_months)
    assert tile.series["suppressed"].to_list() == [True, True, True]
    assert tile.series["value"].to_list() == [None, None, None]
    assert tile.series["protected"].to_list() == [True, True, True]  # "geschützt": n ≥ 2


def test_the_ranking_counts_every_case_but_take_up_only_online_months(cube) -> None:  # noqa: ANN001
    """The page Leistungen shows A1's 9 cases, its take-up over the 6 since it went online."""
    from metrics.funnel import FUNNEL_SCHEMA
    from metrics.service_view import ranking

    ids = _ids(cube)
    rows = {r["service_id"]: r for r in ranking(cube, pl.DataFrame(schema=FUNNEL_SCHEMA),
                                                min_n=1).to_dicts()}
    a1 = rows[ids["A1"]]
    assert (a1["cases"], a1["take_up"]) == (9, pytest.approx(4 / 6))
    small = {r["service_id"]: r for r in ranking(cube, pl.DataFrame(schema=FUNNEL_SCHEMA),
                                                 min_n=5).to_dicts()}
    assert (small[ids["A3"]]["cases"], small[ids["A3"]]["cases_suppressed"]) == (3, True)
    assert small[ids["A1"]]["cases_suppressed"] is False


def test_the_services_page_cannot_be_differenced_by_location(cube) -> None:  # noqa: ANN001
    """A3 Sperrmüll: N has C06 (online) and C17 (in person), S only C12 (online). With a
    minimum of 2, S is withheld; "all locations" (3 cases, 2 online) minus "only N" (2 cases,
    1 online) would give S's single case and that it came online. So under the filter N the
    page Leistungen withholds A3's cases and take-up (ranking and tiles) while A1 and A2 stay
    shown; in A1's detail the same rule holds for the channel mix and the processing days."""
    from metrics.funnel import FUNNEL_SCHEMA
    from metrics.service_view import detail, ranking

    ids = _ids(cube)
    funnel = pl.DataFrame(schema=FUNNEL_SCHEMA)
    every = {r["service_id"]: r for r in ranking(cube, funnel, min_n=2).to_dicts()}
    a3 = every[ids["A3"]]
    assert (a3["cases"], a3["take_up"], a3["cases_suppressed"]) == (3, pytest.approx(2 / 3),
                                                                    False)
    # unguarded, the filtered value is plain — and the difference gives S away: 1 of 1 online
    plain = compute("digital_take_up", cube, ("service_id",), locations=[ids["N"]], min_n=2)
    north = plain.filter(pl.col("service_id") == ids["A3"]).row(0, named=True)
    assert (north["numerator"], north["n"]) == (1, 2)
    assert (2 - north["numerator"], 3 - north["n"]) == (1, 1)
    rows = {r["service_id"]: r for r in ranking(cube, funnel, min_n=2,
                                                locations=[ids["N"]]).to_dicts()}
    a3 = rows[ids["A3"]]
    assert a3["take_up"] is None and a3["take_up_suppressed"] is True
    assert a3["cases_suppressed"] is True
    a1, a2 = rows[ids["A1"]], rows[ids["A2"]]
    # A1 at N: C01 C02 C07 C08 C13 (online only from Feb: C07 C08 C13, 2 online)
    assert (a1["take_up"], a1["cases"], a1["cases_suppressed"]) == (pytest.approx(2 / 3), 5,
                                                                    False)
    assert (a2["take_up"], a2["cases"], a2["take_up_suppressed"]) == (pytest.approx(1 / 3), 3,
                                                                      False)
    # both offices chosen: nothing split, the same as all locations
    both = {r["service_id"]: r for r in ranking(cube, funnel, min_n=2,
                                                locations=[ids["N"], ids["S"]]).to_dicts()}
    assert both[ids["A3"]]["take_up"] == pytest.approx(2 / 3)
    # the detail of A1 under N: January has C01 C02 at N, C03 (assisted digital) alone at S.
    # All locations show January's channel mix over 3 cases; N's over 2 would give C03 away.
    # March rests on one case per office: withheld anyway. February (2 + 2) stays.
    everywhere = detail(cube, funnel, ids["A1"], min_n=2, span=(JAN, MAR)).mix
    assert not everywhere.filter(pl.col("month") == JAN)["suppressed"].any()
    mix = detail(cube, funnel, ids["A1"], locations=[ids["N"]], min_n=2, span=(JAN, MAR)).mix
    per_month = mix.group_by("month").agg(pl.col("n").first(), pl.col("suppressed").first()
                                          ).sort("month")
    assert per_month.rows() == [(JAN, 2, True), (FEB, 2, False), (MAR, 1, True)]
    assert mix.filter(pl.col("month") == JAN)["share"].null_count() == mix.filter(
        pl.col("month") == JAN).height
    # processing days, offline, with a minimum of 3: S has C03 and C09 (2, withheld), N has
    # C01 C02 C08 (3) — the filter N would give S's two away from the whole distribution
    offline = detail(cube, funnel, ids["A1"], locations=[ids["N"]], min_n=3,
                     span=(JAN, MAR)).distribution.filter(pl.col("mode") == "offline")
    assert offline["n"][0] == 3 and offline["suppressed"].all()
    # all locations: offline 5, online 2 — with a minimum of 3 online is withheld, and A1's
    # 7 completed cases (its ranking row) minus offline's 5 would give it back, so offline
    # goes too (metrics.service_view.protect_parts); with a minimum of 2 both are shown
    everywhere = {m: detail(cube, funnel, ids["A1"], min_n=m, span=(JAN, MAR)).distribution
                  .group_by("mode").agg(pl.col("n").first(), pl.col("suppressed").first())
                  .sort("mode").rows() for m in (2, 3)}
    assert everywhere == {2: [("offline", 5, False), ("online", 2, False)],
                          3: [("offline", 5, True), ("online", 2, True)]}


def test_grains_department_district_and_location_kind(cube) -> None:  # noqa: ANN001
    """Take-up over the year (online only, 7 of 14) by the master data's dimensions: N (Nord)
    Jan C04 C06, Feb C07 C08 C11, Mär C13 C16 C17 → 4 of 8 online; S (Süd) Jan C05, Feb C09
    C10 C12, Mär C14 C15 → 3 of 6; both are offices; departments are one service each."""
    def got(by: str) -> dict:
        return {r[by]: (r["numerator"], r["n"]) for r in compute(
            "digital_take_up", cube, ("period", by), grain="year").to_dicts()}

    assert got("district") == {"Nord": (4, 8), "Süd": (3, 6)}
    assert got("kind") == {"office": (7, 14)}
    assert got("department") == {"Bürgerservice": (4, 6), "Steueramt": (1, 5),
                                 "Umweltamt": (2, 3)}
