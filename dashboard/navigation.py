"""The dashboard's pages: file, title, icon and URL path — what dashboard/app.py builds its
navigation from, and what a test or the benchmark needs to open a page as a link does.

The files live in ``views/``, not ``pages/``: beside a ``pages/`` folder Streamlit runs the
app inside a navigation of its own (the files' names), so a shared link such as
``/standorte`` first met "Page not found" (in English) before this navigation took over.
"""

from __future__ import annotations

# One line per page: (file, title key in dashboard/i18n.py, icon, url path); the first is
# the default page (the root URL).
PAGES = [
    ("views/overview.py", "nav_overview", ":material/dashboard:", "ueberblick"),
    ("views/services.py", "v_nav", ":material/list_alt:", "leistungen"),
    ("views/quality.py", "nav_quality", ":material/fact_check:", "datenqualitaet"),
    ("views/pilots.py", "nav_pilots", ":material/science:", "pilotprojekte"),
    ("views/satisfaction.py", "s_nav", ":material/sentiment_satisfied:", "zufriedenheit"),
    ("views/locations.py", "l_nav", ":material/location_on:", "standorte"),
    ("views/reports.py", "r_nav", ":material/description:", "berichte"),
]


def url_path(file: str) -> str:
    """The URL path of the page in ``file`` (as in ``PAGES``), e.g. "standorte"."""
    for name, _, _, url in PAGES:
        if name == file:
            return url
    raise KeyError(f"{file!r} is no page of the dashboard — one of {[p[0] for p in PAGES]}")
