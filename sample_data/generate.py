"""Write Musterstadt's sample export: leistungen.csv, standorte.csv and vorgaenge.csv.

The case file is written in chunks of :data:`CHUNK_SIZE` rows, each drawn by
:func:`sample_data.model.draw_chunk` with its own generator ``default_rng([seed, chunk])``,
so ten million cases need no more memory than one chunk and the same arguments always give
byte-identical files. How many cases fall into each month is fixed up front (largest
remainder on the expected volumes), so chunks only need to know their row range. Rows are
sorted by receipt within a chunk; where a chunk seam splits a month, the next chunk starts
that month again (at most one step back of < 1 month per seam, like a real export ordered by
case number rather than by receipt).

The formats imitate what real Fachverfahren export (DOMAIN.md, "What exports look like"): the
master data as UTF-8 with BOM, the cases as Windows-1252; ``;`` separated, CRLF line ends,
German dates.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sample_data.behaviour import CHANNELS
from sample_data.city import LOCATIONS, SERVICES
from sample_data.model import STATUS_DONE, STATUS_OPEN, Tables, build_tables, draw_chunk

logger = logging.getLogger(__name__)

CHUNK_SIZE = 250_000
SERVICES_FILE, LOCATIONS_FILE, CASES_FILE = "leistungen.csv", "standorte.csv", "vorgaenge.csv"
SERVICES_HEADER = ("Leistungsnummer;Bezeichnung;LeiKa-Schlüssel;Fachbereich;OZG-Leistung;"
                   "Online seit;Bearbeitungsziel (Tage)")
LOCATIONS_HEADER = "Standortnummer;Bezeichnung;Stadtbezirk;Art;Breitengrad;Längengrad"
CASES_COLUMNS = (
    "Vorgangsnummer",
    "Leistung",
    "Leistungsbezeichnung",
    "Standort",
    "Eingangskanal",
    "Eingang am",
    "Abgeschlossen am",
    "Status",
    "Anzahl Nachforderungen",
    "Sachbearbeitung",
)
STATUSES = ("abgeschlossen", "in Bearbeitung", "abgelehnt", "zurückgezogen")
TIMESTAMP = "%d.%m.%Y %H:%M"
# Bad rows a real export contains, written in this rotation (see _bad_rows).
BAD_KINDS = ("unknown_service", "completed_before_received", "impossible_date", "unknown_channel")
BAD_EVERY = 5_000
BAD_MINIMUM, BAD_MINIMUM_FROM = 4, 2_000


@dataclass(frozen=True)
class SampleExport:
    """What :func:`generate` wrote; ``cases_written`` counts every data row, bad ones too."""

    out_dir: Path
    services_file: Path
    locations_file: Path
    cases_file: Path
    cases_written: int
    bad_rows: int
    # the other systems' exports: survey, statistics workbook, portal funnel, appointments
    extra_files: tuple[Path, ...] = ()


def generate(
    out_dir: Path, cases: int = 300_000, seed: int = 42, months: int = 24, end: str = "2026-10",
    *, extras: bool = True,
) -> SampleExport:
    """Write the sample city's exports into ``out_dir`` (created if missing): master data and
    the case export, and with ``extras`` what its other systems deliver — the survey
    (LimeSurvey), the monthly statistics workbook, the online portal's form funnel and the
    appointment system's per-location JSON — scaled with ``cases``, plus the definition of
    its pilot project (``pilotprojekte.toml``) and its cost rates (``kosten.toml``).

    ``months`` full calendar months ending with month ``end`` (``YYYY-MM``) form the window.
    """
    if cases < 0 or months < 1:
        raise ValueError(f"cases must be >= 0 and months >= 1, got {cases=} {months=}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = window_start(end, months)
    services_file = write_services(out_dir / SERVICES_FILE)
    locations_file = write_locations(out_dir / LOCATIONS_FILE)
    cases_file = out_dir / CASES_FILE
    bad = write_cases(cases_file, cases, seed, build_tables(first, months))
    logger.info("wrote %s cases (%s bad rows) to %s", cases, bad, cases_file)
    extra: list[Path] = []
    if extras:
        from sample_data.appointments import write_appointments
        from sample_data.costs import write_costs
        from sample_data.funnel import write_funnel
        from sample_data.pilots import write_pilots
        from sample_data.statistics import write_monthly_statistics
        from sample_data.survey import write_survey

        window = {"seed": seed, "months": months, "end": end}
        extra.append(write_survey(out_dir, responses=min(6000, max(300, cases // 50)),
                                  **window))
        extra.append(write_monthly_statistics(out_dir, **window))
        extra.append(write_funnel(out_dir, **window))
        extra += write_appointments(out_dir, appointments=min(60_000, max(500, cases // 5)),
                                    **window)
        extra.append(write_pilots(out_dir))  # the pilot's definition, for Pilotprojekte
        extra.append(write_costs(out_dir))  # cost and effort per channel, for the Überblick
    return SampleExport(out_dir, services_file, locations_file, cases_file, cases, bad,
                        tuple(extra))


def window_start(end: str, months: int) -> dt.date:
    """First day of the window of ``months`` months whose last month is ``end``."""
    try:
        year, month = (int(x) for x in end.split("-"))
    except ValueError:
        raise ValueError(f"end must look like 'YYYY-MM', got {end!r}") from None
    if not 1 <= month <= 12:
        raise ValueError(f"end must look like 'YYYY-MM' with a month 01-12, got {end!r}")
    index = year * 12 + (month - 1) - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def _write_utf8_bom(path: Path, lines: list[str]) -> Path:
    path.write_bytes("".join(line + "\r\n" for line in lines).encode("utf-8-sig"))
    return path


def _german_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}".replace(".", ",")


def write_services(path: Path) -> Path:
    rows = [
        ";".join(
            (
                s.code,
                s.name,
                s.leika_key,
                s.department,
                s.ozg_service,
                # "nie", not an empty cell: the master data say the service is not online,
                # which an empty cell (no date known) would not (connectors.mapping)
                "nie" if s.online_since is None else s.online_since.strftime("%d.%m.%Y"),
                "" if s.target_days is None else str(s.target_days),
            )
        )
        for s in SERVICES
    ]
    return _write_utf8_bom(path, [SERVICES_HEADER, *rows])


def write_locations(path: Path) -> Path:
    rows = [
        ";".join(
            (
                loc.code,
                loc.name,
                loc.district or "",
                loc.kind,
                _german_decimal(loc.latitude),
                _german_decimal(loc.longitude),
            )
        )
        for loc in LOCATIONS
    ]
    return _write_utf8_bom(path, [LOCATIONS_HEADER, *rows])


def month_counts(total: int, volume: np.ndarray) -> np.ndarray:
    """Split ``total`` cases over months in proportion to ``volume`` (largest remainder)."""
    exact = total * volume / volume.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def bad_row_positions(total: int) -> np.ndarray:
    """Row indices of the bad rows: ~1 per 5,000, at least 4 from 2,000 rows, evenly spread."""
    n_bad = total // BAD_EVERY
    if total >= BAD_MINIMUM_FROM:
        n_bad = max(n_bad, BAD_MINIMUM)
    return ((np.arange(n_bad) + 0.5) * total / max(n_bad, 1)).astype(np.int64)


def write_cases(
    path: Path, total: int, seed: int, tables: Tables, chunk_size: int = CHUNK_SIZE
) -> int:
    """Write vorgaenge.csv chunk by chunk; returns the number of bad rows written."""
    month_end = np.cumsum(month_counts(total, tables.month_volume))
    bad_at = bad_row_positions(total)
    running: dict[int, int] = {}  # last Vorgangsnummer per year of receipt
    epoch_min = (tables.days.first - dt.date(1970, 1, 1)).days * 1440
    with path.open("wb") as out:
        out.write((";".join(CASES_COLUMNS) + "\r\n").encode("cp1252"))
        for chunk, start in enumerate(range(0, total, chunk_size)):
            rows = np.arange(start, min(start + chunk_size, total))
            month = np.searchsorted(month_end, rows, side="right")
            cases = draw_chunk(np.random.default_rng([seed, chunk]), month, tables)
            order = np.argsort(cases["received"], kind="stable")
            cases = {k: v[order] for k, v in cases.items()}
            here = np.flatnonzero((bad_at >= rows[0]) & (bad_at <= rows[-1]))
            frame = _format(
                cases, epoch_min, running, bad_at[here] - rows[0], here % len(BAD_KINDS)
            )
            text = frame.write_csv(separator=";", line_terminator="\r\n", include_header=False)
            out.write(text.encode("cp1252"))
            logger.debug("chunk %s: rows %s-%s", chunk, rows[0], rows[-1])
    return len(bad_at)


def _running_numbers(years: np.ndarray, running: dict[int, int]) -> np.ndarray:
    """Continue each year's running case number across chunks (rows are in receipt order)."""
    numbers = np.empty(len(years), dtype=np.int64)
    for year in np.unique(years):
        mask = years == year
        first = running.get(int(year), 0)
        numbers[mask] = first + 1 + np.arange(mask.sum())
        running[int(year)] = first + int(mask.sum())
    return numbers


