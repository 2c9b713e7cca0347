"""``servicepuls publish``: write the open-data feed of :mod:`metrics.open_data` as files a
portal such as GovData harvests — CSV and JSON per KPI, a DCAT-AP.de catalogue
(``catalog.jsonld``) and a README; XLSX beside each CSV for Excel.

Layout (one dataset per KPI, six distributions each)::

    <kpi>_leistung_monat.csv / .json / .xlsx   one row per service and month (with cases)
    <kpi>_monat.csv / .json / .xlsx            one row per month: all services together
    catalog.jsonld                             dcat:Catalog → dcat:Dataset per KPI → Distribution
    README.md                                  columns, units, suppression, licence

CSV is RFC 4180 (comma, UTF-8 without BOM, decimal point, ISO months ``2026-01``) so that
machines read it without guessing. German Excel opens such a file by double-click as one
column with its decimal points misread, so every file also comes as XLSX (typed cells,
:func:`dashboard.exports.to_xlsx`, as the dashboard's downloads). Files are written to a
temporary folder first and then moved into place, so a failed run leaves the previous feed
intact.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dashboard.exports import MIME, to_xlsx
from metrics.open_data import Feed, KpiFeed

log = logging.getLogger(__name__)

LICENSE = "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"
LICENSE_NAME = "Datenlizenz Deutschland – Zero – Version 2.0"
CATALOG_FILE = "catalog.jsonld"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_EU = "http://publications.europa.eu/resource/authority"
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "xlsx": MIME["xlsx"]}
UNITS_DE = {"percent": "Prozent", "days": "Tage"}

CELL_COLUMNS = {  # metrics column → published column
    "month": "monat",
    "service_code": "leistung_nr",
    "service": "leistung",
    "leika_key": "leika_schluessel",
    "department": "fachbereich",
    "kpi": "kennzahl",
    "value": "wert",
    "unit": "einheit",
    "numerator": "zaehler",
    "n": "fallzahl",
    "suppressed": "unterdrueckt",
}
TOTAL_COLUMNS = {
    "month": "monat",
    "kpi": "kennzahl",
    "value": "wert",
    "unit": "einheit",
    "numerator": "zaehler",
    "n": "fallzahl",
    "services_with_data": "leistungen_mit_daten",
    "suppressed": "unterdrueckt",
}


@dataclass(frozen=True)
class Published:
    out_dir: Path
    files: list[str]  # data files, relative to out_dir
    withheld_cells: int
    withheld_totals: int


def published_frame(kpi_feed: KpiFeed, level: str) -> pl.DataFrame:
    """The rows of one file, with German column names, months as ``YYYY-MM`` and the value
    in the KPI's unit (percent as 0–100, rounded to two places)."""
    kpi = kpi_feed.kpi
    frame, columns = ((kpi_feed.cells, CELL_COLUMNS) if level == "leistung_monat"
                      else (kpi_feed.totals, TOTAL_COLUMNS))
    value = (pl.col("value") * 100).round(2) if kpi.unit == "percent" else pl.col("value")
    if kpi.kind == "percentile":  # nearest rank on whole days: always whole
        value = value.round(0).cast(pl.Int64)
    return (frame.with_columns(pl.col("month").dt.strftime("%Y-%m"), value.alias("value"),
                               kpi=pl.lit(kpi.id), unit=pl.lit(UNITS_DE.get(kpi.unit, kpi.unit)))
            .select(list(columns)).rename(columns))


def file_names(kpi_id: str) -> dict[tuple[str, str], str]:
    return {(level, fmt): f"{kpi_id}_{level}.{fmt}" for level in ("leistung_monat", "monat")
            for fmt in ("csv", "json", "xlsx")}


