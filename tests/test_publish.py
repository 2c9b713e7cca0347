"""The open-data feed: hand-computed values from a small store (SQLite and PostgreSQL), the
files and their DCAT-AP.de catalogue, and proof that no withheld number can be recomputed
from what is published — checked by an attacker written here, independently of
:mod:`metrics.open_data`, on hand-built adversarial tables, random tables and the files.

The small store (``CASES``), all cases completed unless noted:

* Jan 2026: ANM 10 cases (4 online, 2 with a follow-up), HST 3 (1 online) — small, KFZ 6
  (none online; 5 completed, 1 open, 1 follow-up). Take-up: ANM 4/10 = 40 %, HST withheld
  (n 3), KFZ withheld too — else Jan total 5/19 minus ANM would reveal HST.
* Feb 2026: ANM 8 (2 online, 1 follow-up), HST 7 (all online). Nothing small.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import insert, select

from connectors.db import get_engine, upgrade
from connectors.settings import Settings
from connectors.store import Case, Feedback, ImportRun, Service
from dashboard.cli import main
from dashboard.publish import LICENSE, write_feed
from metrics.cube import load_cube
from metrics.kpis import suppress_complementary
from metrics.open_data import build_feed, protect

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
COMMENT = "Frau Erika Beispiel war sehr freundlich"

SERVICES = [
    {"id": 1, "code": "ANM", "name": "Anmeldung einer Wohnung", "leika_key": "99115001001000",
     "department": "Bürgerservice"},
    {"id": 2, "code": "HST", "name": "Hundesteuer", "leika_key": None,
     "department": "Steueramt"},
    {"id": 3, "code": "KFZ", "name": "Kfz-Zulassung", "leika_key": None,
     "department": "Straßenverkehr"},
]
# month, service, channel, processing days per case (None: still open), follow-ups
CASES = [
    (JAN, 1, "online", [1, 1, 1, 2], 0),
    (JAN, 1, "in_person", [2, 2, 3, 3, 4, 10], 2),
    (JAN, 2, "online", [5], 0),
    (JAN, 2, "post", [5, 5], 0),
    (JAN, 3, "in_person", [7, 7, 7, 7, 7, None], 1),
    (FEB, 1, "online", [3, 3], 0),
    (FEB, 1, "in_person", [3, 3, 3, 3, 3, 3], 1),
    (FEB, 2, "online", [1] * 7, 0),
]


def fill_store(settings: Settings) -> None:
    upgrade(settings)
    now = dt.datetime(2026, 3, 2, 8, 0)
    rows, serial = [], 0
    for month, service, channel, days, follow_ups in CASES:
        for i, d in enumerate(days):
            serial += 1
            received = dt.datetime(month.year, month.month, 1 + i, 9, 0)
            rows.append({
                "source": "handmade", "case_key": f"geheim{serial:04d}", "service_id": service,
                "location_id": None, "channel": channel, "received_at": received,
                "completed_at": None if d is None else received + dt.timedelta(days=d),
                "status": "open" if d is None else "completed",
                "follow_up_count": 1 if i < follow_ups else 0, "import_run_id": 1,
            })
    with get_engine(settings).begin() as conn:
        conn.execute(insert(Service.__table__).values(ags=settings.ags), SERVICES)
        conn.execute(insert(ImportRun.__table__).values(ags=settings.ags), [{
            "id": 1, "source": "handmade", "profile": "test", "file_name": "by hand",
            "file_sha256": "0" * 64, "started_at": now, "finished_at": now,
            "status": "succeeded", "rows_read": len(rows), "rows_inserted": len(rows)}])
        conn.execute(insert(Case.__table__).values(ags=settings.ags), rows)
        conn.execute(insert(Feedback.__table__).values(ags=settings.ags), [{
            "source": "umfrage", "response_key": "r1", "topic": "overall",
            "submitted_on": dt.date(2026, 1, 5), "service_id": 1, "rating": 5,
            "comment": COMMENT, "import_run_id": 1}])


@pytest.fixture
def store(settings: Settings) -> Settings:
    fill_store(settings)
    return settings


# --- the attacker -------------------------------------------------------------------------
# What someone holding the published files knows about one month of one table: the total,
# the published cells, that a withheld cell has at least one case, and — from a linked table
# counting a subset of the same cases — lower or upper bounds for a cell's count.


def n_range(i: int, n_total: int, bounds: list[tuple[int, float]]) -> tuple[int, float]:
    """The counts cell ``i`` of the withheld cells can have (integer boxes: the others can
    take every sum between their lows and highs)."""
    others = [b for j, b in enumerate(bounds) if j != i]
    low, high = bounds[i]
    return (max(low, n_total - sum(b[1] for b in others)),
            min(high, n_total - sum(b[0] for b in others)))


def brute_force_counts(n_total: int, bounds: list[tuple[int, float]]) -> list[set[int]]:
    """Every count each withheld cell can have, by enumerating all vectors (small cases)."""
    ranges = [range(lo, int(min(hi, n_total)) + 1) for lo, hi in bounds]
    seen: list[set[int]] = [set() for _ in bounds]
    for combo in itertools.product(*ranges):
        if sum(combo) == n_total:
            for i, v in enumerate(combo):
                seen[i].add(v)
    return seen


def recomputable(cells: list[dict], total: dict | None,
                 bounds: dict[object, tuple[int, float]] | None = None) -> list[str]:
    """Which withheld cells of one month the attacker pins down (count or value).

    ``cells``: key, n, numerator (None for percentiles), suppressed; ``total``: n,
    numerator, or None when the month total is withheld."""
    hidden = [c for c in cells if c["suppressed"]]
    if not hidden or total is None:
        return []
    shown = [c for c in cells if not c["suppressed"]]
    n_total = total["n"] - sum(c["n"] for c in shown)
    b = [(bounds or {}).get(c["key"], (1, float("inf"))) for c in hidden]
    found = []
    for i, c in enumerate(hidden):
        low, high = n_range(i, n_total, b)
        if low >= high:
            found.append(f"{c['key']}: n = {low}")
            continue
        if total.get("numerator") is not None:
            t = total["numerator"] - sum(c["numerator"] for c in shown)
            # with count n_i, its numerator can be anything in [t − (N − n_i), t] ∩ [0, n_i]
            values = {num / n for n in range(int(low), int(min(high, low + 2)) + 1)
                      for num in range(max(0, t - (n_total - n)), min(n, t) + 1)}
            if len(values) < 2:
                found.append(f"{c['key']}: value = {values}")
    return found


def test_the_attackers_count_ranges_equal_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(300):
        k = rng.randint(2, 4)
        true = [rng.randint(1, 6) for _ in range(k)]
        bounds = []
        for v in true:
            lo = rng.choice([1, 1, max(1, v - rng.randint(0, 2))])
            hi = rng.choice([float("inf"), v + rng.randint(0, 2)])
            bounds.append((lo, hi))
        seen = brute_force_counts(sum(true), bounds)
        for i in range(k):
            lo, hi = n_range(i, sum(true), bounds)
            assert seen[i] == set(range(int(lo), int(hi) + 1))


# --- hand-built adversarial tables ----------------------------------------------------------


def _cells(rows: list[tuple], kpi: str = "take_up", fam: str = "cases") -> pl.DataFrame:
    """rows: (month, service, n, numerator)."""
    return pl.DataFrame(
        [(kpi, fam, m, s, n, num) for m, s, n, num in rows],
        schema={"kpi": pl.String, "family": pl.String, "month": pl.Date,
                "service_id": pl.Int64, "n": pl.Int64, "numerator": pl.Int64}, orient="row")


def _withheld(out: pl.DataFrame, kpi: str = "take_up") -> set[tuple[dt.date, int]]:
    rows = out.filter((pl.col("kpi") == kpi) & pl.col("suppressed"))
    return set(zip(rows["month"].to_list(), rows["service_id"].to_list(), strict=True))


def _attack(out: pl.DataFrame, totals: pl.DataFrame, kpi: str,
            bounds: dict | None = None) -> list[str]:
    found = []
    table = out.filter(pl.col("kpi") == kpi)
    for month in table["month"].unique().to_list():
        rows = table.filter(pl.col("month") == month)
        cells = [{"key": (month, r["service_id"]), **r} for r in rows.to_dicts()]
        tot = totals.filter((pl.col("kpi") == kpi) & (pl.col("month") == month)).row(
            0, named=True)
        total = None if tot["suppressed"] else {
            "n": sum(c["n"] for c in cells),
            "numerator": (None if cells[0]["numerator"] is None
                          else sum(c["numerator"] for c in cells))}
        found += recomputable(cells, total, bounds)
    return found


@pytest.mark.parametrize(("rows", "withheld", "month_withheld"), [
    # one small cell: the smallest other cell is withheld too
    ([(JAN, 1, 40, 10), (JAN, 2, 3, 1), (JAN, 3, 60, 30)], {(JAN, 1), (JAN, 2)}, False),
    # two small cells protect each other
    ([(FEB, 1, 40, 10), (FEB, 2, 3, 1), (FEB, 3, 4, 2)], {(FEB, 2), (FEB, 3)}, False),
    # two cells of 1 case: their sum 2 says both are 1 — a third cell is needed
    ([(JAN, 1, 1, 0), (JAN, 2, 1, 1), (JAN, 3, 30, 9), (JAN, 4, 50, 9)],
     {(JAN, 1), (JAN, 2), (JAN, 3)}, False),
    # both small cells have no online case: sum 0 says both are 0 % — the next cell with an
    # online case must join (service 3 has none and would not help)
    ([(JAN, 1, 2, 0), (JAN, 2, 3, 0), (JAN, 3, 20, 0), (JAN, 4, 25, 5)],
     {(JAN, 1), (JAN, 2), (JAN, 4)}, False),
    # … and all online: 100 % each
    ([(JAN, 1, 2, 2), (JAN, 2, 3, 3), (JAN, 3, 20, 20), (JAN, 4, 25, 5)],
     {(JAN, 1), (JAN, 2), (JAN, 4)}, False),
    # five single cases and nothing else: no cell can help, so the total is withheld
    ([(JAN, s, 1, 0) for s in range(1, 6)], {(JAN, s) for s in range(1, 6)}, True),
    # nothing small: everything published
    ([(MAR, 1, 5, 1), (MAR, 2, 9, 3)], set(), False),
])
def test_complementary_suppression_cases(rows, withheld, month_withheld) -> None:  # noqa: ANN001
    out, totals = protect(_cells(rows), 5)
    assert _withheld(out) == withheld
    assert totals["suppressed"].to_list() == [month_withheld]
    assert _attack(out, totals, "take_up") == []


def test_the_old_rule_is_beaten_where_the_new_one_holds() -> None:
    """Adversarial by hand: kpis.suppress_complementary withholds one partner cell, which
    is not enough when (a) the two withheld cells hold 1 case each or (b) another
    published table bounds the partner's count."""
    rows = [(JAN, 1, 1, 0), (JAN, 2, 1, 1), (JAN, 3, 30, 9), (JAN, 4, 50, 9)]
    old = suppress_complementary(
        _cells(rows).with_columns(value=pl.col("numerator") / pl.col("n")), ["month"], 5)
    old_cells = [{"key": r["service_id"], "n": r["n"] if not r["suppressed"] else rows[i][2],
                  "numerator": rows[i][3], "suppressed": r["suppressed"]}
                 for i, r in enumerate(old.to_dicts())]
    assert recomputable(old_cells, {"n": 82, "numerator": 19}) == ["1: n = 1", "2: n = 1"]

    # (b) cases: A 1 (small), B 42, C 100. Completed cases (a linked table): A 1, B 42,
    # C 20, so there C is A's partner and B = 42 is published. Withholding B with A looks
    # enough within the cases table, but completed B = 42 ≤ B's cases, so A = 43 − 42 = 1.
    # protect() takes C instead.
    cases = _cells([(JAN, 1, 1, 0), (JAN, 2, 42, 10), (JAN, 3, 100, 30)])
    completed = _cells([(JAN, 1, 1, 0), (JAN, 2, 42, 5), (JAN, 3, 20, 9)],
                       kpi="follow_up", fam="completed")
    out, totals = protect(pl.concat([cases, completed]), 5)
    assert _withheld(out, "take_up") == {(JAN, 1), (JAN, 3)}
    assert _withheld(out, "follow_up") == {(JAN, 1), (JAN, 3)}
    lower = {(JAN, r["service_id"]): (max(1, r["n"]), float("inf"))
             for r in out.filter((pl.col("kpi") == "follow_up") & ~pl.col("suppressed"))
             .to_dicts()}
    upper = {(JAN, r["service_id"]): (1, r["n"])
             for r in out.filter((pl.col("kpi") == "take_up") & ~pl.col("suppressed"))
             .to_dicts()}
    assert _attack(out, totals, "take_up", lower) == []
    assert _attack(out, totals, "follow_up", upper) == []
    naive = {(JAN, 1): (1, float("inf")), (JAN, 2): (42, float("inf"))}
    assert recomputable(
        [{"key": (JAN, 1), "n": 1, "numerator": 0, "suppressed": True},
         {"key": (JAN, 2), "n": 42, "numerator": 10, "suppressed": True},
         {"key": (JAN, 3), "n": 100, "numerator": 30, "suppressed": False}],
        {"n": 143, "numerator": 40}, naive) == [f"{(JAN, 1)}: n = 1", f"{(JAN, 2)}: n = 42"]


