"""The council report (Bericht für den Rat) as PDF or PowerPoint.

- :mod:`~dashboard.report.period`, :mod:`~dashboard.report.scope`: what the admin asked for;
- :mod:`~dashboard.report.content` (with ``summary``, ``services``, ``pilots``): the report as
  data (:mod:`~dashboard.report.model`), computed from :mod:`metrics`;
- :mod:`~dashboard.report.pdf`, :mod:`~dashboard.report.slides`: layouts of that data.

:func:`render` turns a :class:`~dashboard.report.model.Report` into file bytes; the command
line (``servicepuls report``) and the page Berichte both call it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from dashboard.images import render as render_image
from dashboard.report.content import Inputs, build, load_inputs
from dashboard.report.model import Report
from dashboard.report.period import ReportInputError

log = logging.getLogger(__name__)

FORMATS = {"pdf": "application/pdf",
           "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
SCALE = 2  # images at twice their layout size: sharp on a projector and in print

__all__ = ["FORMATS", "Inputs", "Report", "ReportInputError", "build", "load_inputs", "render",
           "write"]


def check_format(fmt: str) -> str:
    value = (fmt or "").strip().lower()
    if value not in FORMATS:
        raise ReportInputError(f"Format '{fmt}' gibt es nicht; möglich sind "
                               f"{', '.join(FORMATS)}", fix="--format pdf oder --format pptx")
    return value


def render(report: Report, fmt: str) -> bytes:
    """The report as ``pdf`` or ``pptx`` bytes (charts rendered once, through kaleido)."""
    fmt = check_format(fmt)
    images = [render_image(c.figure, "png", width=c.width, height=c.height, scale=SCALE)
              for c in report.charts]
    pilot_images = [None if p.chart is None else
                    render_image(p.chart.figure, "png", width=p.chart.width,
                                 height=p.chart.height, scale=SCALE) for p in report.pilots]
    if fmt == "pdf":
        from dashboard.report.pdf import print_pdf, to_html

        return print_pdf(to_html(report, images, pilot_images))
    from dashboard.report.slides import to_pptx

    return to_pptx(report, images, pilot_images)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write(data: bytes, out: Path) -> Path:
    """Write ``data`` to ``out`` all at once: a temporary file beside it, then a rename, so a
    failed or interrupted run never leaves half a report."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        # mkstemp makes the file private (0600); a report is for sharing: the mode any new
        # file gets here (0644 under the usual umask 022)
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("report written: %s (%d bytes)", out, len(data))
    return out
