"""The council report is a public document: no withheld number may be recomputed from what
its PDF and PowerPoint print. The attacker of tests/test_publish.py (written independently
of :mod:`metrics.open_data`) reads the files back: the summary's totals, the service
table's printed cells, and what each mark says — "< 5" means 1 … 4 cases, "geschützt"
(withheld only to protect another cell) means at least 5.

The store, all in January 2026 at one location, every service online all along, every case
completed the same day:

* Anmeldung (A1): 20 cases, 10 online, 2 with a follow-up;
* Kfz (A2): 30 cases, 15 online, 3 with a follow-up;
* Hundesteuer (B1) and Fischerei (B2): 1 case each, in person;
* Parkausweis (B3): 6 cases, in person.

The older rule (one partner for a lone withheld cell) withholds only B1 and B2 here — two
cells, so it adds nothing — and then 58 − 50 − 6 = 2 cases for two cells means one each;
and B1, B2, B3 all at 0 % online would show through take-up's total (25 = 10 + 15).
:func:`metrics.open_data.protect` withholds A1's and B3's cells as well.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from connectors.settings import Settings
from dashboard.formatting import fmt_protected
from dashboard.report import build, load_inputs, render
from metrics.kpis import compute, suppress_complementary
from metrics.open_data import protect
from metrics.service_view import windowed
from tests.conftest import import_dir
from tests.test_publish import recomputable
from tests.test_report_files import (  # noqa: F401 - chromium: the autouse fixture
    chromium,
    pdf_text,
    slides,
    summary_rows,
    tables,
    title,
    words,
)

pytestmark = pytest.mark.browser

NB = "\u00a0"
PROTECTED = fmt_protected("de")
# code, name, cases, online, follow-ups
SERVICES = [("A1", "Anmeldung", 20, 10, 2), ("A2", "Kfz", 30, 15, 3),
            ("B1", "Hundesteuer", 1, 0, 0), ("B2", "Fischerei", 1, 0, 0),
            ("B3", "Parkausweis", 6, 0, 0)]


def write_store(folder: Path) -> Path:
    folder.mkdir()
    (folder / "leistungen.csv").write_text(
        "Leistungsnummer;Bezeichnung;LeiKa-Schlüssel;Fachbereich;OZG-Leistung;Online seit\n"
        + "".join(f"{code};{name};;Bürgerservice;;01.01.2020\n"
                  for code, name, *_ in SERVICES), encoding="utf-8-sig")
    (folder / "standorte.csv").write_text(
        "Standortnummer;Bezeichnung;Stadtbezirk;Art;Breitengrad;Längengrad\n"
        "A;Bürgeramt Mitte;Mitte;Bürgeramt;;\n", encoding="utf-8-sig")
    lines = ["Vorgangsnummer;Leistung;Standort;Eingangskanal;Eingang am;Abgeschlossen am;"
             "Status;Anzahl Nachforderungen"]
    serial = 0
    for code, _, cases, online, follow_ups in SERVICES:
        for i in range(cases):
            serial += 1
            day = f"{1 + i % 28:02d}.01.2026"
            lines.append(f"V-{serial};{code};A;{'Online-Antrag' if i < online else 'Vor Ort'};"
                         f"{day} 09:00;{day} 15:00;abgeschlossen;{int(i < follow_ups)}")
    (folder / "vorgaenge.csv").write_text("\n".join(lines) + "\n", encoding="windows-1252")
    return folder


@pytest.fixture
def store(settings: Settings, tmp_path: Path) -> Settings:
    import_dir(write_store(tmp_path / "export"), settings)
    return settings


def number(text: str) -> float:
    return float(text.replace(NB, " ").split()[0].replace(".", "").replace(",", "."))


def mark(text: str) -> tuple[int, float] | None:
    """What a printed cell says of its count: None when shown, else the bounds."""
    if text == f"<{NB}5":
        return (1, 4)
    if text == PROTECTED:
        return (5, float("inf"))
    return None


def attack(summary: dict[str, tuple[str, ...]], rows: list[tuple[str, ...]],
           counts: dict[str, tuple[int, int]]) -> list[str]:
    """Everything the attacker pins down. ``rows``: name, key, cases, take-up, median, P90,
    follow-ups, completion, months. ``counts``: (cases, completed) per service — the counts
    behind every *shown* cell are given to the attacker even where the report does not
    print them, to make it stronger; withheld cells are known only by their marks and by
    printed counts of other columns (take-up's n is the cases; completed ≤ cases)."""
    found = []
    for name, col, total_row, which in (("cases", 2, "Vorgänge", 0),
                                        ("take-up", 3, "Digitale Nutzungsquote", 0),
                                        ("follow-ups", 6, "Rückfragenrate", 1)):
        total_cells = summary[total_row]
        cells, bounds = [], {}
        for r in rows:
            n = counts[r[0]][which]
            held = mark(r[col])
            if held is not None:
                cases = None if mark(r[2]) else int(number(r[2]))
                if cases is not None and name == "take-up":
                    held = (cases, cases)
                elif cases is not None and name == "follow-ups":
                    held = (held[0], min(held[1], cases))
                bounds[r[0]] = held
            numerator = None if held or col == 2 else round(number(r[col]) / 100 * n)
            cells.append({"key": r[0], "n": n, "numerator": numerator,
                          "suppressed": held is not None})
        value, total_n = total_cells[1], total_cells[2]
        total = None if mark(total_n) else {
            "n": int(number(total_n)),
            "numerator": None if col == 2 else round(number(value) / 100 * number(total_n))}
        found += [f"{name} {f}" for f in recomputable(cells, total, bounds)]
    return found


def true_counts(settings: Settings) -> dict[str, tuple[int, int]]:
    """(cases, completed cases) per service name in January 2026, from :mod:`metrics`."""
    cube = load_inputs(settings).cube
    jan = windowed(cube, dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    cases = compute("digital_take_up", jan, ("service_id",), grain="month")
    done = compute("processing_days_median", jan, ("service_id",))
    out = cube.services.select("service_id", "name").join(
        cases.select("service_id", "n"), on="service_id").join(
        done.select("service_id", pl.col("n").alias("completed")), on="service_id")
    return {r["name"]: (r["n"], r["completed"]) for r in out.iter_rows(named=True)}


@pytest.mark.parametrize("scope", ["stadt", "services:B1,B3"])
def test_no_withheld_number_can_be_recomputed_from_the_files(store: Settings,
                                                             scope: str) -> None:
    report = build(load_inputs(store), "2026-01", scope)
    counts = true_counts(store)
    deck = slides(render(report, "pptx"))
    summary_table = summary_rows(deck)
    (services_table,) = [t for s in deck if title(s).startswith("Leistungen")
                         for t in tables(s)]
    summary = {row[0]: row for row in summary_table[1:]}
    rows = services_table[1:]
    for row in rows:  # printed counts are the true ones
        assert mark(row[2]) or int(number(row[2])) == counts[row[0]][0]
    assert attack(summary, rows, counts) == []
    text = " ".join(pdf_text(render(report, "pdf")))
    for row in rows:  # the PDF prints the same cells
        assert words(" ".join(row[2:])) in text
    for row in summary_table[1:]:
        assert words(" ".join(row[:3])) in text
    # what the protection had to do here, cell by cell
    printed = {r[0]: r[2:4] for r in rows}
    if scope == "stadt":
        # take-up rests on the same cases (every service online all along) and shares
        # their pattern (metrics.ranking_protection.PATTERN): B3 and A1 hide both
        assert printed == {"Kfz": ("30", f"50,0{NB}%"), "Anmeldung": (PROTECTED, PROTECTED),
                           "Fischerei": (f"<{NB}5", f"<{NB}5"),
                           "Hundesteuer": (f"<{NB}5", f"<{NB}5"),
                           "Parkausweis": (PROTECTED, PROTECTED)}
        assert summary["Vorgänge"][1:3] == ("58", "58")
        assert "Parkausweis: Vorgänge, Digitale Nutzungsquote, Median (Tage)" in text
    else:
        # B1 0 of 1 and B3 0 of 6 online: a total of 0,0 % would say both are 0 %, and
        # there is no third service to withhold — so the total is withheld
        assert printed == {"Hundesteuer": (f"<{NB}5", f"<{NB}5"),
                           "Parkausweis": (PROTECTED, PROTECTED)}
        assert summary["Digitale Nutzungsquote"][1:3] == (PROTECTED, PROTECTED)
        assert f"0,0{NB}%" not in " ".join(c for r in summary_table for c in r)
        assert "Digitale Nutzungsquote (Leistungen: Hundesteuer, Parkausweis) im " \
               "Berichtszeitraum: geschützt" in text
    assert re.search(r"„geschützt“: beruht auf genug Fällen", text)


def test_the_older_rule_would_have_given_cells_away() -> None:
    """The same attacker on the pattern of :func:`metrics.kpis.suppress_complementary` (the
    report's rule before): the two one-case services are pinned down to one case each, and
    the zero take-up of the withheld services shows through the total."""
    cells = pl.DataFrame({"service": [s[0] for s in SERVICES],
                          "n": [s[2] for s in SERVICES], "value": [0.0] * len(SERVICES)})
    old = suppress_complementary(cells, (), 5)
    hidden = dict(zip(old["service"].to_list(), old["suppressed"].to_list(), strict=True))
    assert hidden == {"A1": False, "A2": False, "B1": True, "B2": True, "B3": False}
    found = recomputable(
        [{"key": s[0], "n": s[2], "numerator": s[3], "suppressed": hidden[s[0]]}
         for s in SERVICES], {"n": 58, "numerator": 25}, {"B1": (1, 4), "B2": (1, 4)})
    assert found == ["B1: n = 1", "B2: n = 1"]


def test_the_marks_are_part_of_what_an_attacker_knows() -> None:
    """"< 5" says 1 … 4, "geschützt" says at least 5. Cells A 20, B 1, C 1, E 5 with a
    printed total of 27: without that knowledge protect() stops at {B, C, E} (7 cases, each
    could be 1 … 5), but with the marks E ≥ 5 and B, C ≥ 1 leave exactly B = C = 1, E = 5.
    With ``classes_shown`` it withholds A instead of E (with E, 7 − 1 − 1 would still leave
    E = 5): 22 cases in A, B, C, each of B and C anything from 1 to 4."""
    jan = dt.date(2026, 1, 1)
    counts = {1: 20, 2: 1, 3: 1, 4: 5}
    cells = pl.DataFrame([("cases", "cases", jan, s, n, None) for s, n in counts.items()],
                         schema={"kpi": pl.String, "family": pl.String, "month": pl.Date,
                                 "service_id": pl.Int64, "n": pl.Int64,
                                 "numerator": pl.Int64}, orient="row")

    def attacked(out: pl.DataFrame) -> list[str]:
        hidden = dict(zip(out["service_id"].to_list(), out["suppressed"].to_list(),
                          strict=True))
        marks = {s: (1, 4) if counts[s] < 5 else (5, float("inf")) for s in counts if hidden[s]}
        return recomputable([{"key": s, "n": n, "numerator": None, "suppressed": hidden[s]}
                             for s, n in counts.items()], {"n": 27, "numerator": None}, marks)

    blind, _ = protect(cells, 5)
    assert blind.filter(pl.col("suppressed"))["service_id"].to_list() == [2, 3, 4]
    assert attacked(blind) == ["2: n = 1", "3: n = 1", "4: n = 5"]
    aware, totals = protect(cells, 5, classes_shown=True)
    assert aware.filter(pl.col("suppressed"))["service_id"].to_list() == [1, 2, 3]
    assert not totals["suppressed"].any()
    assert attacked(aware) == []
