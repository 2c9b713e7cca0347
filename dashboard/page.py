"""The one setup every page calls: language, title, the store and its cube — or a clear
message instead of a traceback when the store cannot be read or holds nothing yet."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from connectors.db import get_engine
from connectors.settings import Settings
from dashboard import data
from dashboard.filters import Filters, sidebar
from dashboard.i18n import current_lang, t
from metrics.cube import Cube

TENANT_PARAM = "ags"  # ?ags=05170024: the municipality shown


def start(title_key: str) -> tuple[str, data.Store, Cube]:
    lang = current_lang()
    st.title(t(title_key, lang))
    try:
        store = data.open_store(_tenant(lang))
        cube = data.cube(store)
    except SQLAlchemyError as exc:
        st.error(t("store_error", lang, error=type(exc).__name__))
        st.stop()
    return lang, store, cube


def _tenant(lang: str) -> str:
    """The municipality to show: ``?ags=…`` when the store holds it, else SERVICEPULS_AGS (or
    the one municipality a store holds). A "Kommune" choice in the sidebar, written back to
    the URL, only when the store holds more than one."""
    settings = Settings()
    engine = get_engine(settings)
    held = data.store_tenants(engine, engine.url.render_as_string(hide_password=True))
    default = settings.ags if settings.ags in held or not held else held[0]
    wanted = st.query_params.get(TENANT_PARAM)
    chosen = wanted if wanted in held else default
    if len(held) < 2:
        return chosen
    chosen = st.sidebar.selectbox(
        t("f_tenant", lang), held, index=held.index(chosen), help=t("f_tenant_help", lang),
        format_func=lambda a: f"{settings.publisher} ({a})" if a == settings.ags else a)
    if st.query_params.get(TENANT_PARAM) != chosen:
        st.query_params[TENANT_PARAM] = chosen
    return chosen


def stop_empty(store: data.Store, lang: str, text: str | None = None) -> NoReturn:
    """Explain how to import (or ``text``) and end the page run."""
    st.info(text or f"**{t('empty_title', lang)}**\n\n{t('empty_store', lang)}",
            icon=":material/info:")
    st.caption(t("store_caption", lang, url=store.url))
    st.stop()


def filters(store: data.Store, lang: str) -> Filters:
    """The global filters in the sidebar (:mod:`dashboard.filters`): call once per page, after
    :func:`start`, and hand the result to the data functions."""
    return sidebar(data.filter_options(store), lang)