def _format(
    cases: dict[str, np.ndarray],
    epoch_min: int,
    running: dict[int, int],
    bad_local: np.ndarray,
    kinds: np.ndarray,
) -> pl.DataFrame:
    """Turn one chunk's arrays into the export's text columns, spoiling the bad rows."""
    service, channel = cases["service"].copy(), cases["channel"].copy()
    status, closed = cases["status"].copy(), cases["closed"].copy()
    service[bad_local[kinds == 0]] = len(SERVICES)  # -> X999
    spoil = bad_local[kinds == 1]
    closed[spoil] = cases["received"][spoil] - 3 * 1440
    status[spoil] = STATUS_DONE
    channel[bad_local[kinds == 3]] = len(CHANNELS)  # -> Fax

    def stamp(minutes: np.ndarray) -> pl.Series:
        return pl.from_epoch(pl.Series((minutes + epoch_min) * 60_000), time_unit="ms")

    received = stamp(cases["received"])
    years = received.dt.year().to_numpy()
    numbers = pl.Series(_running_numbers(years, running))
    received_text = received.dt.strftime(TIMESTAMP)
    impossible = bad_local[kinds == 2]
    if len(impossible):
        received_text = received_text.scatter(
            impossible, [f"31.02.{years[i]} 10:00" for i in impossible]
        )
    closed_text = stamp(closed).dt.strftime(TIMESTAMP)
    closed_text = pl.select(
        pl.when(pl.Series(status != STATUS_OPEN)).then(closed_text).otherwise(None)
    ).to_series()
    codes = pl.Series([s.code for s in SERVICES] + ["X999"])
    names = pl.Series([s.name for s in SERVICES] + [None], dtype=pl.String)
    return pl.DataFrame(
        {
            "Vorgangsnummer": pl.Series(years).cast(pl.String)
            + "-"
            + numbers.cast(pl.String).str.zfill(8),
            "Leistung": codes.gather(service),
            "Leistungsbezeichnung": names.gather(service),
            "Standort": pl.Series([loc.code for loc in LOCATIONS]).gather(cases["location"]),
            "Eingangskanal": pl.Series([*CHANNELS, "Fax"]).gather(channel),
            "Eingang am": received_text,
            "Abgeschlossen am": closed_text,
            "Status": pl.Series(STATUSES).gather(status),
            "Anzahl Nachforderungen": pl.Series(cases["follow_ups"]),
            "Sachbearbeitung": "MU-" + pl.Series(cases["staff"]).cast(pl.String).str.zfill(3),
        }
    )
