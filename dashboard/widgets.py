"""A chart and a table as every page shows them: with their downloads.

:func:`chart` draws a Plotly figure with its text alternative and offers it as PNG and SVG;
:func:`table` draws a data table (by default in the "Daten als Tabelle" expander) and offers
it as XLSX and as CSV for Excel. Pages call these two instead of ``st.plotly_chart`` and
``st.table`` so that every chart and every table can be taken to a committee.

Nothing is produced before someone asks: Streamlit (≥ 1.50) accepts a callable as the
``data`` of ``st.download_button`` and runs it only when the button is clicked, on a thread of
its own. That matters for images: :func:`dashboard.images.render` drives Chromium and takes
0.1–2 s per image, far too long to pay on every rerun for every chart of a page. The
buttons use ``on_click="ignore"``, so a download does not rerun the page either.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from babel.dates import format_date

from dashboard import exports, images
from dashboard.i18n import t

logger = logging.getLogger(__name__)

CONFIG = {"displaylogo": False}
IMAGE_WIDTH = 1000  # px; the height is the figure's own (or DEFAULT_HEIGHT)
DEFAULT_HEIGHT = 450
PNG_SCALE = 2  # sharp enough for a projector and for print
ICON = ":material/download:"


def _image(fig: go.Figure, fmt: images.Format, title: str | None = None,
           note: str = "") -> Callable[[], bytes]:
    """The image as a callable for ``st.download_button``; with ``title`` the image carries
    the title above the chart and ``note`` (source and method) below it."""
    height = int(fig.layout.height or DEFAULT_HEIGHT)
    scale = PNG_SCALE if fmt == "png" else 1

    def render() -> bytes:
        image = images.render(fig, fmt, width=IMAGE_WIDTH, height=height, scale=scale)
        return image if title is None else images.captioned(image, fmt, title, note,
                                                            width=IMAGE_WIDTH, scale=scale)

    return render


def source_note(lang: str, method: str | None = None, today: dt.date | None = None) -> str:
    """"Quelle: Servicepuls … · Stand 06.12.2026 · Methode: …" — printed under a downloaded
    chart."""
    day = format_date(today or dt.date.today(), "dd.MM.yyyy" if lang == "de" else "d MMM yyyy",
                      locale="de_DE" if lang == "de" else "en")
    note = t("dl_image_source", lang, date=day)
    return f"{note} · {t('dl_image_method', lang, method=method)}" if method else note


def chart(fig: go.Figure, alt: str, key: str, name: str, lang: str, *,
          method: str | None = None) -> None:
    """The figure (``theme=None``: it carries its own accessible styling, the same in the
    images) and its PNG and SVG downloads, named after ``name`` and today's date; the images
    carry ``name`` as their title and :func:`source_note` (with ``method``) below. The
    buttons have the keys ``{key}_png`` and ``{key}_svg``."""
    st.plotly_chart(fig, alt=alt, theme=None, config=CONFIG, key=key)
    note = source_note(lang, method)
    available = images.chromium_path() is not None
    with st.container(horizontal=True, gap="small"):
        for fmt in ("png", "svg"):
            st.download_button(
                t(f"dl_{fmt}", lang), _image(fig, fmt, name, note),
                file_name=exports.file_name(name, fmt),
                mime=exports.MIME[fmt], key=f"{key}_{fmt}", on_click="ignore", icon=ICON,
                disabled=not available,
                help=t(f"dl_{fmt}_help" if available else "dl_image_unavailable", lang))


def downloads(frame: pl.DataFrame, key: str, lang: str, name: str) -> None:
    """XLSX and CSV buttons for ``frame`` (keys ``{key}_xlsx`` and ``{key}_csv``)."""
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            t("dl_xlsx", lang), lambda: exports.to_xlsx(frame, name, lang),
            file_name=exports.file_name(name, "xlsx"), mime=exports.MIME["xlsx"],
            key=f"{key}_xlsx", on_click="ignore", icon=ICON, help=t("dl_xlsx_help", lang))
        st.download_button(
            t("dl_csv", lang), lambda: exports.to_csv(frame),
            file_name=exports.file_name(name, "csv"), mime=exports.MIME["csv"],
            key=f"{key}_csv", on_click="ignore", icon=ICON, help=t("dl_csv_help", lang))


def table(frame: pl.DataFrame, key: str, lang: str, name: str, *, expander: bool = True,
          column_config: dict | None = None) -> None:
    """The table and its downloads in a container with ``key`` (tests and the browser find
    it by that key), inside the "Daten als Tabelle" expander unless ``expander=False``.
    With ``column_config`` the table is an interactive grid (``st.dataframe``), otherwise a
    plain table that screen readers and copy & paste handle well."""
    def body() -> None:
        with st.container(key=key):
            if column_config is None:
                st.table(frame, hide_index=True)
            else:
                st.dataframe(frame, hide_index=True, column_config=column_config)
            downloads(frame, key, lang, name)

    if expander:
        with st.expander(t("table_expander", lang)):
            body()
    else:
        body()
