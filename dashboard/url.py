"""A page's own choice — the satisfaction topic, the wait source and location, the import run —
kept in the URL as a **code, never a translated label**, the way :mod:`dashboard.filters`
keeps the global filters, so a German link opened in English shows the same view::

    ?thema=reachability   ?wartequelle=statistik&wartestandort=BA-NORD   ?lauf=3

Why not ``bind="query-params"``: Streamlit 1.67 writes a bound widget's *formatted label*
to the URL (``?thema=Erreichbarkeit``, ``?lauf=Lauf+3+·+…+abgewiesen``), which the English
page does not know. So the widget is unbound: a URL value this module did not write itself
(a shared link, an edited address) sets the choice; every run writes the chosen code back,
and the default (first) option leaves the URL clean. Labels of old links in either language
are still understood.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from dashboard.i18n import LANGUAGES

log = logging.getLogger(__name__)

WRITTEN = "_url_written_{}"  # session: the URL value this module wrote last, per parameter


def choice(widget: Callable[..., Any], title: str, options: Sequence, *, key: str,
           code: Callable[[Any], str], label: Callable[[Any, str], str], lang: str,
           **kwargs: Any) -> Any:
    """Draw ``widget`` (``st.selectbox``, ``st.radio``, ``st.sidebar.selectbox`` …) titled
    ``title`` over ``options``, shown with ``label(option, lang)``; the URL parameter and the
    widget key are ``key``, its value ``code(option)``. Returns the chosen option."""
    options = list(options)
    written = WRITTEN.format(key)
    requested = st.query_params.get(key)
    if requested and requested != st.session_state.get(written):
        wanted = requested.strip().casefold()
        found = [o for o in options if code(o).casefold() == wanted] or [
            o for o in options for other in LANGUAGES
            if label(o, other).strip().casefold() == wanted]
        if found:
            st.session_state[key] = found[0]
        else:
            log.info("ignoring ?%s=%s: not among the options", key, requested)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # e.g. a location outside the new filters
    value = widget(title, options, key=key, format_func=lambda o: label(o, lang),
                   persist_state="session", **kwargs)  # kept across a page switch
    value_code = None if value == options[0] else code(value)
    if value_code is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value_code:
        st.query_params[key] = value_code
    st.session_state[written] = value_code
    return value
