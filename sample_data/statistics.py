"""Monthly statistics workbook of Musterstadt's Bürgerservice (``monatsstatistik.xlsx``).

Shaped like the statistics export of a Fachverfahren (DOMAIN.md, "What exports look like"):
one sheet per calendar year of the window ("2024", "2025", "2026" for the default window
11.2024–10.2026); on each a title merged across the columns, an empty row, the header
"Monat", "Leistung" and one column per channel, then one row per month and service, and a
"Summe" row at the end. "Monat" is a date cell (the first of the month) shown as
``MM.YYYY``; counts are numbers; the totals are values, not formulas (a workbook written
by a program carries no cached formula results, so a reader would see empty cells).

Which services: four services of the Bürgerservice that the case export
(:mod:`sample_data.generate`) covers as well — Meldebescheinigung, Führungszeugnis,
Briefwahl and Beglaubigung. That is on purpose: where a service has case-level data in a
month, the metrics take the cases and leave its statistics out (``metrics.facts``), so the
sample exercises the rule "never count twice"; the statistics count only for months
without cases. Beglaubigung is never offered online: its "Online" cells are empty (no
record), not 0.

Volumes follow the generator's assumed truth (:mod:`sample_data.behaviour`: relative
volume, season, online take-up drifting with the city-wide trend, offline channel mix), at
about the size of the default case export. Video and assisted-digital shares of the
offline mix are left out: this Fachverfahren counts only the five channels of its columns.
Deterministic: the same arguments give byte-identical files (fixed zip and document times).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sample_data import behaviour as bh
from sample_data.city import CITY, SERVICE_BY_CODE
from sample_data.generate import window_start

logger = logging.getLogger(__name__)

STATISTICS_FILE = "monatsstatistik.xlsx"
SERVICE_CODES: tuple[str, ...] = ("L005", "L013", "L028", "L029")
# Column header → channel of the store (the profile musterstadt_monatsstatistik maps them).
CHANNEL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Online", "online"), ("Vor Ort", "in_person"), ("Telefon", "phone"), ("Post", "post"),
    ("E-Mail", "email"),
)
HEADER: tuple[str, ...] = ("Monat", "Leistung", *(h for h, _ in CHANNEL_COLUMNS))
TITLE = "Monatsstatistik Bürgerservice {city} {year}"
TOTAL_LABEL = "Summe"
SKIP_ROWS = 2  # title, empty row
CASES_PER_VOLUME = 120.0  # monthly cases per unit of BehaviourService.volume


def _months(first: dt.date, months: int) -> list[dt.date]:
    index = first.year * 12 + first.month - 1
    return [dt.date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(months)]


def _month_end(month: dt.date) -> dt.date:
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def monthly_counts(seed: int = 42, months: int = 24, end: str = "2026-10"
                   ) -> list[tuple[dt.date, str, tuple[int | None, ...]]]:
    """(month, service code, counts per channel column) — ``None`` where the service is
    not offered online in that month."""
    if months < 1:
        raise ValueError(f"months must be >= 1, got {months}")
    rng = np.random.default_rng([seed, 7])  # own stream: independent of the case export
    calendar = _months(window_start(end, months), months)
    trend = np.linspace(bh.TREND_START, bh.TREND_END, months)
    rows = []
    for i, month in enumerate(calendar):
        growth = (1 + bh.VOLUME_GROWTH_PER_YEAR) ** (i / 12)
        for code in SERVICE_CODES:
            b, service = bh.BEHAVIOUR[code], SERVICE_BY_CODE[code]
            online = (service.online_since is not None
                      and service.online_since <= _month_end(month))
            share = min(bh.MAX_ONLINE_SHARE, b.take_up * trend[i]) if online else 0.0
            offline = np.array(bh.OFFLINE_MIX[b.mix][:4])  # in person, phone, post, e-mail
            p = np.concatenate([[share], (1 - share) * offline / offline.sum()])
            expected = (CASES_PER_VOLUME * b.volume * growth
                        * bh.season_factor(b.season, month.year, month.month))
            counts = rng.multinomial(rng.poisson(expected), p)
            rows.append((month, code, (int(counts[0]) if online else None,
                                       *(int(c) for c in counts[1:]))))
    return rows


def write_monthly_statistics(out_dir: Path, seed: int = 42, months: int = 24,
                             end: str = "2026-10") -> Path:
    """Write ``monatsstatistik.xlsx`` into ``out_dir`` (created if missing); see above."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = monthly_counts(seed, months, end)
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for year in sorted({m.year for m, _, _ in rows}):
        ws = wb.create_sheet(str(year))
        ws.append([TITLE.format(city=CITY, year=year)])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.append([])
        ws.append(list(HEADER))
        for cell in ws[SKIP_ROWS + 1]:
            cell.font = bold
        totals = [0] * len(CHANNEL_COLUMNS)
        for month, code, counts in rows:
            if month.year != year:
                continue
            ws.append([dt.datetime(month.year, month.month, 1), code, *counts])
            ws.cell(ws.max_row, 1).number_format = "MM.YYYY"
            totals = [t + (c or 0) for t, c in zip(totals, counts, strict=True)]
        ws.append([TOTAL_LABEL, None, *totals])
        for cell in ws[ws.max_row]:
            cell.font = bold
        ws.column_dimensions["A"].width = 10
    buffer = io.BytesIO()
    wb.save(buffer)
    path = out_dir / STATISTICS_FILE
    path.write_bytes(_reproducible(buffer.getvalue(), _stamp(end)))
    logger.info("wrote %d statistics rows to %s", len(rows), path)
    return path


def _stamp(end: str) -> dt.datetime:
    """The export time: the first day after the window."""
    last = _month_end(_months(window_start(end, 1), 1)[0])
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(6, 0))


def _reproducible(xlsx: bytes, stamp: dt.datetime) -> bytes:
    """The same workbook with fixed zip entry times and document dates (openpyxl writes
    the current time into both), so equal arguments give byte-identical files."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>"
                              + iso.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()