def test_linked_tables_share_their_pattern() -> None:
    """Two tables counting the same cases: one may not show the n the other hides."""
    median = _cells([(JAN, 1, 3, None), (JAN, 2, 8, None), (JAN, 3, 20, None)],
                    kpi="median", fam="completed")
    follow = _cells([(JAN, 1, 3, 0), (JAN, 2, 8, 1), (JAN, 3, 20, 2)],
                    kpi="follow", fam="completed").with_columns(
        pl.when(pl.col("service_id") == 1).then(7).otherwise(pl.col("n")).alias("n"))
    out, _ = protect(pl.concat([median, follow]), 5)
    assert _withheld(out, "median") == _withheld(out, "follow") == {(JAN, 1), (JAN, 2)}


def test_random_tables_never_reveal_a_withheld_number() -> None:
    rng = random.Random(11)
    for _ in range(200):
        rows = []
        for month, service in itertools.product([JAN, FEB], range(1, rng.randint(2, 6))):
            n = rng.choice([1, 1, 2, 3, 4, 5, 6, 9, 15])
            rows.append((month, service, n, rng.choice([0, n, rng.randint(0, n)])))
        out, totals = protect(_cells(rows), 5)
        assert _attack(out, totals, "take_up") == [], rows
        for month in (JAN, FEB):  # the brief's rule, stated plainly
            hidden = out.filter((pl.col("month") == month) & pl.col("suppressed")).height
            withheld = totals.filter(pl.col("month") == month)["suppressed"].item()
            assert hidden == 0 or hidden >= 2 or withheld


