"""Static chart images (PNG, SVG) for downloads and reports.

Plotly renders through kaleido, which drives the machine's Chromium (Debian's
``/usr/bin/chromium``); nothing is ever downloaded. One kaleido server is started on first use and
kept for the process, so a report with a dozen charts pays Chromium's start-up once.
"""

from __future__ import annotations

import atexit
import os
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
