"""Static chart images (PNG, SVG) for downloads and reports.

Plotly renders through kaleido, which drives the machine's Chromium (Debian's
``/usr/bin/chromium``); nothing is ever downloaded. One kaleido server is started on first use and
kept for the process, so a report with a dozen charts pays Chromium's start-up once.
"""

from __future__ import annotations

import atexit
import html
import io
import os
import re
import shutil
import threading
from typing import Literal

import plotly.graph_objects as go

from connectors.errors import ServicepulsError

Format = Literal["png", "svg"]
DEBIAN_CHROMIUM = "/usr/bin/chromium"
_lock = threading.Lock()
_server_started = False


class ImageError(ServicepulsError):
    """A chart could not be rendered as an image (usually: no Chromium on this machine)."""


def chromium_path() -> str | None:
    """The Chromium kaleido will use: ``BROWSER_PATH``, else Debian's, else one on ``PATH``."""
    for candidate in (os.environ.get("BROWSER_PATH"), DEBIAN_CHROMIUM):
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _ensure_server() -> None:
    global _server_started
    if _server_started:
        return
    path = chromium_path()
    if path is None:
        raise ImageError(
            "Diagramme als Bild brauchen Chromium, das hier nicht gefunden wurde. "
            "Abhilfe: `apt-get install -y chromium` (oder BROWSER_PATH auf einen Chromium setzen)."
        )
    os.environ.setdefault("BROWSER_PATH", path)  # choreographer reads it
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)
    _server_started = True


TITLE_SIZE, NOTE_SIZE = 18, 12  # px at scale 1
PAD = 12  # px around the title and the note
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")  # Debian's fonts-dejavu-core
SVG_FONT = "Source Sans Pro, Source Sans, DejaVu Sans, sans-serif"  # as dashboard.figures


def _font(size: float, bold: bool = False):  # noqa: ANN202 - PIL FreeTypeFont
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT_FILES[bold], size)
    except OSError:  # no DejaVu on this machine: Pillow's own scalable font
        return ImageFont.load_default(size)


def _wrap(text: str, font, width: float) -> list[str]:  # noqa: ANN001
    """``text`` in lines no wider than ``width`` pixels in ``font``."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _layout(title: str, note: str, width: int, scale: float) -> tuple[list, list, int, int]:
    """Title and note lines (wrapped to the image's width), the height above and below."""
    inner = (width - 2 * PAD) * scale
    heads = _wrap(title, _font(TITLE_SIZE * scale, True), inner)
    notes = _wrap(note, _font(NOTE_SIZE * scale), inner)
    above = round((PAD + len(heads) * TITLE_SIZE * 1.3 + PAD / 2) * scale)
    below = round((PAD / 2 + len(notes) * NOTE_SIZE * 1.4 + PAD) * scale)
    return heads, notes, above, below


def captioned(image: bytes, fmt: Format, title: str, note: str, *, width: int,
              scale: float = 1.0) -> bytes:
    """The rendered chart with ``title`` above it and ``note`` (source, date, method) below:
    a chart taken into a slide or a document still says what it shows and where it comes
    from. Composed around the image rather than inside the figure, so it never collides with
    what plotly's automatic margins put there (tick labels, axis titles, legends)."""
    heads, notes, above, below = _layout(title, note, width, scale if fmt == "png" else 1)
    if fmt == "svg":
        return _captioned_svg(image, heads, notes, above, below, width)
    from PIL import Image, ImageDraw

    chart = Image.open(io.BytesIO(image)).convert("RGB")
    page = Image.new("RGB", (chart.width, chart.height + above + below), "white")
    page.paste(chart, (0, above))
    draw = ImageDraw.Draw(page)
    x, y = PAD * scale, PAD * scale
    for line in heads:
        draw.text((x, y), line, font=_font(TITLE_SIZE * scale, True), fill="#111111")
        y += TITLE_SIZE * 1.3 * scale
    y = above + chart.height + PAD / 2 * scale
    for line in notes:
        draw.text((x, y), line, font=_font(NOTE_SIZE * scale), fill="#333333")
        y += NOTE_SIZE * 1.4 * scale
    out = io.BytesIO()
    page.save(out, "PNG", optimize=True)
    return out.getvalue()


def _captioned_svg(svg: bytes, heads: list[str], notes: list[str], above: int, below: int,
                   width: int) -> bytes:
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]  # the chart as a nested <svg>, moved down
    height = int(float(re.search(r'<svg[^>]*?\sheight="([\d.]+)', text).group(1)))
    text = text.replace("<svg", f'<svg x="0" y="{above}"', 1)
    lines = [f'<text x="{PAD}" y="{PAD + (i + 1) * TITLE_SIZE * 1.3 - 4:.0f}" '
             f'font-size="{TITLE_SIZE}" font-weight="bold" fill="#111111">'
             f"{html.escape(line)}</text>" for i, line in enumerate(heads)]
    top = above + height + PAD / 2
    lines += [f'<text x="{PAD}" y="{top + (i + 1) * NOTE_SIZE * 1.4 - 3:.0f}" '
              f'font-size="{NOTE_SIZE}" fill="#333333">{html.escape(line)}</text>'
              for i, line in enumerate(notes)]
    total = above + height + below
    return (f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" height="{total}" '
            f'viewBox="0 0 {width} {total}" font-family="{SVG_FONT}">'
            f'<rect width="100%" height="100%" fill="white"/>{"".join(lines)}{text}</svg>'
            ).encode()


def render(fig: go.Figure, fmt: Format = "png", *, width: int = 1000, height: int = 500,
           scale: float = 1.0) -> bytes:
    """The figure as PNG or SVG bytes, exactly as laid out (fonts, colours, German separators)."""
    import kaleido

    with _lock:
        _ensure_server()
        try:
            return kaleido.calc_fig_sync(
                fig, opts={"format": fmt, "width": width, "height": height, "scale": scale}
            )
        except Exception as exc:  # kaleido raises several unrelated types
            raise ImageError(f"Diagramm konnte nicht als {fmt.upper()} erzeugt werden: {exc}. "
                             "Abhilfe: Chromium prüfen (`chromium --version`).") from exc
