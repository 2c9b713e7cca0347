"""Zufriedenheit & Beteiligung: survey ratings over time with n and interval, the
participation topics, a sample of cleaned comments, and how results are fed back.

Numbers come from :mod:`metrics.satisfaction` through
:func:`dashboard.data.satisfaction_view_for`; figures, text alternatives and tables from
:mod:`dashboard.figures`. Filters live in the URL: the global ones (:mod:`dashboard.filters`;
the period is the window, services, locations and channels filter the ratings) and the topic
(``?thema=reachability``, a code: :mod:`dashboard.url`). Withheld cells read "< 5", missing
ones "–";
comments are shown with their month only and only after scrubbing (twice: on import and on
display, see :func:`metrics.satisfaction.comments`).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data, figures, page, url, widgets
from dashboard.figures import fmt_interval, fmt_rating_value, topic_label
from dashboard.filters import Filters
from dashboard.formatting import fmt_month, fmt_number, fmt_protected, row_count
from dashboard.i18n import STRINGS, t

# Below this many ratings a shown value gets a warning: the Wilson interval of a share is
# then wider than about ±15 percentage points (the DTA dashboard warned about low counts).
SMALL_N = 30
COMMENT_LIMIT = 10
TOPIC_ORDER = ("overall", "reachability", "process_waiting", "appointments", "clarity",
               "digital_analog", "other")
TILE_KINDS = (("top2", "s_top2", "s_top2_help"), ("mean", "s_mean", "s_mean_help"),
              ("score", "s_score", "s_score_help"))


def channel_label(channel: str, lang: str) -> str:
    key = f"s_channel_{channel}"
    return t(key, lang) if key in STRINGS else channel


def choose_topic(frame, lang: str) -> str:  # noqa: ANN001 - polars frame
    """Sidebar: the topic (default Gesamtzufriedenheit), in the URL. Period, services,
    locations and channels are the global filters (:mod:`dashboard.filters`)."""
    present = set(frame["topic"].unique().to_list())
    topics = ["overall", *(x for x in TOPIC_ORDER[1:] if x in present),
              *sorted(present - set(TOPIC_ORDER))]
    return url.choice(st.sidebar.selectbox, t("s_topic", lang), topics, key="thema", code=str,
                      label=topic_label, lang=lang)


def warn(row: dict, period: str, lang: str, min_n: int) -> None:
    """Small n is said in words, next to the numbers it concerns."""
    if row["n"] == 0:
        st.info(t("s_no_ratings", lang, period=period), icon=":material/info:")
    elif row["suppressed"] and row.get("protected"):
        st.warning(t("s_protected", lang, period=period), icon=":material/visibility_off:")
    elif row["suppressed"]:
        st.warning(t("s_suppressed", lang, period=period, min_n=min_n),
                   icon=":material/visibility_off:")
    elif row["n"] < SMALL_N:
        st.warning(t("s_small_n", lang, n=fmt_number(row["n"], lang, 0), period=period,
                     interval=fmt_interval("top2", row, min_n, lang)),
                   icon=":material/warning:")


def render_tiles(row: dict, heading: str, period: str, key: str, topic: str, lang: str,
                 min_n: int) -> None:
    st.subheader(heading)
    with st.container(key=key):
        columns = st.columns(4)
        for column, (kind, label, help_key) in zip(columns, TILE_KINDS, strict=False):
            with column, st.container(border=True):
                st.metric(t(label, lang), fmt_rating_value(kind, row, min_n, lang),
                          help=t(help_key, lang))
                st.caption(t("s_interval", lang, interval=fmt_interval(kind, row, min_n, lang)))
        with columns[3], st.container(border=True):
            st.metric(t("s_n", lang), row_count(row, min_n, lang),
                      help=t("s_n_help", lang, min_n=min_n))
            st.caption(t("s_ratings_caption", lang, topic=topic_label(topic, lang)))
    warn(row, period, lang, min_n)


def render_trend(view: data.SatisfactionView, topic: str, lang: str, min_n: int) -> None:
    label = topic_label(topic, lang)
    monthly = view.monthly
    st.subheader(t("s_trend_heading", lang, topic=label))
    alt = figures.satisfaction_trend_alt(monthly, label, lang, min_n)
    name = t("s_trend_heading", lang, topic=label)  # file names of the downloads
    widgets.chart(figures.satisfaction_trend_figure(monthly, label, lang, min_n), alt,
                  "s_trend_chart", name, lang)
    months = monthly["month"].to_list()
    shown = monthly.filter(~monthly["suppressed"])["n"].sum()  # never reveal a withheld n
    st.caption(t("s_trend_method", lang, n=fmt_number(shown, lang, 0),
                 first=fmt_month(months[0], lang), last=fmt_month(months[-1], lang),
                 min_n=min_n))
    small = monthly["suppressed"] & ~monthly["protected"]
    withheld = [fmt_month(m, lang) for m in monthly.filter(small)["month"]]
    protected = [fmt_month(m, lang) for m in monthly.filter(monthly["protected"])["month"]]
    missing = [fmt_month(m, lang) for m in monthly.filter(monthly["n"] == 0)["month"]]
    if withheld:
        st.caption(t("s_gaps_suppressed", lang, min_n=min_n, months=", ".join(withheld)))
    if protected:
        st.caption(t("s_gaps_protected", lang, months=", ".join(protected),
                     secondary=fmt_protected(lang)))
    if missing:
        st.caption(t("s_gaps_missing", lang, months=", ".join(missing)))
    st.caption(alt)
    widgets.table(figures.satisfaction_trend_table(monthly, lang, min_n), "s_trend_table", lang,
                  name)


def render_topics(view: data.SatisfactionView, lang: str, min_n: int) -> None:
    first, last = fmt_month(view.first, lang), fmt_month(view.month, lang)
    st.subheader(t("s_topics_heading", lang, first=first, last=last))
    topics = view.topics.filter(view.topics["topic"] != "overall")
    if topics.is_empty():
        st.info(t("s_topics_none", lang), icon=":material/info:")
        return
    alt = figures.topics_alt(topics, view.first, view.month, lang, min_n)
    name = t("s_topics_heading", lang, first=first, last=last)
    widgets.chart(figures.topics_figure(topics, lang, min_n), alt, "s_topics_chart", name, lang)
    shown = topics.filter(~topics["suppressed"])["n"].sum()
    st.caption(t("s_topics_method", lang, n=fmt_number(shown, lang, 0), first=first,
                 last=last, min_n=min_n))
    st.caption(alt)
    widgets.table(figures.topics_table(topics, lang, min_n), "s_topics_table", lang, name)


def render_comments(store: data.Store, view: data.SatisfactionView, flt: Filters,
                    lang: str) -> None:
    st.subheader(t("s_comments_heading", lang))
    if view.ratings < store.min_n:  # a narrow selection: comments could point at a person
        st.caption(t("s_comments_hidden", lang, min_n=store.min_n))
        return
    shown = data.feedback_comments_for(store, flt, COMMENT_LIMIT)
    if shown.is_empty():
        st.caption(t("s_comments_none", lang))
        return
    st.caption(t("s_comments_intro", lang, count=fmt_number(shown.height, lang, 0)))
    rows = [{t("s_col_month", lang): fmt_month(r["month"], lang),
             t("s_col_channel", lang): "–" if r["channel"] is None
             else channel_label(r["channel"], lang),
             t("s_col_comment", lang): r["comment"]}
            for r in shown.iter_rows(named=True)]
    columns = [t(k, lang) for k in ("s_col_month", "s_col_channel", "s_col_comment")]
    widgets.table(pl.DataFrame(rows, schema={c: pl.String for c in columns}),
                  "s_comments_table", lang, t("s_comments_heading", lang), expander=False)


lang, store, cube = page.start("s_title")
frame = data.feedback(store)
if frame.is_empty():
    if cube.is_empty:
        text = f"**{t('empty_title', lang)}**\n\n{t('empty_store', lang)}\n\n"
    else:
        text = f"**{t('s_no_feedback_title', lang)}**\n\n"
    page.stop_empty(store, lang, text + t("s_no_feedback", lang))

flt = page.filters(store, lang)
topic = choose_topic(frame, lang)
view = data.satisfaction_view_for(store, topic, flt)
if view.month is None:  # a period/service/channel/location choice without any rating
    st.info(t("s_no_ratings_selection", lang), icon=":material/info:")
    st.stop()
month = fmt_month(view.month, lang)
st.caption(t("s_intro", lang, month=month))
render_tiles(view.latest, t("s_tiles_month", lang, month=month), month, "s_tiles_latest",
             topic, lang, store.min_n)
window = f"{fmt_month(view.first, lang)} – {month}"
render_tiles(view.window, t("s_tiles_window", lang, first=fmt_month(view.first, lang),
                            last=month), window, "s_tiles_window", topic, lang, store.min_n)
render_trend(view, topic, lang, store.min_n)
render_topics(view, lang, store.min_n)
render_comments(store, view, flt, lang)
st.subheader(t("s_feedback_heading", lang))
st.markdown(t("s_feedback_text", lang, min_n=store.min_n))
st.caption(t("store_caption", lang, url=store.url))