# --- the feed from a store ----------------------------------------------------------------


def _rows(frame: pl.DataFrame, month: dt.date) -> dict[str, dict]:
    return {r["service_code"]: r for r in frame.filter(pl.col("month") == month).to_dicts()}


def test_feed_values_by_hand(store: Settings) -> None:
    feed = build_feed(load_cube(get_engine(store)), store.min_n)
    by = {k.kpi.id: k for k in feed.kpis}
    assert {"digital_take_up", "follow_up_rate", "processing_days_median",
            "processing_days_p90"} <= set(by)
    take_up = by["digital_take_up"]
    jan = _rows(take_up.cells, JAN)
    assert (jan["ANM"]["value"], jan["ANM"]["numerator"], jan["ANM"]["n"]) == (0.4, 4, 10)
    for code in ("HST", "KFZ"):  # HST small, KFZ its complement
        assert jan[code]["suppressed"]
        assert (jan[code]["value"], jan[code]["numerator"], jan[code]["n"]) == (None,) * 3
    feb = _rows(take_up.cells, FEB)
    assert [(r["value"], r["n"], r["suppressed"]) for r in feb.values()] == [
        (0.25, 8, False), (1.0, 7, False)]
    totals = {r["month"]: r for r in take_up.totals.to_dicts()}
    assert (totals[JAN]["numerator"], totals[JAN]["n"], totals[JAN]["services_with_data"]) \
        == (5, 19, 3)
    assert totals[FEB]["value"] == pytest.approx(9 / 15)

    # completed cases in Jan: ANM 10, HST 3 (small), KFZ 5 — KFZ is the complement again
    follow = _rows(by["follow_up_rate"].cells, JAN)
    assert (follow["ANM"]["numerator"], follow["ANM"]["n"]) == (2, 10)
    assert follow["HST"]["suppressed"] and follow["KFZ"]["suppressed"]
    median, p90 = (_rows(by[k].cells, JAN)["ANM"] for k in ("processing_days_median",
                                                             "processing_days_p90"))
    # ANM Jan days 1,1,1,2,2,2,3,3,4,10: rank 5 → 2, rank 9 → 4
    assert (median["value"], p90["value"], median["n"]) == (2.0, 4.0, 10)
    # all 18 completed Jan cases: 1,1,1,2,2,2,3,3,4,5,5,5,7,7,7,7,7,10 → rank 9 → 4, 17 → 7
    m_tot = by["processing_days_median"].totals.filter(pl.col("month") == JAN).row(0, named=True)
    p_tot = by["processing_days_p90"].totals.filter(pl.col("month") == JAN).row(0, named=True)
    assert (m_tot["value"], p_tot["value"], m_tot["n"]) == (4.0, 7.0, 18)
    assert feed.months == [JAN, FEB]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_files_and_dcat_catalogue(store: Settings, tmp_path: Path) -> None:
    out = tmp_path / "od"
    feed = build_feed(load_cube(get_engine(store)), store.min_n)
    done = write_feed(feed, out, publisher="Stadt Kleinstadt", today=dt.date(2026, 3, 5))
    catalogue = json.loads((out / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert catalogue["@context"]["dct"] == "http://purl.org/dc/terms/"
    assert catalogue["dct:license"] == {"@id": LICENSE}
    assert catalogue["dct:publisher"]["foaf:name"] == "Stadt Kleinstadt"
    datasets = catalogue["dcat:dataset"]
    assert len(datasets) == len(feed.kpis)
    listed = []
    for ds in datasets:
        assert ds["@type"] == "dcat:Dataset" and ds["dct:title"] and ds["dct:description"]
        assert ds["dct:temporal"]["dcat:startDate"]["@value"] == "2026-01-01"
        assert ds["dct:temporal"]["dcat:endDate"]["@value"] == "2026-02-28"
        assert ds["dct:issued"]["@value"] == ds["dct:modified"]["@value"] == "2026-03-05"
        assert ds["dct:publisher"]["foaf:name"] == "Stadt Kleinstadt"
        for dist in ds["dcat:distribution"]:
            name = dist["dcat:accessURL"]["@id"]
            assert dist["@type"] == "dcat:Distribution" and dist["dct:license"]["@id"] == LICENSE
            assert dist["dcat:mediaType"]["@id"].endswith(
                {"csv": "text/csv", "json": "application/json",
                 "xlsx": "spreadsheetml.sheet"}[name.rsplit(".", 1)[1]])
            assert int(dist["dcat:byteSize"]["@value"]) == (out / name).stat().st_size
            listed.append(name)
    assert sorted(listed) == sorted(done.files) and len(listed) == 6 * len(feed.kpis)
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# Offene Daten")

    take_up = _read_csv(out / "digital_take_up_leistung_monat.csv")
    assert take_up[0] == {"monat": "2026-01", "leistung_nr": "ANM",
                          "leistung": "Anmeldung einer Wohnung",
                          "leika_schluessel": "99115001001000", "fachbereich": "Bürgerservice",
                          "kennzahl": "digital_take_up", "wert": "40.0", "einheit": "Prozent",
                          "zaehler": "4", "fallzahl": "10", "unterdrueckt": "false"}
    assert take_up[1]["unterdrueckt"] == "true" and take_up[1]["fallzahl"] == ""
    as_json = json.loads((out / "digital_take_up_leistung_monat.json").read_text("utf-8"))
    assert len(as_json) == len(take_up) and as_json[1]["fallzahl"] is None
    # the XLSX beside it (for Excel): the same rows, numbers as numbers
    sheet = load_workbook(out / "digital_take_up_leistung_monat.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(take_up[0]) and len(rows) == 1 + len(take_up)
    assert rows[1] == ("2026-01", "ANM", "Anmeldung einer Wohnung", "99115001001000",
                       "Bürgerservice", "digital_take_up", 40.0, "Prozent", 4, 10, False)
    assert rows[2][8:] == (None, None, True)  # withheld: empty, as in the CSV
    totals = _read_csv(out / "digital_take_up_monat.csv")
    assert [(r["monat"], r["wert"], r["zaehler"], r["fallzahl"]) for r in totals] == [
        ("2026-01", "26.32", "5", "19"), ("2026-02", "60.0", "9", "15")]
    median = _read_csv(out / "processing_days_median_leistung_monat.csv")
    assert (median[0]["wert"], median[0]["einheit"]) == ("2", "Tage")

    # again a month later: issued stays, modified moves
    write_feed(feed, out, publisher="Stadt Kleinstadt", today=dt.date(2026, 4, 5))
    again = json.loads((out / "catalog.jsonld").read_text(encoding="utf-8"))
    assert (again["dct:issued"]["@value"], again["dct:modified"]["@value"]) == (
        "2026-03-05", "2026-04-05")


def test_published_files_never_reveal_a_withheld_number(store: Settings, tmp_path: Path
                                                          ) -> None:
    """The attacker reads only the files: per KPI and month the total minus the published
    cells, with the completed-cases tables bounding the cases tables and back."""
    out = tmp_path / "od"
    done = write_feed(build_feed(load_cube(get_engine(store)), store.min_n), out,
                      publisher="X")
    tables = {}
    for name in done.files:
        if name.endswith("_leistung_monat.csv"):
            kpi = name.removesuffix("_leistung_monat.csv")
            tables[kpi] = (_read_csv(out / name), _read_csv(out / f"{kpi}_monat.csv"))

    def num(v: str) -> int | None:
        return int(v) if v else None

    def published_n(kpi: str) -> dict:
        return {(r["monat"], r["leistung_nr"]): int(r["fallzahl"]) for r in tables[kpi][0]
                if r["unterdrueckt"] == "false"}

    take_up_n = published_n("digital_take_up")
    completed_n: dict = {}
    for kpi in tables:
        if kpi != "digital_take_up":
            for key, n in published_n(kpi).items():
                completed_n[key] = max(n, completed_n.get(key, 0))
    checked = 0
    for kpi, (cells, totals) in tables.items():
        bounds = ({k: (n, float("inf")) for k, n in completed_n.items()}
                  if kpi == "digital_take_up"
                  else {k: (1, n) for k, n in take_up_n.items()})
        for total in totals:
            month_cells = [{"key": (r["monat"], r["leistung_nr"]), "n": num(r["fallzahl"]),
                            "numerator": num(r["zaehler"]),
                            "suppressed": r["unterdrueckt"] == "true"}
                           for r in cells if r["monat"] == total["monat"]]
            published = None if total["unterdrueckt"] == "true" else {
                "n": int(total["fallzahl"]), "numerator": num(total["zaehler"])}
            assert recomputable(month_cells, published, bounds) == [], (kpi, total["monat"])
            checked += sum(c["suppressed"] for c in month_cells)
    assert checked >= 8  # HST and KFZ in Jan, in each of the four KPIs


def test_nothing_personal_is_published(store: Settings, tmp_path: Path) -> None:
    out = tmp_path / "od"
    write_feed(build_feed(load_cube(get_engine(store)), store.min_n), out, publisher="X")
    with get_engine(store).connect() as conn:
        keys = conn.execute(select(Case.case_key)).scalars().all()
    text = "\n".join(f.read_text(encoding="utf-8") for f in out.iterdir()
                     if f.suffix != ".xlsx")
    text += "\n".join(str(v) for f in out.glob("*.xlsx")  # zipped XML: read the cells
                      for row in load_workbook(f).active.iter_rows(values_only=True)
                      for v in row)
    assert COMMENT not in text and "Beispiel" not in text
    assert not any(k in text for k in keys) and "case_key" not in text
    for f in out.glob("*.csv"):
        header = f.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert not {"case_key", "kommentar", "comment", "standort"} & set(header)


def test_publish_command(store: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                         ) -> None:
    monkeypatch.setenv("SERVICEPULS_DATABASE_URL", store.db_url)
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(store.data_dir))
    monkeypatch.setenv("SERVICEPULS_PUBLISHER", "Stadt Kleinstadt")
    monkeypatch.delenv("SERVICEPULS_MIN_N", raising=False)
    result = CliRunner().invoke(main, ["publish", "--out", str(tmp_path / "od")])
    assert result.exit_code == 0, result.output
    assert "geschrieben nach" in result.output
    catalogue = json.loads((tmp_path / "od" / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalogue["dct:publisher"]["foaf:name"] == "Stadt Kleinstadt"
    (tmp_path / "datei").write_text("kein Ordner", encoding="utf-8")
    blocked = CliRunner().invoke(main, ["publish", "--out", str(tmp_path / "datei" / "od")])
    assert blocked.exit_code == 2 and "nicht beschreibbar" in blocked.output


def test_publish_without_data_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SERVICEPULS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["publish", "--out", str(tmp_path / "od")])
    assert result.exit_code == 2
    assert "servicepuls import" in result.output
    assert not (tmp_path / "od").exists()
