"""The report as PDF: escaped HTML printed by the machine's Chromium (headless print-to-pdf).

Why Chromium and not a PDF library: the charts already need Chromium (kaleido), and
Chromium lays out German text with the system's fonts (umlauts, „“, €, NBSP), breaks long
tables across pages with repeated headers, and writes a tagged PDF whose images carry their
alt text. Nothing is downloaded; ``--user-data-dir`` is a fresh temporary folder so a running
browser or a concurrent report never shares a profile.
"""

from __future__ import annotations

import base64
import html
import logging
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dashboard.i18n import t
from dashboard.images import ImageError, chromium_path
from dashboard.report.model import Report, Table

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 120

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@page wide { size: A4 landscape; margin: 14mm 14mm 16mm 14mm; }
section.wide { page: wide; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt;
       color: #111; line-height: 1.35; font-variant-ligatures: none; }
h1 { font-size: 26pt; margin: 0 0 8mm 0; }
h2 { font-size: 15pt; margin: 0 0 4mm 0; break-after: avoid; }
h3 { font-size: 12pt; margin: 5mm 0 2mm 0; break-after: avoid; }
section { break-before: page; }
.title { padding-top: 55mm; }
.title p { font-size: 13pt; margin: 2mm 0; }
.title .brand { margin-top: 40mm; color: #454545; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.4pt solid #999; padding: 1.2mm 1.6mm; text-align: left;
         vertical-align: top; }
th { background: #E8EEF4; }
td.num { text-align: right; white-space: nowrap; }
table.small { font-size: 8pt; }
figure { margin: 0 0 6mm 0; break-inside: avoid; }
figure img { width: 100%; }
figcaption { font-size: 8.5pt; color: #333; }
.note { font-size: 9pt; color: #333; }
.sentence { font-size: 12pt; font-weight: bold; }
dl { display: grid; grid-template-columns: 38mm auto; gap: 1mm 3mm; margin: 0 0 3mm 0; }
dt { font-weight: bold; }
dd { margin: 0; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _table(table: Table, css: str = "") -> str:
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(c)}</td>" if i < table.text_columns
                         else f"<td class='num'>{_e(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in table.rows)
    return f"<table class='{css}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(png: bytes, title: str, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><h3>{_e(title)}</h3><img src='data:image/png;base64,{data}' "
            f"alt='{_e(alt)}'><figcaption>{_e(alt)}</figcaption></figure>")


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def to_html(report: Report, images: Sequence[bytes], pilot_images: Sequence[bytes | None]) -> str:
    """The whole report as one self-contained HTML document (images inline)."""
    lang = report.lang
    parts = [
        f"<div class='title'><h1>{_e(report.title)}</h1>",
        f"<p><b>{_e(' – '.join(x for x in (report.city, report.scope_label) if x))}</b></p>",
        f"<p>{_e(report.period_label)} ({_e(report.period_span)})</p>",
        f"<p>{_e(t('r_as_of', lang))}: {_e(report.data_as_of)}</p>",
        f"<p>{_e(t('r_generated', lang))}: {_e(report.generated)}</p>",
        f"<p class='brand'>{_e(t('r_made_with', lang))}</p></div>",
        f"<section><h2>{_e(t('r_sec_summary', lang))}</h2>", _table(report.kpi_table()),
        "".join(f"<p class='note'>{_e(n)}</p>" for n in report.notes),
        f"<p class='note'>{_e(report.coverage)}</p>",
    ]
    parts += [_figure(png, c.title, c.alt) for png, c in zip(images, report.charts, strict=True)]
    parts += ["</section>", f"<section class='wide'><h2>{_e(t('r_sec_services', lang))}</h2>",
              f"<p class='note'>{_e(report.services_note)}</p>",
              _table(report.services, "small"), "</section>",
              f"<section><h2>{_e(t('nav_pilots', lang))}</h2>"]
    if not report.pilots:
        parts.append(f"<p>{_e(t('r_no_pilots', lang))}</p>")
    for pilot, png in zip(report.pilots, pilot_images, strict=True):
        parts.append(f"<h3>{_e(pilot.name)}</h3>")
        if pilot.description:
            parts.append(f"<p>{_e(pilot.description)}</p>")
        parts.append(f"<p class='sentence'>{_e(pilot.sentence)}</p>")
        facts = [*pilot.facts, (t("p_tile_target", lang), pilot.target),
                 (t("r_col_status", lang), pilot.status)]
        parts.append("<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
                     + "</dl>")
        if png is not None and pilot.chart is not None:
            parts.append(_figure(png, pilot.chart.title, pilot.chart.alt))
    parts += ["</section>", f"<section><h2>{_e(t('r_sec_methods', lang))}</h2>"]
    parts += [f"<h3>{_e(title)}</h3><p>{_e(text)}</p>" for title, text in report.methods]
    parts += [f"<h2>{_e(t('r_sec_coverage', lang))}</h2><p>{_e(report.coverage)}</p>",
              f"<h2>{_e(t('r_sec_suppressed', lang))}</h2>", _list(report.suppressed),
              "</section>"]
    title = f"{report.title} – {report.scope_label} – {report.period_label}"
    return (f"<!doctype html><html lang='{_e(lang)}'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            + "".join(parts) + "</body></html>")


def print_pdf(document: str) -> bytes:
    """Chromium prints ``document`` (HTML) to PDF bytes; :class:`ImageError` without one."""
    browser = chromium_path()
    if browser is None:
        raise ImageError("Der PDF-Bericht braucht Chromium, das hier nicht gefunden wurde.",
                         fix="`apt-get install -y chromium` (oder BROWSER_PATH setzen)")
    with tempfile.TemporaryDirectory(prefix="servicepuls-report-") as tmp:
        folder = Path(tmp)
        source, target = folder / "report.html", folder / "report.pdf"
        source.write_text(document, encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--no-default-browser-check", "--disable-extensions",
               f"--user-data-dir={folder / 'profile'}", "--no-pdf-header-footer",
               "--generate-pdf-document-outline", f"--print-to-pdf={target}",
               source.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise ImageError(f"Chromium hat das PDF nicht in {TIMEOUT_SECONDS} s erzeugt",
                             fix="`chromium --version` prüfen") from exc
        if not target.is_file() or target.stat().st_size == 0:
            log.warning("chromium print-to-pdf failed: %s", done.stderr[-2000:])
            raise ImageError(f"Chromium konnte das PDF nicht erzeugen (Exit-Code "
                             f"{done.returncode})", fix="`chromium --version` prüfen")
        return target.read_bytes()
