"""The one setup every page calls: language, title, the store and its cube — or a clear
message instead of a traceback when the store cannot be read or holds nothing yet."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import data
from dashboard.filters import Filters, sidebar
from dashboard.i18n import current_lang, t
from metrics.cube import Cube


def start(title_key: str) -> tuple[str, data.Store, Cube]:
    lang = current_lang()
    st.title(t(title_key, lang))
    try:
        store = data.open_store()
        cube = data.cube(store)
    except SQLAlchemyError as exc:
        st.error(t("store_error", lang, error=type(exc).__name__))
        st.stop()
    return lang, store, cube


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
