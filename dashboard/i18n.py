"""UI strings in German (first) and English, and the language of the current script run.

KPI labels and method notes are not here: they belong to the KPI definitions in
:mod:`metrics.catalogue` (``KpiDef.label(lang)``, ``KpiDef.method(lang)``).
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"de": "Deutsch", "en": "English"}
SESSION_KEY = "lang"  # also the URL query parameter

STRINGS: dict[str, dict[str, str]] = {
    "language": {"de": "Sprache / Language", "en": "Sprache / Language"},
    "nav_overview": {"de": "Überblick", "en": "Overview"},
    "overview_title": {"de": "Überblick", "en": "Overview"},
    "overview_intro": {
        "de": "Wie werden die Verwaltungsleistungen der Kommune digital genutzt? "
        "Daten bis einschließlich {month}.",
        "en": "How are the municipality's services used digitally? Data up to and including "
        "{month}.",
    },
    "locations": {"de": "Standorte", "en": "Locations"},
    "locations_help": {
        "de": "Sind alle Standorte gewählt, zählen alle Vorgänge, auch solche ohne Standort "
        "(z. B. reine Online-Anträge).",
        "en": "With all locations selected, every case counts, including cases without a "
        "location (e.g. online-only applications).",
    },
    "locations_none": {
        "de": "Bitte mindestens einen Standort auswählen.",
        "en": "Please select at least one location.",
    },
    "locations_filtered_note": {
        "de": "Gefiltert auf {count} von {total} Standorten; Vorgänge ohne Standort "
        "(z. B. reine Online-Anträge) sind dann nicht enthalten.",
        "en": "Filtered to {count} of {total} locations; cases without a location "
        "(e.g. online-only applications) are then not included.",
    },
    "tiles_heading": {"de": "Kennzahlen für {month}", "en": "Key figures for {month}"},
    "vs_previous_month": {"de": "ggü. Vormonat", "en": "vs previous month"},
    "vs_previous_year": {"de": "ggü. Vorjahresmonat", "en": "vs same month last year"},
    "no_comparison": {"de": "keine Vergleichsdaten", "en": "no data to compare"},
    "tile_n": {"de": "{month} · n = {n} Vorgänge", "en": "{month} · n = {n} cases"},
    "tile_cohort": {
        "de": "Eingangskohorte {month} ({share} abgeschlossen) · n = {n} Vorgänge",
        "en": "Cohort received {month} ({share} closed) · n = {n} cases",
    },
    "trend_heading": {"de": "{kpi} im Zeitverlauf", "en": "{kpi} over time"},
    "service": {"de": "Leistung", "en": "Service"},
    "all_services": {"de": "Alle Leistungen", "en": "All services"},
    "method_note": {
        "de": "Methode: {method} n = {n} Vorgänge ({first} – {last}). "
        "Werte mit weniger als {min_n} Fällen werden nicht angezeigt.",
        "en": "Method: {method} n = {n} cases ({first} – {last}). "
        "Values resting on fewer than {min_n} cases are not shown.",
    },
    "table_expander": {"de": "Daten als Tabelle", "en": "Data as a table"},
    "col_month": {"de": "Monat", "en": "Month"},
    "col_value": {"de": "Wert", "en": "Value"},
    "col_n": {"de": "Vorgänge (n)", "en": "Cases (n)"},
    "col_note": {"de": "Hinweis", "en": "Note"},
    "note_suppressed": {
        "de": "ausgeblendet (weniger als {min_n} Fälle)",
        "en": "withheld (fewer than {min_n} cases)",
    },
    "note_no_data": {"de": "keine Daten", "en": "no data"},
    "alt_rising": {"de": "stieg", "en": "rose"},
    "alt_falling": {"de": "sank", "en": "fell"},
    "alt_flat": {"de": "blieb etwa gleich", "en": "stayed about level"},
    "alt_summary": {
        "de": "Textalternative: {kpi} ({scope}) {direction} von {first_value} ({first_month}) "
        "auf {last_value} ({last_month}); {shown} von {months} Monaten mit Wert.",
        "en": "Text alternative: {kpi} ({scope}) {direction} from {first_value} "
        "({first_month}) to {last_value} ({last_month}); {shown} of {months} months "
        "have a value.",
    },
    "alt_hidden": {
        "de": " {hidden} Monate ausgeblendet (weniger als {min_n} Fälle).",
        "en": " {hidden} months withheld (fewer than {min_n} cases).",
    },
    "alt_hidden_one": {
        "de": " 1 Monat ausgeblendet (weniger als {min_n} Fälle).",
        "en": " 1 month withheld (fewer than {min_n} cases).",
    },
    "alt_single": {
        "de": "Textalternative: {kpi} ({scope}): {value} im {month}; nur ein Monat mit Wert.",
        "en": "Text alternative: {kpi} ({scope}): {value} in {month}; only one month has a value.",
    },
    "alt_none": {
        "de": "Textalternative: {kpi} ({scope}): kein Monat mit ausreichend Fällen.",
        "en": "Text alternative: {kpi} ({scope}): no month with enough cases.",
    },
    "axis_month": {"de": "Eingangsmonat", "en": "Month of receipt"},
    "empty_title": {"de": "Noch keine Daten", "en": "No data yet"},
    "empty_store": {
        "de": "Der Datenbestand enthält noch keine Vorgänge. So laden Sie die Musterstadt "
        "als Beispiel:\n\n"
        "1. `servicepuls sample` erzeugt die Beispiel-Exporte der Musterstadt,\n"
        "2. `servicepuls import data/musterstadt` importiert sie,\n\n"
        "oder beides in einem Schritt: `make demo`. Danach diese Seite neu laden.",
        "en": "The store holds no cases yet. To load the sample city:\n\n"
        "1. `servicepuls sample` writes the sample city's exports,\n"
        "2. `servicepuls import data/musterstadt` imports them,\n\n"
        "or both in one step: `make demo`. Then reload this page.",
    },
    "store_caption": {"de": "Datenbestand: {url}", "en": "Store: {url}"},
    "store_error": {
        "de": "Der Datenbestand konnte nicht gelesen werden ({error}). Bitte prüfen Sie "
        "SERVICEPULS_DATABASE_URL und ob das Schema aktuell ist.",
        "en": "The store could not be read ({error}). Please check "
        "SERVICEPULS_DATABASE_URL and whether the schema is up to date.",
    },
}


def t(key: str, lang: str = "de", **values: object) -> str:
    """The UI string ``key`` in ``lang`` (falling back to German), with ``values`` filled in."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["de"]
    return text.format(**values) if values else text


def current_lang(default: str = "de") -> str:
    """The language chosen in the sidebar of this session (set up by ``dashboard/app.py``)."""
    import streamlit as st

    lang = st.session_state.get(SESSION_KEY, default)
    return lang if lang in LANGUAGES else default
