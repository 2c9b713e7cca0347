"""Datenqualität & Importe: import runs, the quarantine, freshness of sources, coverage gaps.

Numbers come from :mod:`metrics.quality` through the cached loaders in :mod:`dashboard.data`;
this file turns them into German (or English) text and tables. Status is always text plus a
symbol, never colour alone; every count is German-formatted text ("1.234"). The chosen run
lives in the URL (``?lauf=3``) so one delivery's problems can be shared as a link.

``reasons_figure`` belongs in :mod:`dashboard.figures`; it sits here only while that module
is being changed elsewhere (Streamlit's own bar chart cuts long axis labels to a few words).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st
from babel.dates import format_datetime

from dashboard import data, page, url, widgets
from dashboard.figures import reasons_alt, reasons_figure
from dashboard.filters import not_applied
from dashboard.formatting import DASH, fmt_month, fmt_number
from dashboard.i18n import STRINGS, t
from metrics.quality import STALE_AFTER_DAYS

RUN_LIMIT = 200  # metrics.quality.import_runs' default
ROW_LIMIT = 500
CHART_REASONS = 15  # the chart shows the most frequent groups; the table shows all
LOCAL_TIME = ZoneInfo("Europe/Berlin")  # import timestamps are stored in UTC
COUNTS = {"rows_read": "q_col_read", "rows_inserted": "q_col_inserted",
          "rows_updated": "q_col_updated", "rows_duplicate": "q_col_duplicate",
          "rows_rejected": "q_col_rejected", "rows_skipped": "q_col_skipped"}


# --- display helpers --------------------------------------------------------------------


def fmt_time(value: dt.datetime | None, lang: str) -> str:
    """A stored UTC timestamp in German time: "22.11.2026 04:42" (en: "22 Nov 2026, 04:42")."""
    if value is None:
        return DASH
    pattern = "dd.MM.yyyy HH:mm" if lang == "de" else "d MMM yyyy, HH:mm"
    return format_datetime(value, pattern, tzinfo=LOCAL_TIME,
                           locale="de_DE" if lang == "de" else "en")


def fmt_int(n: int | None, lang: str) -> str:
    return fmt_number(n or 0, lang, 0)


def status_text(status: str, lang: str) -> str:
    """"✓ erfolgreich", "✗ fehlgeschlagen", "◌ läuft"; an unknown status as it is."""
    key = f"q_status_{status}"
    return t(key, lang) if key in STRINGS else status


def month_ranges(months: list[dt.date], lang: str) -> str:
    """Consecutive months as ranges: "Mär 2026 – Mai 2026, Aug 2026"."""
    parts: list[list[dt.date]] = []
    for m in months:
        last = parts[-1][-1] if parts else None
        if last and last.year * 12 + last.month + 1 == m.year * 12 + m.month:
            parts[-1].append(m)
        else:
            parts.append([m])
    return ", ".join(
        fmt_month(p[0], lang) if len(p) == 1
        else f"{fmt_month(p[0], lang)} – {fmt_month(p[-1], lang)}"
        for p in parts
    )


def show_table(rows: list[dict[str, str]], keys: list[str], key: str, lang: str, name: str,
               right: tuple[str, ...] = ()) -> None:
    """Rows of display text (keyed by the i18n keys of their columns) as a table with XLSX
    and CSV downloads named after ``name``; the ``right`` columns (numbers) right-aligned.
    The container ``key`` lets tests find it."""
    frame = pl.DataFrame([[r[k] for k in keys] for r in rows],
                         schema={t(k, lang): pl.String for k in keys}, orient="row")
    config = {t(k, lang): st.column_config.TextColumn(alignment="right") for k in right}
    widgets.table(frame, key, lang, name, expander=False, column_config=config)


# --- sections -----------------------------------------------------------------------------


def render_runs(runs: pl.DataFrame, lang: str) -> None:
    st.header(t("q_runs_heading", lang))
    st.caption(t("q_runs_summary", lang, runs=fmt_int(runs.height, lang),
                 read=fmt_int(runs["rows_read"].sum(), lang),
                 inserted=fmt_int(runs["rows_inserted"].sum(), lang),
                 rejected=fmt_int(runs["rows_rejected"].sum(), lang)))
    if runs.height >= RUN_LIMIT:
        st.caption(t("q_runs_limited", lang, limit=RUN_LIMIT))
    rows = [
        {"q_col_run": str(r["id"]), "q_col_status": status_text(r["status"], lang),
         "q_col_source": r["source"], "q_col_file": r["file_name"],
         "q_col_started": fmt_time(r["started_at"], lang),
         "q_col_finished": fmt_time(r["finished_at"], lang),
         **{key: fmt_int(r[column], lang) for column, key in COUNTS.items()},
         "q_col_message": r["message"] or "", "q_col_profile": r["profile"]}
        for r in runs.iter_rows(named=True)
    ]
    keys = ["q_col_run", "q_col_status", "q_col_source", "q_col_file", "q_col_started",
            "q_col_finished", *COUNTS.values(), "q_col_message", "q_col_profile"]
    show_table(rows, keys, "q_runs_table", lang, t("q_runs_heading", lang),
               right=("q_col_run", *COUNTS.values()))


def run_filter(runs: pl.DataFrame, lang: str) -> int | None:
    """Selectbox of the runs with rejected rows; ``None`` means all runs."""
    with_rejects = runs.filter(pl.col("rows_rejected") > 0)
    rows = {r["id"]: r for r in with_rejects.iter_rows(named=True)}

    def label(run_id: int | None, lg: str) -> str:
        if run_id is None:
            return t("q_all_runs", lg)
        r = rows[run_id]
        return t("q_run_option", lg, id=run_id, file=r["file_name"],
                 started=fmt_time(r["started_at"], lg), rejected=fmt_int(r["rows_rejected"], lg))

    # ?lauf=3: the run's id, whatever the language (dashboard.url)
    return url.choice(st.selectbox, t("q_run_select", lang), [None, *rows], key="lauf",
                      code=lambda i: "" if i is None else str(i), label=label, lang=lang)


def render_quarantine(store: data.Store, runs: pl.DataFrame, lang: str) -> None:
    st.header(t("q_quarantine_heading", lang))
    st.caption(t("q_quarantine_intro", lang))
    run_id = run_filter(runs, lang)
    reasons = data.quality_reasons(store, run_id)
    if reasons.is_empty():
        st.success(t("q_quarantine_empty", lang), icon=":material/check_circle:")
        return
    st.subheader(t("q_reasons_subheading", lang))
    alt = reasons_alt(reasons, lang)
    widgets.chart(reasons_figure(reasons, lang, CHART_REASONS), alt, "q_reasons_chart",
                  t("q_reasons_subheading", lang), lang)
    st.caption(t("q_reasons_method", lang, rows=fmt_int(int(reasons["rows"].sum()), lang),
                 chart=CHART_REASONS))
    st.caption(alt)
    whole_row = t("q_whole_row", lang)
    show_table([{"q_col_column": r["column"] or whole_row, "q_col_reason": r["reason"],
                 "q_col_rows": fmt_int(r["rows"], lang), "q_col_example": r["example"]}
                for r in reasons.iter_rows(named=True)],
               ["q_col_column", "q_col_reason", "q_col_rows", "q_col_example"],
               "q_reasons_table", lang, t("q_reasons_subheading", lang), right=("q_col_rows",))
    st.subheader(t("q_rows_subheading", lang))
    rejected = data.quality_rejected_rows(store, run_id, ROW_LIMIT)
    total = int(reasons["rows"].sum())
    if total > rejected.height:
        st.caption(t("q_rows_limited", lang, shown=fmt_int(rejected.height, lang),
                     total=fmt_int(total, lang)))
    show_table([{"q_col_run": str(r["import_run_id"]),
                 "q_col_line": fmt_int(r["row_number"], lang),
                 "q_col_column": r["column"] or whole_row, "q_col_reason": r["reason"],
                 "q_col_raw": r["raw"]}
                for r in rejected.iter_rows(named=True)],
               ["q_col_run", "q_col_line", "q_col_column", "q_col_reason", "q_col_raw"],
               "q_rejected_table", lang, t("q_rows_subheading", lang),
               right=("q_col_run", "q_col_line"))


def render_freshness(store: data.Store, lang: str) -> None:
    st.header(t("q_freshness_heading", lang))
    st.caption(t("q_freshness_intro", lang, days=STALE_AFTER_DAYS))
    sources = data.quality_freshness(store, STALE_AFTER_DAYS)
    for r in sources.filter(pl.col("stale")).iter_rows(named=True):
        if r["last_success"] is None:
            text = t("q_never_warning", lang, source=r["source"], runs=fmt_int(r["runs"], lang))
        else:
            text = t("q_stale_warning", lang, source=r["source"],
                     days=fmt_int(r["days_since"], lang),
                     date=fmt_time(r["last_success"], lang))
        st.warning(text, icon=":material/warning:")
    rows = [
        {"q_col_source": r["source"], "q_col_runs": fmt_int(r["runs"], lang),
         "q_col_failed": fmt_int(r["failed_runs"], lang),
         "q_col_last_success": fmt_time(r["last_success"], lang),
         "q_col_days_since": DASH if r["days_since"] is None
         else fmt_int(r["days_since"], lang),
         "q_col_freshness": t("q_stale" if r["stale"] else "q_fresh", lang)}
        for r in sources.iter_rows(named=True)
    ]
    show_table(rows, ["q_col_source", "q_col_freshness", "q_col_last_success",
                      "q_col_days_since", "q_col_runs", "q_col_failed"],
               "q_freshness_table", lang, t("q_freshness_heading", lang),
               right=("q_col_runs", "q_col_failed", "q_col_days_since"))


def render_gaps(store: data.Store, cube, lang: str) -> None:  # noqa: ANN001 - metrics Cube
    st.header(t("q_gaps_heading", lang))
    if cube.is_empty:
        st.info(t("q_no_cases_yet", lang), icon=":material/info:")
        return
    first, last = fmt_month(cube.months[0], lang), fmt_month(cube.months[-1], lang)
    coverage = data.quality_coverage(store)
    gaps = coverage.filter(pl.col("months_with_cases") > 0)
    st.caption(t("q_gaps_intro", lang, first=first, last=last))
    if gaps.is_empty():
        st.success(t("q_gaps_none", lang, first=first, last=last),
                   icon=":material/check_circle:")
    else:
        show_table([{"q_col_service": r["service"],
                     "q_col_missing_count": fmt_int(r["missing_months"], lang),
                     "q_col_missing": month_ranges(r["missing"], lang)}
                    for r in gaps.iter_rows(named=True)],
                   ["q_col_service", "q_col_missing_count", "q_col_missing"],
                   "q_gaps_table", lang, t("q_gaps_heading", lang),
                   right=("q_col_missing_count",))
    without = coverage.filter(pl.col("months_with_cases") == 0)
    if not without.is_empty():
        st.subheader(t("q_no_cases_subheading", lang))
        st.caption(t("q_no_cases_intro", lang))
        show_table([{"q_col_code": r["code"], "q_col_service": r["service"],
                     "q_col_note": t("q_usage_only", lang) if r["has_usage_stats"] else ""}
                    for r in without.iter_rows(named=True)],
                   ["q_col_code", "q_col_service", "q_col_note"], "q_no_cases_table", lang,
                   t("q_no_cases_subheading", lang))


lang, store, cube = page.start("q_title")
runs = data.quality_runs(store)
if runs.is_empty():
    page.stop_empty(store, lang)

st.caption(t("q_intro", lang))
not_applied(page.filters(store, lang), ["period", "department", "services", "locations",
                                        "channels"], t("f_why_quality", lang), lang)
render_runs(runs, lang)
render_quarantine(store, runs, lang)
render_freshness(store, lang)
render_gaps(store, cube, lang)
st.caption(t("store_caption", lang, url=store.url))
