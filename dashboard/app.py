"""Streamlit entry point: page config, language, navigation. Run: streamlit run dashboard/app.py"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from connectors.settings import Settings
from dashboard.i18n import LANGUAGES, SESSION_KEY, t
from dashboard.navigation import PAGES

HERE = Path(__file__).parent

st.set_page_config(page_title="Servicepuls", layout="wide")

# The language lives in the URL (?lang=en) so a link opens in the sender's language.
if SESSION_KEY not in st.session_state:
    requested = st.query_params.get(SESSION_KEY)
    st.session_state[SESSION_KEY] = requested if requested in LANGUAGES else Settings().language
lang = st.sidebar.radio(
    t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key=SESSION_KEY, horizontal=True
)
st.query_params[SESSION_KEY] = lang

pages = [
    st.Page(HERE / file, title=t(title, lang), icon=icon, url_path=url, default=i == 0)
    for i, (file, title, icon, url) in enumerate(PAGES)
]
st.navigation(pages).run()