def write_feed(feed: Feed, out_dir: Path, *, publisher: str,
               today: dt.date | None = None) -> Published:
    """Write every file of the feed into ``out_dir``; files of KPIs no longer published by
    an earlier run are removed, and the earlier catalogue's ``dct:issued`` is kept."""
    today = today or dt.date.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = _previous_catalogue(out_dir)
    issued = _first_issued(previous) or today
    written: list[str] = []
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".publish-") as tmp:
        stage = Path(tmp)
        for kpi_feed in feed.kpis:
            for (level, fmt), name in file_names(kpi_feed.kpi.id).items():
                frame = published_frame(kpi_feed, level)
                if fmt == "csv":
                    frame.write_csv(stage / name)
                elif fmt == "xlsx":
                    (stage / name).write_bytes(to_xlsx(frame, name.removesuffix(".xlsx")))
                else:
                    (stage / name).write_text(
                        json.dumps(frame.to_dicts(), ensure_ascii=False) + "\n",
                        encoding="utf-8")
                sizes[name] = (stage / name).stat().st_size
                written.append(name)
        catalogue = dcat_catalogue(feed, sizes, publisher=publisher, issued=issued,
                                   modified=today)
        (stage / CATALOG_FILE).write_text(
            json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (stage / "README.md").write_text(readme(feed, publisher), encoding="utf-8")
        for f in sorted(stage.iterdir()):
            f.replace(out_dir / f.name)
    for stale in _previous_files(previous) - set(written):
        (out_dir / stale).unlink(missing_ok=True)
    cells = sum(int(k.cells["suppressed"].sum()) for k in feed.kpis)
    totals = sum(int(k.totals["suppressed"].sum()) for k in feed.kpis)
    log.info("published %d files to %s", len(written), out_dir)
    return Published(out_dir, written, cells, totals)


def _previous_catalogue(out_dir: Path) -> dict | None:
    path = out_dir / CATALOG_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    except ValueError:
        log.warning("ignoring unreadable %s", path)
        return None


def _first_issued(catalogue: dict | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(catalogue["dct:issued"]["@value"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return None


def _previous_files(catalogue: dict | None) -> set[str]:
    """Data files an earlier run listed (only plain names inside the folder)."""
    if not catalogue:
        return set()
    names = {d.get("dcat:accessURL", {}).get("@id", "")
             for ds in catalogue.get("dcat:dataset", []) for d in ds.get("dcat:distribution", [])}
    return {n for n in names if n and "/" not in n and not n.startswith(".")}


# --- metadata -----------------------------------------------------------------------------


def _date(day: dt.date) -> dict[str, str]:
    return {"@value": day.isoformat(), "@type": "xsd:date"}


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def temporal(months: list[dt.date]) -> dict | None:
    """dct:temporal from the first day of the first month to the last day of the last."""
    if not months:
        return None
    return {"@type": "dct:PeriodOfTime", "dcat:startDate": _date(min(months)),
            "dcat:endDate": _date(_month_end(max(months)))}


def _suppression_note(min_n: int) -> str:
    return (f"Werte, die auf weniger als {min_n} Fällen beruhen, sind unterdrückt "
            "(Spalte unterdrueckt = true, Wert, Zähler und Fallzahl leer); ebenso so viele "
            "weitere Zellen, dass sich keine unterdrückte Zahl aus den Monatssummen "
            "zurückrechnen lässt. Nur Summen je Leistung und Monat, keine Einzelfälle.")


def dcat_catalogue(feed: Feed, sizes: dict[str, int], *, publisher: str, issued: dt.date,
                   modified: dt.date) -> dict:
    """The DCAT-AP.de catalogue as JSON-LD: one dcat:Dataset per KPI, one
    dcat:Distribution per file (accessURL relative to the catalogue)."""
    agent = {"@type": "foaf:Agent", "foaf:name": publisher}
    licence = {"@id": LICENSE}
    datasets = []
    for k in feed.kpis:
        months = sorted(set(k.cells["month"].to_list()))
        distributions = []
        for (level, fmt), name in file_names(k.kpi.id).items():
            what = "je Leistung und Monat" if level == "leistung_monat" else \
                "je Monat, alle Leistungen"
            distributions.append({
                "@id": f"#{name}",
                "@type": "dcat:Distribution",
                "dct:title": f"{k.kpi.label_de} {what} ({fmt.upper()})",
                "dcat:accessURL": {"@id": name},
                "dcat:downloadURL": {"@id": name},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/"
                                   + MEDIA_TYPES[fmt]},
                "dct:format": {"@id": f"{_EU}/file-type/{fmt.upper()}"},
                "dct:license": licence,
                "dcat:byteSize": {"@value": str(sizes.get(name, 0)),
                                  "@type": "xsd:nonNegativeInteger"},
                "dct:issued": _date(issued),
                "dct:modified": _date(modified),
            })
        datasets.append({
            "@id": f"#{k.kpi.id}",
            "@type": "dcat:Dataset",
            "dct:identifier": f"servicepuls-{k.kpi.id}",
            "dct:title": f"{k.kpi.label_de} je Leistung und Monat – {publisher}",
            "dct:description": f"{k.kpi.method_de} {_suppression_note(feed.min_n)}",
            "dct:publisher": agent,
            "dct:issued": _date(issued),
            "dct:modified": _date(modified),
            "dct:temporal": temporal(months),
            "dct:language": {"@id": f"{_EU}/language/DEU"},
            "dct:accrualPeriodicity": {"@id": f"{_EU}/frequency/MONTHLY"},
            "dcat:theme": {"@id": f"{_EU}/data-theme/GOVE"},
            "dcat:keyword": ["Verwaltungsdigitalisierung", "OZG", "Bürgerservice",
                             k.kpi.label_de],
            "dcat:distribution": distributions,
        })
    return {
        "@context": CONTEXT,
        "@id": "#katalog",
        "@type": "dcat:Catalog",
        "dct:title": f"Servicepuls – Kennzahlen der digitalen Verwaltungsleistungen, {publisher}",
        "dct:description": "Wie die Verwaltungsleistungen der Kommune genutzt werden: "
        "Kennzahlen je Leistung und Monat, aggregiert und datenschutzgerecht. "
        + _suppression_note(feed.min_n),
        "dct:publisher": agent,
        "dct:license": licence,
        "dct:language": {"@id": f"{_EU}/language/DEU"},
        "dct:issued": _date(issued),
        "dct:modified": _date(modified),
        "dct:temporal": temporal(feed.months),
        "dcat:dataset": datasets,
    }


def readme(feed: Feed, publisher: str) -> str:
    """The README of the output folder: what each file holds and how to read it."""
    files = "\n".join(
        f"| `{names[('leistung_monat', 'csv')]}`, `.json`, `.xlsx` | {k.kpi.label_de} je "
        f"Leistung und Monat ({UNITS_DE.get(k.kpi.unit, k.kpi.unit)}) |\n"
        f"| `{names[('monat', 'csv')]}`, `.json`, `.xlsx` | {k.kpi.label_de}, alle Leistungen "
        "je Monat |"
        for k in feed.kpis for names in [file_names(k.kpi.id)])
    months = feed.months
    span = (f"{months[0]:%m/%Y} bis {months[-1]:%m/%Y}" if months else "keine Daten")
    return f"""# Offene Daten: Kennzahlen der digitalen Verwaltungsleistungen — {publisher}

Erzeugt mit `servicepuls publish`. Zeitraum: {span}. Lizenz: {LICENSE_NAME}
({LICENSE}). Metadaten (DCAT-AP.de, JSON-LD): `{CATALOG_FILE}` — ein Datensatz je
Kennzahl, je Datei eine Distribution mit relativem `accessURL`.

| Datei | Inhalt |
|---|---|
{files}

Jede Datei gibt es als CSV (RFC 4180: Komma, UTF-8 ohne BOM, Dezimalpunkt), als JSON
(eine Liste von Objekten mit denselben Schlüsseln; leere Zellen sind `null`) und als XLSX
mit denselben Spalten. Für Excel die XLSX-Datei öffnen: ein Doppelklick auf die CSV-Datei
liest sie in deutschem Excel in eine Spalte und den Dezimalpunkt falsch.

## Spalten

| Spalte | Bedeutung |
|---|---|
| `monat` | Monat (`JJJJ-MM`); bei Bearbeitungszeit und Rückfragen der Eingangsmonat |
| `leistung_nr`, `leistung` | die Leistung: Nummer der Kommune und Name |
| `leika_schluessel`, `fachbereich` | LeiKa-Schlüssel und Fachbereich der Leistung |
| `kennzahl`, `einheit` | Kennung der Kennzahl und Einheit von `wert` (`Prozent` 0–100, `Tage`) |
| `wert` | der Wert der Kennzahl |
| `zaehler` | bei Anteilen: der Zähler (z. B. online eingegangene Vorgänge) |
| `fallzahl` | die Zahl der Fälle, auf denen der Wert beruht (bei Anteilen der Nenner) |
| `leistungen_mit_daten` | nur Monatsdateien: wie viele Leistungen in diesem Monat Daten haben |
| `unterdrueckt` | `true`: Wert, Zähler und Fallzahl sind aus Datenschutzgründen leer |

Anteile über mehrere Leistungen oder Monate: Σ `zaehler` / Σ `fallzahl` — nie den
Mittelwert der Prozente. Eine Leistung ohne Vorgänge in einem Monat hat keine Zeile.
Die jüngsten Eingangsmonate der Bearbeitungszeit und der Rückfragenrate sind noch nicht
vollständig: schnelle Fälle sind früher fertig als langsame.

## Datenschutz

Keine Einzelfälle, keine Vorgangsnummern, keine Standorte, keine Freitexte.
{_suppression_note(feed.min_n)} Fällt die nötige zweite Zelle
weg, weil es keine gibt, bleibt die Monatssumme leer. Kennzahlen, deren Fallzahlen
dieselben Vorgänge zählen (Rückfragenrate, Bearbeitungszeit und Anteil im Servicestandard:
die abgeschlossenen Vorgänge), werden gemeinsam unterdrückt.

*English: the KPI feed of {publisher} per service and month and per month (all services),
as CSV and JSON; DCAT-AP.de metadata in `{CATALOG_FILE}`; licence dl-zero-de/2.0. Cells
with fewer than {feed.min_n} cases, and the cells that would reveal them from the monthly
totals, are withheld (`unterdrueckt = true`).*
"""
