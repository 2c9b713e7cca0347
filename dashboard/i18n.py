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
    # --- Datenqualität & Importe (dashboard/pages/quality.py) --------------------------------
    "nav_quality": {"de": "Datenqualität & Importe", "en": "Data quality & imports"},
    "q_title": {"de": "Datenqualität & Importe", "en": "Data quality & imports"},
    "q_intro": {
        "de": "Was wurde wann importiert, welche Zeilen wurden abgewiesen und warum, welche "
        "Quelle ist veraltet und wo fehlen Monate?",
        "en": "What was imported when, which rows were rejected and why, which source is "
        "out of date and which months are missing?",
    },
    "q_runs_heading": {"de": "Import-Läufe", "en": "Import runs"},
    "q_runs_summary": {
        "de": "{runs} Import-Läufe · {read} Zeilen gelesen · {inserted} neu · "
        "{rejected} abgewiesen. Uhrzeiten in deutscher Zeit (MEZ/MESZ).",
        "en": "{runs} import runs · {read} rows read · {inserted} new · {rejected} rejected. "
        "Times in German time (Europe/Berlin).",
    },
    "q_runs_limited": {
        "de": "Gezeigt werden die neuesten {limit} Läufe.",
        "en": "Showing the newest {limit} runs.",
    },
    "q_col_run": {"de": "Lauf", "en": "Run"},
    "q_col_source": {"de": "Quelle", "en": "Source"},
    "q_col_profile": {"de": "Profil", "en": "Profile"},
    "q_col_file": {"de": "Datei", "en": "File"},
    "q_col_started": {"de": "Beginn", "en": "Started"},
    "q_col_finished": {"de": "Ende", "en": "Finished"},
    "q_col_status": {"de": "Status", "en": "Status"},
    "q_col_read": {"de": "Gelesen", "en": "Read"},
    "q_col_inserted": {"de": "Neu", "en": "New"},
    "q_col_updated": {"de": "Aktualisiert", "en": "Updated"},
    "q_col_duplicate": {"de": "Duplikate", "en": "Duplicates"},
    "q_col_rejected": {"de": "Abgewiesen", "en": "Rejected"},
    "q_col_message": {"de": "Meldung", "en": "Message"},
    "q_status_succeeded": {"de": "✓ erfolgreich", "en": "✓ succeeded"},
    "q_status_failed": {"de": "✗ fehlgeschlagen", "en": "✗ failed"},
    "q_status_running": {"de": "◌ läuft", "en": "◌ running"},
    "q_quarantine_heading": {"de": "Quarantäne", "en": "Quarantine"},
    "q_quarantine_intro": {
        "de": "Zeilen, die beim Import eine Prüfung nicht bestanden haben, werden nicht "
        "gezählt, sondern mit Zeilennummer, Spalte und Grund aufbewahrt. Die Rohwerte "
        "enthalten nur zugeordnete Spalten; Vorgangsnummern sind pseudonymisiert.",
        "en": "Rows that failed a check during import are not counted but kept with their "
        "line number, column and reason. Raw values hold only mapped columns; case numbers "
        "are pseudonymised.",
    },
    "q_run_select": {"de": "Import-Lauf", "en": "Import run"},
    "q_all_runs": {"de": "Alle Läufe", "en": "All runs"},
    "q_run_option": {
        "de": "Lauf {id} · {file} · {started} · {rejected} abgewiesen",
        "en": "Run {id} · {file} · {started} · {rejected} rejected",
    },
    "q_quarantine_empty": {
        "de": "Keine abgewiesenen Zeilen – alle gelesenen Zeilen haben die Prüfung bestanden.",
        "en": "No rejected rows – every row read passed the checks.",
    },
    "q_reasons_subheading": {"de": "Abgewiesene Zeilen nach Grund",
                             "en": "Rejected rows by reason"},
    "q_axis_rows": {"de": "Abgewiesene Zeilen", "en": "Rejected rows"},
    "q_axis_reason": {"de": "Grund", "en": "Reason"},
    "q_alt_reasons": {
        "de": "Textalternative: abgewiesene Zeilen nach Grund, insgesamt {rows}: {items}.",
        "en": "Text alternative: rejected rows by reason, {rows} in total: {items}.",
    },
    "q_alt_more": {
        "de": "; {groups} weitere Gründe zusammen: {rows}",
        "en": "; {groups} more reasons together: {rows}",
    },
    "q_col_column": {"de": "Spalte", "en": "Column"},
    "q_col_reason": {"de": "Grund", "en": "Reason"},
    "q_col_rows": {"de": "Zeilen", "en": "Rows"},
    "q_col_example": {"de": "Beispiel mit Hinweis zur Behebung", "en": "Example with a fix"},
    "q_col_line": {"de": "Zeile in der Datei", "en": "Line in the file"},
    "q_col_raw": {"de": "Rohwerte", "en": "Raw values"},
    "q_whole_row": {"de": "(ganze Zeile)", "en": "(whole row)"},
    "q_rows_subheading": {"de": "Abgewiesene Zeilen im Einzelnen",
                          "en": "Rejected rows in detail"},
    "q_rows_limited": {
        "de": "Gezeigt werden die ersten {shown} von {total} Zeilen.",
        "en": "Showing the first {shown} of {total} rows.",
    },
    "q_freshness_heading": {"de": "Aktualität der Quellen", "en": "Freshness of sources"},
    "q_freshness_intro": {
        "de": "Erwartet wird eine Lieferung pro Monat: Liegt der letzte erfolgreiche Import "
        "mehr als {days} Tage zurück, gilt die Quelle als veraltet.",
        "en": "One delivery per month is expected: a source whose last successful import "
        "is more than {days} days old counts as out of date.",
    },
    "q_col_runs": {"de": "Läufe", "en": "Runs"},
    "q_col_failed": {"de": "davon fehlgeschlagen", "en": "of which failed"},
    "q_col_last_success": {"de": "Letzter erfolgreicher Import",
                           "en": "Last successful import"},
    "q_col_days_since": {"de": "Tage seitdem", "en": "Days since"},
    "q_col_freshness": {"de": "Aktualität", "en": "Freshness"},
    "q_fresh": {"de": "✓ aktuell", "en": "✓ up to date"},
    "q_stale": {"de": "⚠ veraltet", "en": "⚠ out of date"},
    "q_stale_warning": {
        "de": "Quelle „{source}“ ist veraltet: letzter erfolgreicher Import vor {days} Tagen "
        "({date}). Bitte die nächste Lieferung anfordern und importieren.",
        "en": "Source “{source}” is out of date: last successful import {days} days ago "
        "({date}). Please request the next delivery and import it.",
    },
    "q_never_warning": {
        "de": "Quelle „{source}“ wurde noch nie erfolgreich importiert (Läufe: {runs}). "
        "Die Meldungen der Läufe oben nennen den Grund.",
        "en": "Source “{source}” has never been imported successfully (runs: {runs}). The "
        "messages of the runs above say why.",
    },
    "q_gaps_heading": {"de": "Lücken", "en": "Gaps"},
    "q_gaps_intro": {
        "de": "Monate zwischen {first} und {last}, in denen eine Leistung keinen einzigen "
        "Vorgang hat. Meist fehlt dann eine Lieferung, nicht die Nachfrage.",
        "en": "Months between {first} and {last} in which a service has not a single case. "
        "Usually a delivery is missing, not the demand.",
    },
    "q_gaps_none": {
        "de": "Keine Lücken: Jede Leistung mit Vorgängen hat in jedem Monat von {first} bis "
        "{last} Daten.",
        "en": "No gaps: every service with cases has data in every month from {first} to "
        "{last}.",
    },
    "q_col_service": {"de": "Leistung", "en": "Service"},
    "q_col_code": {"de": "Code", "en": "Code"},
    "q_col_missing_count": {"de": "Monate ohne Vorgänge", "en": "Months without cases"},
    "q_col_missing": {"de": "Fehlende Monate", "en": "Missing months"},
    "q_col_note": {"de": "Hinweis", "en": "Note"},
    "q_no_cases_subheading": {"de": "Leistungen ohne Vorgänge", "en": "Services without cases"},
    "q_no_cases_intro": {
        "de": "In den Stammdaten vorhanden, aber ohne einen einzigen Vorgang:",
        "en": "In the master data, but without a single case:",
    },
    "q_usage_only": {"de": "nur aggregierte Nutzungsstatistik",
                     "en": "aggregated usage statistics only"},
    "q_no_cases_yet": {
        "de": "Es wurden noch keine Vorgänge importiert; Lücken lassen sich erst danach "
        "erkennen.",
        "en": "No cases have been imported yet; gaps can only be found after that.",
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
