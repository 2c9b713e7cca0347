"""UI strings in German (first) and English, and the language of the current script run.

KPI labels and method notes are not here: they belong to the KPI definitions in
:mod:`metrics.catalogue` (``KpiDef.label(lang)``, ``KpiDef.method(lang)``).
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"de": "Deutsch", "en": "English"}
SESSION_KEY = "lang"  # also the URL query parameter

STRINGS: dict[str, dict[str, str]] = {
    "language": {"de": "Sprache / Language", "en": "Sprache / Language"},
    # mails of `servicepuls notify` (dashboard/notify.py)
    "mail_greeting": {"de": "Guten Tag,", "en": "Hello,"},
    "mail_summary_subject": {"de": "Servicepuls {publisher}: Kennzahlen für {month}",
                             "en": "Servicepuls {publisher}: key figures for {month}"},
    "mail_summary_intro": {
        "de": "hier die Kennzahlen der digitalen Verwaltungsleistungen von {publisher} für "
        "{month} (alle Leistungen und Standorte):",
        "en": "here are the key figures of {publisher}'s digital services for {month} (all "
        "services and locations):",
    },
    "mail_tile": {"de": "- {kpi}: {value} ({when}{n})", "en": "- {kpi}: {value} ({when}{n})"},
    "mail_n": {"de": ", n = {n} Vorgänge", "en": ", n = {n} cases"},
    "mail_cohort": {"de": "Eingangskohorte {month}, {share} abgeschlossen",
                    "en": "cohort received {month}, {share} closed"},
    "mail_change": {"de": "  ggü. Vormonat ({month}): {change}",
                    "en": "  vs previous month ({month}): {change}"},
    "mail_change_none": {"de": "  ggü. Vormonat ({month}): keine Vergleichsdaten",
                         "en": "  vs previous month ({month}): no data to compare"},
    "mail_freshness_heading": {"de": "Datenstand (letzter Monat mit Daten: {month}):",
                               "en": "Data status (latest month with data: {month}):"},
    "mail_freshness_line": {
        "de": "- {source}: letzter erfolgreicher Import am {date} ({ago})",
        "en": "- {source}: last successful import on {date} ({ago})",
    },
    "mail_ago_0": {"de": "heute", "en": "today"},
    "mail_ago_1": {"de": "gestern", "en": "yesterday"},
    "mail_ago": {"de": "vor {days} Tagen", "en": "{days} days ago"},
    "mail_freshness_never": {"de": "- {source}: noch kein erfolgreicher Import",
                             "en": "- {source}: no successful import yet"},
    "mail_footer": {
        "de": "Werte mit weniger als {min_n} Fällen werden nicht gezeigt („< {min_n}“). "
        "Erzeugt am {today} von „servicepuls notify“; alle Details im Dashboard.",
        "en": "Values resting on fewer than {min_n} cases are not shown (\"< {min_n}\"). "
        "Generated on {today} by \"servicepuls notify\"; all details in the dashboard.",
    },
    "mail_reminder_subject": {
        "de": "Servicepuls {publisher}: Erinnerung – {count} Quelle(n) ohne neue Lieferung",
        "en": "Servicepuls {publisher}: reminder – {count} source(s) without a new delivery",
    },
    "mail_reminder_intro": {
        "de": "diese Quellen haben länger als erwartet keine neuen Daten geliefert:",
        "en": "these sources have not delivered new data for longer than expected:",
    },
    "mail_reminder_line": {
        "de": "- {source}: letzte Lieferung am {date}, {ago} (erwartet alle {every} Tage) — "
        "{path}",
        "en": "- {source}: last delivery on {date}, {ago} (expected every {every} days) — "
        "{path}",
    },
    "mail_reminder_never": {
        "de": "- {source}: noch keine Lieferung (erwartet alle {every} Tage) — {path}",
        "en": "- {source}: no delivery yet (expected every {every} days) — {path}",
    },
    "mail_reminder_fix": {
        "de": "Bitte beim Fachverfahren nachfragen, ob der Export läuft; neue Dateien holt "
        "„servicepuls import --all“ ab.",
        "en": "Please ask the source system's team whether the export runs; "
        "\"servicepuls import --all\" picks up new files.",
    },
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
    "tile_n_protected": {"de": "{month} · Vorgänge geschützt", "en": "{month} · cases protected"},
    "tile_cohort_protected": {
        "de": "Eingangskohorte {month} ({share} abgeschlossen) · Vorgänge geschützt",
        "en": "Cohort received {month} ({share} closed) · cases protected",
    },
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
    # download buttons (dashboard/widgets.py)
    "dl_xlsx": {"de": "Excel (XLSX)", "en": "Excel (XLSX)"},
    "dl_xlsx_help": {
        "de": "Die Tabelle als Excel-Datei: Zahlen als Zahlen, Kopfzeile fixiert.",
        "en": "The table as an Excel file: numbers as numbers, header row frozen.",
    },
    "dl_csv": {"de": "CSV für Excel", "en": "CSV for Excel"},
    "dl_csv_help": {
        "de": "Semikolon-getrennt, UTF-8 mit BOM – öffnet sich direkt in Excel.",
        "en": "Semicolon-separated, UTF-8 with BOM – opens directly in Excel.",
    },
    "dl_png": {"de": "Bild (PNG)", "en": "Image (PNG)"},
    "dl_image_source": {
        "de": "Quelle: Servicepuls, Auswertung der Verwaltungsdaten · Stand {date} · Werte "
        "mit zu wenigen Fällen ausgeblendet",
        "en": "Source: Servicepuls, analysis of administrative data · as of {date} · values "
        "with too few cases withheld",
    },
    "dl_image_method": {"de": "Methode: {method}", "en": "Method: {method}"},
    "dl_png_help": {
        "de": "Das Diagramm als Bild, z. B. für Präsentationen. Wird beim Klick erzeugt.",
        "en": "The chart as an image, e.g. for slides. Created when you click.",
    },
    "dl_svg": {"de": "Vektorgrafik (SVG)", "en": "Vector graphic (SVG)"},
    "dl_svg_help": {
        "de": "Das Diagramm als Vektorgrafik, verlustfrei skalierbar. Wird beim Klick erzeugt.",
        "en": "The chart as a vector graphic that scales without loss. Created when you click.",
    },
    "dl_image_unavailable": {
        "de": "Bilder der Diagramme brauchen Chromium auf dem Server; es wurde nicht gefunden.",
        "en": "Chart images need Chromium on the server; it was not found.",
    },
    "col_month": {"de": "Monat", "en": "Month"},
    "col_value": {"de": "Wert", "en": "Value"},
    "col_n": {"de": "Vorgänge (n)", "en": "Cases (n)"},
    "col_note": {"de": "Hinweis", "en": "Note"},
    "note_protected": {"de": "ausgeblendet („{secondary}“: sonst ließe sich ein "
                       "ausgeblendeter Monat errechnen)",
                       "en": "withheld (“{secondary}”: else a withheld month could be "
                       "recomputed)"},
    "note_protected_value": {"de": "ausgeblendet („{secondary}“: sonst ließe sich ein "
                             "ausgeblendeter Wert errechnen)",
                             "en": "withheld (“{secondary}”: else a withheld value could be "
                             "recomputed)"},
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
    "alt_protected": {
        "de": " Zeiträume „{secondary}“ (sonst ließe sich ein ausgeblendeter Monat "
        "errechnen): {hidden}.",
        "en": " Periods “{secondary}” (else a withheld month could be recomputed): {hidden}.",
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
    # --- Bericht für den Rat (dashboard/report, dashboard/views/reports.py) ------------------
    "r_nav": {"de": "Berichte", "en": "Reports"},
    "r_title": {"de": "Bericht für den Rat", "en": "Council report"},
    "r_intro": {
        "de": "Ein Bericht für Rat und Ausschüsse: Titelseite, Kennzahlen mit Zielwerten und "
        "Veränderung, Diagramme, eine Tabelle je Leistung, Pilotprojekte, Methodenhinweise "
        "und ausgeblendete Werte — als PDF oder PowerPoint, in deutscher Formatierung.",
        "en": "A report for the council and its committees: title page, key figures with "
        "targets and changes, charts, a table per service, pilot projects, method notes and "
        "withheld values — as PDF or PowerPoint.",
    },
    "r_quarter": {"de": "{q}. Quartal {year}", "en": "Q{q} {year}"},
    "r_scope_city": {"de": "Gesamte Kommune", "en": "Whole municipality"},
    "r_scope_department": {"de": "Fachbereich: {names}", "en": "Department: {names}"},
    "r_scope_services": {"de": "Leistungen: {names}", "en": "Services: {names}"},
    "r_scope_locations": {"de": "Standorte: {names}", "en": "Locations: {names}"},
    "r_col_kpi": {"de": "Kennzahl", "en": "Key figure"},
    "r_col_vs": {"de": "ggü. {period}", "en": "vs {period}"},
    "r_col_status": {"de": "Status", "en": "Status"},
    "r_target": {"de": "{value} bis {due}", "en": "{value} by {due}"},
    "r_status_reached": {"de": "erreicht", "en": "reached"},
    "r_status_on_track": {"de": "auf Kurs", "en": "on track"},
    "r_status_at_risk": {"de": "gefährdet", "en": "at risk"},
    "r_status_missed": {"de": "verfehlt", "en": "missed"},
    "r_status_unknown": {"de": "unklar (zu wenige Daten)", "en": "unclear (too little data)"},
    "r_note_open": {
        "de": "Von den Vorgängen des Zeitraums sind erst {share} abgeschlossen: "
        "Bearbeitungszeit und Rückfragenrate können sich noch ändern.",
        "en": "Only {share} of the period's cases are closed: processing time and follow-up "
        "rate may still change.",
    },
    "r_note_partial": {
        "de": "Der Zeitraum ist noch nicht vollständig: Daten bis einschließlich {month}. "
        "Vergleiche mit ganzen Zeiträumen sind daher nur eingeschränkt aussagekräftig.",
        "en": "The period is not complete yet: data up to {month}. Comparisons with whole "
        "periods are therefore of limited value.",
    },
    "r_note_no_funnel": {
        "de": "Die Abschlussquote des Online-Formulars fehlt, weil die Portalstatistik keine "
        "Standorte kennt.",
        "en": "The online form completion rate is left out: the portal statistics have no "
        "locations.",
    },
    "r_period_band": {"de": "Berichtszeitraum", "en": "Report period"},
    "r_withheld_months": {
        "de": "{kpi} im Zeitverlauf: {months} ausgeblendet (weniger als {min_n} Fälle)",
        "en": "{kpi} over time: {months} withheld (fewer than {min_n} cases)",
    },
    "r_withheld_months_protected": {
        "de": "{kpi} im Zeitverlauf: {months} geschützt (der Monatswert würde einen "
        "anderswo ausgeblendeten Wert verraten)",
        "en": "{kpi} over time: {months} protected (the month's value would give away a "
        "value withheld elsewhere)",
    },
    "r_withheld_total": {
        "de": "{kpi} ({scope}) im Berichtszeitraum: ausgeblendet (weniger als {min_n} Fälle)",
        "en": "{kpi} ({scope}) in the report period: withheld (fewer than {min_n} cases)",
    },
    "r_interval": {"de": "{value} (95-%-Intervall {lo} – {hi})",
                   "en": "{value} (95% interval {lo} – {hi})"},
    "r_label_ratings": {"de": "{kpi}, n: Bewertungen", "en": "{kpi}, n: ratings"},
    "r_label_as_of": {"de": "{kpi}, Stand {day}, n: offene Vorgänge",
                      "en": "{kpi}, as of {day}, n: open cases"},
    "r_label_months": {"de": "{kpi} ({first} – {last})", "en": "{kpi} ({first} – {last})"},
    "r_label_digital": {"de": "{kpi}, n: digitale Vorgänge",
                        "en": "{kpi}, n: digital transactions"},
    "r_note_ratings": {
        "de": "Zufriedenheit: Bewertungen der Frage „Wie zufrieden sind Sie insgesamt?“ im "
        "Zeitraum; das Intervall gibt die statistische Unsicherheit an (95 %, Wilson).",
        "en": "Satisfaction: ratings of the question “How satisfied are you overall?” in the "
        "period; the interval shows the statistical uncertainty (95%, Wilson).",
    },
    "r_note_no_ratings": {
        "de": "{kpi}: keine Bewertungen für diesen Bereich im Zeitraum – nicht aufgeführt.",
        "en": "{kpi}: no ratings for this scope in the period — not listed.",
    },
    "r_note_no_open": {
        "de": "Alter offener Vorgänge: keine offenen Vorgänge in diesem Bereich – nicht "
        "aufgeführt.",
        "en": "Age of open cases: no open cases in this scope — not listed.",
    },
    "r_note_open_snapshot": {
        "de": "Alter offener Vorgänge: Stand {day} (neueste Daten), nicht zum Ende des "
        "Berichtszeitraums.",
        "en": "Age of open cases: as of {day} (newest data), not at the end of the report "
        "period.",
    },
    "r_note_no_costs": {
        "de": "Kosten je Vorgang und freigewordene Arbeitsstunden: keine Kostendatei "
        "(SERVICEPULS_COSTS_FILE) – nicht aufgeführt.",
        "en": "Cost per transaction and staff hours freed: no cost file "
        "(SERVICEPULS_COSTS_FILE) — not listed.",
    },
    "r_note_no_costs_data": {
        "de": "Kosten je Vorgang und freigewordene Arbeitsstunden: keine Vorgänge mit "
        "Kostensatz in diesem Bereich – nicht aufgeführt.",
        "en": "Cost per transaction and staff hours freed: no transactions with a cost rate "
        "in this scope — not listed.",
    },
    "r_withheld_snapshot": {
        "de": "{kpi} ({scope}): ausgeblendet (weniger als {min_n} offene Vorgänge)",
        "en": "{kpi} ({scope}): withheld (fewer than {min_n} open cases)",
    },
    "r_withheld_total_protected": {
        "de": "{kpi} ({scope}) im Berichtszeitraum: geschützt (die Summe würde einen "
        "ausgeblendeten Wert der Tabelle verraten)",
        "en": "{kpi} ({scope}) in the report period: protected (the total would give away a "
        "withheld value of the table)",
    },
    "r_withheld_primary": {
        "de": "{cells} ausgeblendet (weniger als {min_n} Fälle)",
        "en": "{cells} withheld (fewer than {min_n} cases)",
    },
    "r_withheld_secondary": {
        "de": "{cells} geschützt: zusätzlich ausgeblendet, damit sich kein ausgeblendeter "
        "Wert aus der Summe errechnen lässt",
        "en": "{cells} protected: also withheld, so that no withheld value can be recomputed "
        "from the total",
    },
    "r_withheld_none": {
        "de": "Keine Werte ausgeblendet: alle Zellen beruhen auf mindestens {min_n} Fällen.",
        "en": "No values withheld: every cell rests on at least {min_n} cases.",
    },
    "r_coverage": {
        "de": "{covered} von {total} Leistungen mit Daten; Vorgänge in {months} von {of} "
        "Monaten des Zeitraums.",
        "en": "{covered} of {total} services have data; cases in {months} of the period's {of} "
        "months.",
    },
    "r_services_note": {
        "de": "Je Leistung über den ganzen Zeitraum. „< {min_n}“: ausgeblendet (weniger als "
        "{min_n} Fälle); „{secondary}“: beruht auf genug Fällen, ist aber zusätzlich "
        "ausgeblendet, damit sich kein kleiner Wert aus der Summe errechnen lässt; „–“: keine "
        "Daten.",
        "en": "Per service over the whole period. “< {min_n}”: withheld (fewer than {min_n} "
        "cases); “{secondary}”: rests on enough cases but is withheld as well, so that no "
        "small value can be recomputed from the total; “–”: no data.",
    },
    "r_pilot_not_yet": {
        "de": "Noch keine Auswertung möglich: Der Pilot startete am {start}; bis zum Ende des "
        "Berichtszeitraums ({period}) gibt es keine Monate davor und danach mit Daten.",
        "en": "No evaluation yet: the pilot started on {start}; by the end of the report "
        "period ({period}) there are no months with data before and after it.",
    },
    "r_data_until": {"de": "Daten bis einschließlich {month}", "en": "Data up to {month}"},
    "r_last_import": {"de": "letzter Import {when}", "en": "last import {when}"},
    "r_as_of": {"de": "Datenstand", "en": "Data as of"},
    "r_generated": {"de": "Erstellt am", "en": "Created on"},
    "r_made_with": {"de": "Servicepuls – Kennzahlen digitaler Verwaltungsleistungen",
                    "en": "Servicepuls – key figures of digital public services"},
    "r_sec_summary": {"de": "Kennzahlen im Überblick", "en": "Key figures"},
    "r_sec_services": {"de": "Leistungen im Einzelnen", "en": "Services in detail"},
    "r_sec_methods": {"de": "Methodenhinweise", "en": "Method notes"},
    "r_sec_coverage": {"de": "Datenabdeckung", "en": "Data coverage"},
    "r_sec_suppressed": {"de": "Ausgeblendete Werte (Datenschutz)",
                         "en": "Withheld values (privacy)"},
    "r_no_pilots": {"de": "Für diesen Bereich sind keine Pilotprojekte eingetragen.",
                    "en": "No pilot projects are recorded for this scope."},
    "r_method_cases": {
        "de": "Eingegangene Vorgänge im Zeitraum, nach Eingangsmonat; für Monate ohne "
        "Einzeldaten zählt die Monatsstatistik (nie doppelt).",
        "en": "Cases received in the period, by month of receipt; for months without "
        "case-level data the monthly statistics count (never twice).",
    },
    "r_method_totals_title": {"de": "Summen und Vergleiche", "en": "Totals and comparisons"},
    "r_method_totals": {
        "de": "Quoten über mehrere Leistungen oder Monate sind Σ Zähler / Σ Nenner, nie ein "
        "Mittel von Quoten. Veränderungen: bei Anteilen in Prozentpunkten (Pp.), sonst "
        "relativ (aktuell / vorher − 1); in Klammern der Vergleichswert.",
        "en": "Rates over several services or months are Σ numerator / Σ denominator, never a "
        "mean of rates. Changes: percentage points (pp) for shares, otherwise relative "
        "(current / previous − 1); the earlier value in brackets.",
    },
    "r_method_privacy_title": {"de": "Datenschutz", "en": "Privacy"},
    "r_method_privacy": {
        "de": "Werte, die auf weniger als {min_n} Fällen beruhen, werden nicht gezeigt "
        "(„< {min_n}“). Wo eine Summe gezeigt wird, werden so viele weitere Werte "
        "ausgeblendet („{secondary}“), dass sich keiner zurückrechnen lässt – auch nicht, "
        "wenn alle ausgeblendeten Werte 0 % oder 100 % wären, je einen Fall hätten oder eine "
        "andere Spalte sie eingrenzt; sonst wird die Summe ausgeblendet. Es ist dasselbe "
        "Verfahren wie im Open-Data-Angebot (servicepuls publish).",
        "en": "Values resting on fewer than {min_n} cases are not shown (“< {min_n}”). Where a "
        "total is shown, as many further values are withheld (“{secondary}”) as it takes "
        "that none can be recomputed — also not when all withheld values would be 0 % or "
        "100 %, would have one case each, or another column bounds them; otherwise the total "
        "is withheld. It is the same method as in the open-data feed (servicepuls publish).",
    },
    "r_page_intro": {
        "de": "Zeitraum, Bereich und Format wählen, dann „Bericht erstellen“. Das dauert "
        "einige Sekunden (Diagramme werden als Bilder erzeugt).",
        "en": "Choose period, scope and format, then “Create report”. This takes a few "
        "seconds (charts are rendered as images).",
    },
    "r_period": {"de": "Zeitraum", "en": "Period"},
    "r_kind_quarter": {"de": "Quartal", "en": "Quarter"},
    "r_kind_month": {"de": "Monat", "en": "Month"},
    "r_kind_year": {"de": "Jahr", "en": "Year"},
    "r_scope": {"de": "Bereich", "en": "Scope"},
    "r_scope_kind_city": {"de": "Gesamte Kommune", "en": "Whole municipality"},
    "r_scope_kind_department": {"de": "Fachbereich", "en": "Department"},
    "r_scope_kind_services": {"de": "Leistungen", "en": "Services"},
    "r_scope_kind_locations": {"de": "Standorte", "en": "Locations"},
    "r_scope_values": {"de": "Auswahl", "en": "Selection"},
    "r_scope_values_none": {"de": "Bitte mindestens einen Eintrag wählen.",
                            "en": "Please choose at least one entry."},
    "r_file_error": {
        "de": "Die Datei `{path}` enthält {count} Fehler; der Bericht wird erst erstellt, wenn "
        "sie korrigiert ist:",
        "en": "The file `{path}` has {count} problem(s); the report is created once it is "
        "fixed:",
    },
    "r_format": {"de": "Format", "en": "Format"},
    "r_format_pdf": {"de": "PDF", "en": "PDF"},
    "r_format_pptx": {"de": "PowerPoint (PPTX)", "en": "PowerPoint (PPTX)"},
    "r_create": {"de": "Bericht erstellen", "en": "Create report"},
    "r_creating": {"de": "Bericht wird erstellt …", "en": "Creating the report …"},
    "r_download": {"de": "{name} herunterladen", "en": "Download {name}"},
    "r_ready": {"de": "Fertig: {name} ({size})", "en": "Done: {name} ({size})"},
    "r_failed": {"de": "Der Bericht konnte nicht erstellt werden: {error}",
                 "en": "The report could not be created: {error}"},
    "r_cli": {"de": "Derselbe Bericht auf der Kommandozeile:",
              "en": "The same report on the command line:"},
    # --- Datenqualität & Importe (dashboard/views/quality.py) --------------------------------
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
    "q_col_skipped": {"de": "Summenzeilen", "en": "Summary rows"},
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
    # --- Zufriedenheit & Beteiligung (dashboard/views/satisfaction.py) ------------------------
    "s_nav": {"de": "Zufriedenheit & Beteiligung", "en": "Satisfaction & participation"},
    "s_title": {"de": "Zufriedenheit & Beteiligung", "en": "Satisfaction & participation"},
    "s_intro": {
        "de": "Wie zufrieden sind Bürgerinnen und Bürger, und was sagen sie zu Erreichbarkeit, "
        "Abläufen und Wartezeiten, Terminvergabe, Verständlichkeit und dem Zusammenspiel "
        "digital/analog? Bürgerbefragung bis einschließlich {month}.",
        "en": "How satisfied are citizens, and what do they say about reachability, processes "
        "and waiting times, appointment booking, clarity and the interplay of digital and "
        "analogue? Citizen survey up to and including {month}.",
    },
    "s_topic": {"de": "Thema", "en": "Topic"},
    "s_topic_overall": {"de": "Gesamtzufriedenheit", "en": "Overall satisfaction"},
    "s_topic_reachability": {"de": "Erreichbarkeit", "en": "Reachability"},
    "s_topic_process_waiting": {"de": "Abläufe und Wartezeiten",
                                "en": "Processes and waiting times"},
    "s_topic_appointments": {"de": "Terminvergabe", "en": "Appointment booking"},
    "s_topic_clarity": {"de": "Verständlichkeit", "en": "Clarity"},
    "s_topic_digital_analog": {"de": "Zusammenspiel digital/analog",
                               "en": "Interplay of digital and analogue"},
    "s_topic_other": {"de": "Sonstiges", "en": "Other"},
    "s_channel": {"de": "Kanal", "en": "Channel"},
    "s_all_channels": {"de": "Alle Kanäle", "en": "All channels"},
    "s_channel_online": {"de": "Online", "en": "Online"},
    "s_channel_in_person": {"de": "Vor Ort", "en": "In person"},
    "s_channel_phone": {"de": "Telefon", "en": "Phone"},
    "s_channel_post": {"de": "Post", "en": "Post"},
    "s_channel_email": {"de": "E-Mail", "en": "E-mail"},
    "s_channel_video": {"de": "Videoberatung", "en": "Video consultation"},
    "s_channel_assisted_digital": {"de": "Assistiert digital", "en": "Assisted digital"},
    "s_channel_fax": {"de": "Fax", "en": "Fax"},
    "s_channel_other": {"de": "Sonstiger Kanal", "en": "Other channel"},
    "s_location": {"de": "Standort", "en": "Location"},
    "s_all_locations": {"de": "Alle Standorte", "en": "All locations"},
    "s_location_help": {
        "de": "Mit einem Standort zählen nur Antworten, die ihn nennen; Antworten ohne Standort "
        "(z. B. online) zählen nur bei „Alle Standorte“.",
        "en": "With one location, only responses naming it count; responses without a location "
        "(e.g. online) count only with “All locations”.",
    },
    "s_tiles_month": {"de": "Neuester Monat mit Daten: {month}",
                      "en": "Latest month with data: {month}"},
    "s_tiles_window": {"de": "Zeitraum: {first} – {last}",
                       "en": "Period: {first} – {last}"},
    "s_top2": {"de": "Anteil zufrieden (4–5 von 5)", "en": "Share satisfied (4–5 of 5)"},
    "s_mean": {"de": "Mittlere Bewertung (1–5)", "en": "Mean rating (1–5)"},
    "s_score": {"de": "GOV.UK-Score (0–1)", "en": "GOV.UK score (0–1)"},
    "s_n": {"de": "Bewertungen (n)", "en": "Ratings (n)"},
    "s_top2_help": {
        "de": "Anteil der Bewertungen mit 4 (zufrieden) oder 5 (sehr zufrieden) auf der Skala "
        "1–5 (Top-2-Box); 95-%-Intervall nach Wilson.",
        "en": "Share of ratings of 4 (satisfied) or 5 (very satisfied) on the 1–5 scale "
        "(top-2 box); 95% Wilson interval.",
    },
    "s_mean_help": {
        "de": "Mittelwert der Bewertungen 1–5 (5 = sehr zufrieden); 95-%-Intervall nach "
        "Student-t, begrenzt auf die Skala.",
        "en": "Mean of the 1–5 ratings (5 = very satisfied); 95% Student-t interval, clipped "
        "to the scale.",
    },
    "s_score_help": {
        "de": "Zufriedenheitswert des GOV.UK-Servicehandbuchs: (Mittelwert − 1) / 4, von 0 "
        "(alle sehr unzufrieden) bis 1 (alle sehr zufrieden).",
        "en": "The GOV.UK service manual's satisfaction score: (mean − 1) / 4, from 0 (all "
        "very dissatisfied) to 1 (all very satisfied).",
    },
    "s_n_help": {
        "de": "Anzahl der Bewertungen dieses Themas. Werte mit weniger als {min_n} Bewertungen "
        "werden nicht angezeigt.",
        "en": "Number of ratings of this topic. Values resting on fewer than {min_n} ratings "
        "are not shown.",
    },
    "s_interval": {"de": "95-%-Intervall: {interval}", "en": "95% interval: {interval}"},
    "s_ratings_caption": {"de": "Bewertungen zum Thema „{topic}“",
                          "en": "ratings of the topic “{topic}”"},
    "s_small_n": {
        "de": "Nur {n} Bewertungen ({period}): Der Wert ist unsicher, das 95-%-Intervall "
        "ist breit ({interval}).",
        "en": "Only {n} ratings ({period}): the value is uncertain, the 95% interval is wide "
        "({interval}).",
    },
    "s_protected": {
        "de": "{period}: Werte geschützt — sie ruhen auf genug Bewertungen, würden aber mit "
        "anderen Zeiträumen oder Filtern ausgeblendete Bewertungen verraten.",
        "en": "{period}: values protected — they rest on enough ratings but, with other "
        "periods or filters, would give away withheld ratings.",
    },
    "s_suppressed": {
        "de": "Weniger als {min_n} Bewertungen ({period}): Werte ausgeblendet, damit niemand "
        "erkennbar wird.",
        "en": "Fewer than {min_n} ratings ({period}): values withheld so that no one can be "
        "identified.",
    },
    "s_no_ratings": {
        "de": "Keine Bewertungen ({period}) für diese Auswahl.",
        "en": "No ratings ({period}) for this selection.",
    },
    "s_trend_heading": {"de": "Anteil zufrieden im Zeitverlauf: {topic}",
                        "en": "Share satisfied over time: {topic}"},
    "s_trend_method": {
        "de": "Methode: Anteil der Bewertungen 4–5 auf der Skala 1–5 (Top-2-Box) je Monat der "
        "Antwort; Fehlerbalken = 95-%-Intervall nach Wilson. n = {n} Bewertungen in den "
        "gezeigten Monaten ({first} – {last}). Quelle: Bürgerbefragung. Monate mit weniger "
        "als {min_n} Bewertungen bleiben als Lücke („< {min_n}“), Monate ohne Bewertungen "
        "leer.",
        "en": "Method: share of ratings of 4–5 on the 1–5 scale (top-2 box) by month of "
        "response; error bars = 95% Wilson interval. n = {n} ratings in the months shown "
        "({first} – {last}). "
        "Source: citizen survey. Months with fewer than {min_n} ratings are left as a gap "
        "(“< {min_n}”), months without ratings empty.",
    },
    "s_gaps_suppressed": {
        "de": "Ausgeblendet (weniger als {min_n} Bewertungen): {months}.",
        "en": "Withheld (fewer than {min_n} ratings): {months}.",
    },
    "s_gaps_protected": {
        "de": "{months}: „{secondary}“ — sonst ließe sich ein ausgeblendeter Monat aus der "
        "Summe des Zeitraums errechnen.",
        "en": "{months}: “{secondary}” — else a withheld month could be recomputed from the "
        "period's total.",
    },
    "s_gaps_missing": {"de": "Ohne Bewertungen: {months}.", "en": "No ratings: {months}."},
    "s_axis_top2": {"de": "Anteil zufrieden", "en": "Share satisfied"},
    "s_axis_month": {"de": "Monat der Antwort", "en": "Month of response"},
    "s_alt_trend": {
        "de": "Textalternative: Anteil zufrieden ({topic}) {direction} von {first_value} "
        "({first_month}) auf {last_value} ({last_month}; 95-%-Intervall {interval}, "
        "n = {n}); {shown} von {months} Monaten mit Wert.",
        "en": "Text alternative: share satisfied ({topic}) {direction} from {first_value} "
        "({first_month}) to {last_value} ({last_month}; 95% interval {interval}, n = {n}); "
        "{shown} of {months} months have a value.",
    },
    "s_alt_trend_single": {
        "de": "Textalternative: Anteil zufrieden ({topic}): {value} im {month} "
        "(95-%-Intervall {interval}, n = {n}); nur ein Monat mit Wert.",
        "en": "Text alternative: share satisfied ({topic}): {value} in {month} (95% interval "
        "{interval}, n = {n}); only one month has a value.",
    },
    "s_alt_trend_none": {
        "de": "Textalternative: Anteil zufrieden ({topic}): kein Monat mit mindestens {min_n} "
        "Bewertungen.",
        "en": "Text alternative: share satisfied ({topic}): no month with at least {min_n} "
        "ratings.",
    },
    "s_alt_hidden": {
        "de": " {hidden} Monate ausgeblendet (weniger als {min_n} Bewertungen).",
        "en": " {hidden} months withheld (fewer than {min_n} ratings).",
    },
    "s_alt_hidden_one": {
        "de": " 1 Monat ausgeblendet (weniger als {min_n} Bewertungen).",
        "en": " 1 month withheld (fewer than {min_n} ratings).",
    },
    "s_col_month": {"de": "Monat", "en": "Month"},
    "s_col_topic": {"de": "Thema", "en": "Topic"},
    "s_col_top2": {"de": "Anteil zufrieden", "en": "Share satisfied"},
    "s_col_interval": {"de": "95-%-Intervall", "en": "95% interval"},
    "s_col_mean": {"de": "Mittlere Bewertung", "en": "Mean rating"},
    "s_col_score": {"de": "GOV.UK-Score", "en": "GOV.UK score"},
    "s_col_n": {"de": "Bewertungen (n)", "en": "Ratings (n)"},
    "s_col_note": {"de": "Hinweis", "en": "Note"},
    "s_col_channel": {"de": "Kanal", "en": "Channel"},
    "s_col_comment": {"de": "Anmerkung", "en": "Comment"},
    "s_note_suppressed": {"de": "ausgeblendet (weniger als {min_n} Bewertungen)",
                          "en": "withheld (fewer than {min_n} ratings)"},
    "s_note_no_data": {"de": "keine Bewertungen", "en": "no ratings"},
    "s_topics_heading": {"de": "Themen der Bürgerbeteiligung ({first} – {last})",
                         "en": "Participation topics ({first} – {last})"},
    "s_topics_method": {
        "de": "Methode: je Thema Anteil der Bewertungen 4–5 von 5 mit 95-%-Intervall (Wilson), "
        "höchster Anteil oben. n = {n} Bewertungen ({first} – {last}). Quelle: "
        "Bürgerbefragung. Themen mit weniger als {min_n} Bewertungen stehen ohne Wert unten "
        "(„< {min_n}“). Die Gesamtzufriedenheit steht in den Kacheln oben.",
        "en": "Method: per topic, share of ratings of 4–5 of 5 with 95% Wilson interval, "
        "highest share on top. n = {n} ratings ({first} – {last}). Source: citizen survey. "
        "Topics with fewer than {min_n} ratings are listed at the bottom without a value "
        "(“< {min_n}”). Overall satisfaction is in the tiles above.",
    },
    "s_alt_topics": {
        "de": "Textalternative: Anteil zufrieden je Thema ({first} – {last}): {items}.",
        "en": "Text alternative: share satisfied by topic ({first} – {last}): {items}.",
    },
    "s_alt_topic_item": {"de": "{topic} {value} (95-%-Intervall {interval}, n = {n})",
                         "en": "{topic} {value} (95% interval {interval}, n = {n})"},
    "s_alt_topic_hidden": {"de": "{topic} ausgeblendet (n {n})",
                           "en": "{topic} withheld (n {n})"},
    "s_topics_none": {
        "de": "Für diese Auswahl gibt es in den letzten 12 Monaten keine Bewertungen zu den "
        "Themen der Bürgerbeteiligung.",
        "en": "For this selection there are no ratings of the participation topics in the last "
        "12 months.",
    },
    "s_comments_heading": {"de": "Stimmen aus der Befragung", "en": "Voices from the survey"},
    "s_comments_intro": {
        "de": "Die neuesten Anmerkungen ({count}), nur mit Monat, ohne Tag. Personenbezogene "
        "Angaben werden vor dem Speichern entfernt (automatisch: E-Mail-Adressen, "
        "Telefonnummern, IBANs) und beim Anzeigen erneut geprüft.",
        "en": "The newest comments ({count}), with the month only, no day. Personal data is "
        "removed before storage (automatically: e-mail addresses, phone numbers, IBANs) and "
        "checked again when shown.",
    },
    "s_comments_none": {"de": "Für diese Auswahl liegen keine Anmerkungen vor.",
                        "en": "There are no comments for this selection."},
    "s_comments_hidden": {
        "de": "Anmerkungen werden für diese Auswahl nicht gezeigt: Sie beruht auf weniger als "
        "{min_n} Bewertungen, einzelne Personen wären erkennbar.",
        "en": "Comments are not shown for this selection: it rests on fewer than {min_n} "
        "ratings, so individuals could be recognised.",
    },
    "s_feedback_heading": {"de": "Wie wurden Ergebnisse zurückgespielt?",
                           "en": "How were results fed back?"},
    "s_feedback_text": {
        "de": "Zu Rückmeldungen an die Bürgerinnen und Bürger („Sie haben gesagt – wir haben "
        "getan“) liegen noch keine Daten vor; deshalb stehen hier keine Zahlen dazu. Geplant "
        "ist, die aggregierten Ergebnisse dieser Seite über den Open-Data-Feed und im Bericht "
        "an Rat und Ausschüsse zu veröffentlichen (Issue 7) – nur Anteile und Mittelwerte mit "
        "n, ohne Werte mit weniger als {min_n} Bewertungen und ohne Anmerkungen im Wortlaut.",
        "en": "There is no data yet on how results were fed back to citizens (“you said – we "
        "did”), so no numbers are shown for it. The plan is to publish this page's aggregated "
        "results through the open-data feed and in the report to the council and committees "
        "(issue 7) – only shares and means with n, no values resting on fewer than {min_n} "
        "ratings and no comments verbatim.",
    },
    "s_no_ratings_selection": {
        "de": "Für diese Auswahl von Kanal und Standort gibt es keine Bewertungen. Bitte "
        "Kanal oder Standort ändern.",
        "en": "There are no ratings for this combination of channel and location. Please "
        "change the channel or the location.",
    },
    "s_no_feedback_title": {"de": "Noch keine Rückmeldungen importiert",
                            "en": "No feedback imported yet"},
    "s_no_feedback": {
        "de": "Der Datenbestand enthält noch keine Bewertungen aus der Bürgerbefragung. "
        "Exportieren Sie die Antworten aus LimeSurvey („Antworten exportieren“: CSV mit "
        "Antwortcodes und vollständigen Fragetexten) als `umfrage.csv` und importieren Sie "
        "den Ordner:\n\n`servicepuls import <Ordner mit umfrage.csv>`\n\nDanach diese Seite "
        "neu laden.",
        "en": "The store holds no ratings from the citizen survey yet. Export the responses "
        "from LimeSurvey (“Export responses”: CSV with answer codes and full question texts) "
        "as `umfrage.csv` and import the folder:\n\n"
        "`servicepuls import <folder with umfrage.csv>`\n\nThen reload this page.",
    },
    # --- Pilotprojekte (dashboard/views/pilots.py) -------------------------------------------
    "nav_pilots": {"de": "Pilotprojekte", "en": "Pilot projects"},
    "p_title": {"de": "Pilotprojekte", "en": "Pilot projects"},
    "p_intro": {
        "de": "Hat ein Pilot gewirkt, um wie viel, und wie sicher ist das? Verglichen wird "
        "die digitale Nutzungsquote an den Pilotstandorten vor und seit dem Start mit einer "
        "Vergleichsgruppe, die den Piloten nicht hatte.",
        "en": "Did a pilot work, by how much, and how sure are we? Digital take-up at the "
        "pilot locations before and since the start is compared with a comparison group "
        "that did not have the pilot.",
    },
    "p_select": {"de": "Pilotprojekt", "en": "Pilot project"},
    "p_no_file_title": {"de": "Noch keine Pilotprojekte", "en": "No pilot projects yet"},
    "p_no_file": {
        "de": "Pilotprojekte werden in einer TOML-Datei beschrieben. Servicepuls erwartet sie "
        "unter `{path}` (Einstellung `SERVICEPULS_PILOTS_FILE`). Je Pilot: Name, Start, "
        "Leistungen und Pilotstandorte (Nummern aus den Stammdaten), optional Zielwert in "
        "Prozentpunkten, Vergleichsstandorte und Maßnahmen mit Datum. Zum Beispiel:",
        "en": "Pilot projects are described in a TOML file. Servicepuls expects it at "
        "`{path}` (setting `SERVICEPULS_PILOTS_FILE`). Per pilot: name, start, services and "
        "pilot locations (codes from the master data), optionally a target in percentage "
        "points, comparison locations and interventions with a date. For example:",
    },
    "p_no_file_after": {
        "de": "Danach diese Seite neu laden.",
        "en": "Then reload this page.",
    },
    "p_file_error": {
        "de": "Die Pilot-Datei `{path}` enthält {count} Fehler. Bitte korrigieren und die "
        "Seite neu laden:",
        "en": "The pilots file `{path}` has {count} problems. Please fix them and reload the "
        "page:",
    },
    "p_services": {"de": "Leistungen", "en": "Services"},
    "p_locations": {"de": "Pilotstandorte", "en": "Pilot locations"},
    "p_control": {"de": "Vergleichsgruppe", "en": "Comparison group"},
    "p_control_default": {
        "de": "{names} (alle übrigen Bürgerämter mit Vorgängen dieser Leistungen)",
        "en": "{names} (every other office with cases of these services)",
    },
    "p_start": {"de": "Start", "en": "Start"},
    "p_interventions": {"de": "Maßnahmen", "en": "Interventions"},
    "p_none": {"de": "keine", "en": "none"},
    "p_tiles_heading": {"de": "Ergebnis", "en": "Result"},
    "p_tile_before": {"de": "Vorher", "en": "Before"},
    "p_tile_after": {"de": "Seit dem Start", "en": "Since the start"},
    "p_tile_help": {
        "de": "Nutzungsquote an den Pilotstandorten, über den ganzen Zeitraum (Σ Zähler / "
        "Σ Nenner). {method}",
        "en": "Take-up at the pilot locations over the whole period (Σ numerator / "
        "Σ denominator). {method}",
    },
    "p_tile_effect": {"de": "Wirkung des Piloten", "en": "Effect of the pilot"},
    "p_tile_target": {"de": "Zielwert", "en": "Target"},
    "p_period_n": {"de": "Pilotstandorte, {first} – {last} · n = {n} Vorgänge",
                   "en": "Pilot locations, {first} – {last} · n = {n} cases"},
    "p_effect_parts": {
        "de": "= Veränderung Pilot {pilot} − Veränderung Vergleichsgruppe {control}",
        "en": "= change in the pilot {pilot} − change in the comparison group {control}",
    },
    "p_control_share": {"de": "Vergleichsgruppe im selben Zeitraum: {share}",
                        "en": "Comparison group in the same period: {share}"},
    "p_vs_before": {"de": "ggü. vorher", "en": "vs before"},
    "p_interval": {"de": "{level}\u00a0%-Intervall: {low} bis {high}",
                   "en": "{level}% interval: {low} to {high}"},
    "p_effect_help": {
        "de": "Veränderung an den Pilotstandorten minus Veränderung in der Vergleichsgruppe, "
        "in Prozentpunkten (Differenz-von-Differenzen).",
        "en": "Change at the pilot locations minus change in the comparison group, in "
        "percentage points (difference-in-differences).",
    },
    "p_no_estimate": {"de": "keine Schätzung – siehe Hinweis oben",
                      "en": "no estimate – see the note above"},
    "p_status_reached": {"de": "✓ erreicht", "en": "✓ reached"},
    "p_status_open": {"de": "◐ noch nicht sicher erreicht", "en": "◐ not yet surely reached"},
    "p_status_missed": {"de": "✗ verfehlt", "en": "✗ missed"},
    "p_status_unknown": {"de": "– ohne Schätzung nicht beurteilbar",
                         "en": "– cannot be judged without an estimate"},
    "p_no_target": {"de": "kein Zielwert festgelegt (`target_pp` in der Pilot-Datei)",
                    "en": "no target set (`target_pp` in the pilots file)"},
    "p_status_rule": {
        "de": "Erreicht heißt: auch die Untergrenze des {level}\u00a0%-Intervalls liegt auf "
        "oder über dem Zielwert. Verfehlt: auch die Obergrenze liegt darunter. Dazwischen "
        "ist es noch nicht sicher.",
        "en": "Reached means: even the lower bound of the {level}% interval is at or above "
        "the target. Missed: even the upper bound is below it. In between it is not sure "
        "yet.",
    },
    "p_chart_heading": {"de": "{kpi}: Pilotstandorte und Vergleichsgruppe",
                        "en": "{kpi}: pilot locations and comparison group"},
    "p_chart_note": {
        "de": "Monatswerte für {services}. Senkrechte Linie: Start des Piloten; Rauten mit "
        "gepunkteter Linie: Maßnahmen. Monate mit weniger als {min_n} Fällen und Monate, die "
        "der Überblick für die Gruppe zum Schutz anderer Werte zurückhält („geschützt“), "
        "werden nicht angezeigt.",
        "en": "Monthly values for {services}. Vertical line: start of the pilot; diamonds "
        "with a dotted line: interventions. Months with fewer than {min_n} cases and months "
        "the Überblick withholds for the group to protect other values (\"protected\") are "
        "not shown.",
    },
    "p_method": {"de": "Methode: {method}", "en": "Method: {method}"},
    "v_mix_none": {"de": "Keine Vorgänge mit dieser Auswahl — nichts aufzuteilen.",
                   "en": "No cases with this selection — nothing to split."},
    "p_left_out_label": {"de": "Ausgelassene Monate (Datenschutz)",
                         "en": "Months left out (privacy)"},
    "p_left_out": {
        "de": "Zum Schutz kleiner Zahlen ausgelassen: {months}. Der Überblick zeigt diese "
        "Monate für eine der beiden Gruppen nicht, und die Summe eines Zeitraums würde sie "
        "verraten — sie fehlen deshalb in beiden Gruppen.",
        "en": "Left out to protect small numbers: {months}. The Überblick withholds these "
        "months for one of the two groups, and a period's sum would give them away — so "
        "they are left out of both groups.",
    },
    "p_alt": {
        "de": "Textalternative: {kpi} für {services}. Pilotstandorte ({pilot}): {before} vor "
        "dem Start ({b_first} – {b_last}), {after} seit dem Start ({a_first} – {a_last}). "
        "Vergleichsgruppe ({control}): {c_before} vorher, {c_after} seither. Start am "
        "{start}.",
        "en": "Text alternative: {kpi} for {services}. Pilot locations ({pilot}): {before} "
        "before the start ({b_first} – {b_last}), {after} since the start ({a_first} – "
        "{a_last}). Comparison group ({control}): {c_before} before, {c_after} since. "
        "Start on {start}.",
    },
    "p_alt_interventions": {"de": " Maßnahmen: {items}.", "en": " Interventions: {items}."},
    "p_col_period": {"de": "Zeitraum", "en": "Period"},
    "p_col_pilot_n": {"de": "Pilot: Vorgänge (n)", "en": "Pilot: cases (n)"},
    "p_col_control_n": {"de": "Vergleich: Vorgänge (n)", "en": "Comparison: cases (n)"},
    "p_before": {"de": "vor dem Start", "en": "before the start"},
    "p_after": {"de": "seit dem Start", "en": "since the start"},
    "p_outside": {"de": "nicht ausgewertet", "en": "not evaluated"},
    "p_period_error": {
        "de": "Für diesen Piloten ist noch kein Vorher-nachher-Vergleich möglich: Start "
        "{start}, Daten von {first} bis {last}. Nötig sind Monate vor und seit dem Start.",
        "en": "No before-and-after comparison is possible for this pilot yet: start {start}, "
        "data from {first} to {last}. Months before and since the start are needed.",
    },
    # --- Standorte (dashboard/views/locations.py) --------------------------------------------
    "l_nav": {"de": "Standorte", "en": "Locations"},
    "l_title": {"de": "Standorte", "en": "Locations"},
    "l_intro": {
        "de": "Wie unterscheiden sich die Standorte – bei der digitalen Nutzung, bei "
        "Terminen und bei der Wartezeit vor Ort? Zeitraum: {period}.",
        "en": "How do the locations differ – in digital take-up, appointments and on-site "
        "waiting? Period: {period}.",
    },
    "l_period": {"de": "Zeitraum", "en": "Period"},
    "l_period_12m": {"de": "Letzte {months} Monate", "en": "Last {months} months"},
    "l_period_all": {"de": "Gesamter Zeitraum", "en": "Whole period"},
    "l_period_none": {"de": "keine datierten Daten", "en": "no dated data"},
    "l_all_locations": {"de": "Alle Standorte", "en": "All locations"},
    "l_total_withheld": {
        "de": "{label}: {value} — keine Linie, sonst ließe sich ein ausgeblendeter Standort "
        "errechnen.",
        "en": "{label}: {value} — no line, else a withheld location could be recomputed.",
    },
    "l_total": {"de": "Alle Standorte", "en": "All locations"},
    "l_compare_heading": {"de": "{kpi} je Standort", "en": "{kpi} by location"},
    "l_compare_method": {
        "de": "Methode: {method} Je Standort über {period} (Σ Zähler / Σ Nenner); Punkt = "
        "Anteil, Linie = 95-%-Intervall (Wilson), gestrichelt = alle gezeigten Standorte "
        "zusammen. n = {n} Vorgänge. Quelle: Vorgänge der Fachverfahren. Standorte mit "
        "weniger als {min_n} Vorgängen stehen ohne Punkt als „< {min_n}“, Standorte ohne "
        "Vorgänge als „–“.",
        "en": "Method: {method} Per location over {period} (Σ numerator / Σ denominator); "
        "point = share, line = 95% interval (Wilson), dashed = all locations shown together. "
        "n = {n} cases. Source: cases from the specialist systems. Locations with fewer than "
        "{min_n} cases are shown without a point as “< {min_n}”, locations without cases as "
        "“–”.",
    },
    "l_without_location": {
        "de": "{n} Vorgänge ohne Standort (z. B. reine Online-Anträge) gehören zu keinem "
        "Standort und sind hier nicht enthalten.",
        "en": "{n} cases without a location (e.g. online-only applications) belong to no "
        "location and are not included here.",
    },
    "l_no_cases": {
        "de": "Noch keine Vorgänge im Datenbestand: Der Vergleich der digitalen Nutzungsquote "
        "braucht den Vorgangs-Export eines Fachverfahrens. Beispiel mit der Musterstadt: "
        "`servicepuls sample`, dann `servicepuls import data/musterstadt` (oder beides: "
        "`make demo`).",
        "en": "No cases in the store yet: comparing digital take-up needs the case export of "
        "a specialist system. Example with the sample city: `servicepuls sample`, then "
        "`servicepuls import data/musterstadt` (or both: `make demo`).",
    },
    "l_no_cases_period": {
        "de": "Im Zeitraum {period} zählt kein Vorgang der gewählten Standorte und "
        "Leistungen für die digitale Nutzungsquote: Es gibt keine, oder nur solche von "
        "Leistungen, die damals nicht online waren.",
        "en": "In {period} no case of the selected locations and services counts for digital "
        "take-up: there are none, or only cases of services that were not online then.",
    },
    "l_alt_interval": {
        "de": "Textalternative: {what} je Standort ({period}), höchster Wert zuerst, mit "
        "95-%-Intervall: {items}.",
        "en": "Text alternative: {what} by location ({period}), highest first, with 95% "
        "interval: {items}.",
    },
    "l_alt_item": {"de": "{name} {value}, n = {n}", "en": "{name} {value}, n = {n}"},
    "l_map_heading": {"de": "Lage der Standorte", "en": "Where the locations are"},
    "l_map_method": {
        "de": "Lage nach Breiten- und Längengrad aus den Stammdaten, maßstabsgetreu und "
        "genordet, ohne Hintergrundkarte (funktioniert ohne Internetzugang). Punktfläche = "
        "Vorgänge {period}; Farbe und Form zeigen die Art des Standorts. Weniger als {min_n} "
        "Vorgänge: kleinster Punkt, „< {min_n}“.",
        "en": "Position by latitude and longitude from the master data, true to scale with "
        "north up, without a background map (works without internet access). Point area = "
        "cases {period}; colour and shape show the kind of location. Fewer than {min_n} "
        "cases: smallest point, “< {min_n}”.",
    },
    "l_alt_map": {
        "de": "Textalternative: Karte mit {count} Standorten, von Nord nach Süd: {items}.",
        "en": "Text alternative: map of {count} locations, north to south: {items}.",
    },
    "l_alt_map_one": {
        "de": "Textalternative: Karte mit einem Standort: {items}.",
        "en": "Text alternative: map of one location: {items}.",
    },
    "l_alt_map_item": {"de": "{name} ({kind}, {district}, {n} Vorgänge)",
                       "en": "{name} ({kind}, {district}, {n} cases)"},
    "l_alt_map_virtual": {"de": " Ohne Koordinaten: {names}.",
                          "en": " Without coordinates: {names}."},
    "l_virtual_list": {
        "de": "**Ohne Lage auf der Karte** (virtuelle Standorte oder ohne Koordinaten): {items}",
        "en": "**Not on the map** (virtual locations or no coordinates): {items}",
    },
    "l_map_method_no_cases": {
        "de": "Lage nach Breiten- und Längengrad aus den Stammdaten, maßstabsgetreu und "
        "genordet, ohne Hintergrundkarte (funktioniert ohne Internetzugang). Farbe und Form "
        "zeigen die Art des Standorts; ohne Vorgänge im Datenbestand sind alle Punkte gleich "
        "groß („–“).",
        "en": "Position by latitude and longitude from the master data, true to scale with "
        "north up, without a background map (works without internet access). Colour and "
        "shape show the kind of location; without cases in the store every point has the "
        "same size (“–”).",
    },
    "l_cases_n": {"de": "{n} Vorgänge", "en": "{n} cases"},
    "l_no_locations": {
        "de": "Keine Standorte in den Stammdaten. Standorte kommen aus einer Datei "
        "`standorte.csv` mit Standortnummer, Bezeichnung, Stadtbezirk, Art, Breitengrad und "
        "Längengrad: `servicepuls import <Ordner>`.",
        "en": "No locations in the master data. Locations come from a file `standorte.csv` "
        "with number, name, district, kind, latitude and longitude: "
        "`servicepuls import <folder>`.",
    },
    "l_no_coordinates": {
        "de": "Keiner der gewählten Standorte hat Koordinaten; sie stehen in der Liste unten.",
        "en": "None of the selected locations has coordinates; they are listed below.",
    },
    "l_axis_latitude": {"de": "Breitengrad", "en": "Latitude"},
    "l_axis_longitude": {"de": "Längengrad", "en": "Longitude"},
    "l_kind_office": {"de": "Bürgeramt", "en": "Citizen office"},
    "l_kind_mobile": {"de": "Mobiles Bürgeramt", "en": "Mobile office"},
    "l_kind_virtual": {"de": "Virtuell (Video)", "en": "Virtual (video)"},
    "l_col_location": {"de": "Standort", "en": "Location"},
    "l_col_kind": {"de": "Art", "en": "Kind"},
    "l_col_district": {"de": "Stadtbezirk", "en": "District"},
    "l_appointments_heading": {"de": "Terminvergabe", "en": "Appointments"},
    "l_no_appointments_title": {"de": "Noch keine Termine importiert",
                                "en": "No appointments imported yet"},
    "l_no_appointments": {
        "de": "Vorlaufzeit, No-Show-Quote und die Wartezeit von Terminkunden kommen aus dem "
        "Terminvergabesystem. Exportieren Sie je Standort eine JSON-Datei "
        "`termine_<Standortnummer>.json` (je Termin: Standort, Leistung, gebucht am, Termin, "
        "Buchungskanal, Status erschienen/nicht erschienen/abgesagt, Wartezeit in Minuten) "
        "und importieren Sie den Ordner:\n\n`servicepuls import <Ordner>`\n\nDanach diese "
        "Seite neu laden.",
        "en": "Lead time, no-show rate and the wait of appointment customers come from the "
        "booking system. Export one JSON file per location, `termine_<location number>.json` "
        "(per appointment: location, service, booked at, slot, booking channel, status "
        "attended/no-show/cancelled, wait in minutes) and import the folder:\n\n"
        "`servicepuls import <folder>`\n\nThen reload this page.",
    },
    "l_no_appointments_period": {
        "de": "Für die gewählten Standorte gibt es im Zeitraum {period} keine Termine.",
        "en": "The selected locations have no appointments in the period {period}.",
    },
    "l_lead_heading": {"de": "Vorlaufzeit", "en": "Lead time"},
    "l_median": {"de": "Median", "en": "Median"},
    "l_p90": {"de": "90. Perzentil", "en": "90th percentile"},
    "l_axis_lead": {"de": "Tage bis zum Termin", "en": "Days to the slot"},
    "l_lead_method": {
        "de": "Methode: Kalendertage von der Buchung bis zum Termin; alle Buchungen, auch "
        "später abgesagte. Median und 90. Perzentil (nächster Rang). n = {n} Buchungen mit "
        "Termin {period}. Quelle: Terminvergabe. Weniger als {min_n} Buchungen: „< {min_n}“.",
        "en": "Method: calendar days from booking to slot; every booking, also those "
        "cancelled later. Median and 90th percentile (nearest rank). n = {n} bookings with a "
        "slot {period}. Source: booking system. Fewer than {min_n} bookings: “< {min_n}”.",
    },
    "l_alt_lead": {"de": "Textalternative: Vorlaufzeit je Standort (Median / 90. Perzentil): "
                   "{items}.",
                   "en": "Text alternative: lead time by location (median / 90th "
                   "percentile): {items}."},
    "l_alt_lead_item": {"de": "{name} {median} / {p90}, n = {n}",
                        "en": "{name} {median} / {p90}, n = {n}"},
    "l_no_show_heading": {"de": "Nicht wahrgenommene Termine", "en": "Missed appointments"},
    "l_col_no_show": {"de": "No-Show-Quote", "en": "No-show rate"},
    "l_no_show_method": {
        "de": "Methode: nicht erschienen / (erschienen + nicht erschienen); abgesagte Termine "
        "zählen nicht. Linie = 95-%-Intervall (Wilson). n = {n} fällige Termine {period}. "
        "Quelle: Terminvergabe. Weniger als {min_n}: „< {min_n}“.",
        "en": "Method: no-show / (attended + no-show); cancelled appointments do not count. "
        "Line = 95% interval (Wilson). n = {n} appointments due {period}. Source: booking "
        "system. Fewer than {min_n}: “< {min_n}”.",
    },
    "l_without_bookings": {
        "de": "Ohne Terminbuchungen im Zeitraum: {names} (z. B. mobiles Bürgeramt und "
        "Videoberatung vergeben Termine außerhalb des Buchungssystems).",
        "en": "No bookings in the period: {names} (e.g. the mobile office and video "
        "consultations schedule outside the booking system).",
    },
    "l_col_bookings": {"de": "Buchungen (n)", "en": "Bookings (n)"},
    "l_col_due": {"de": "Fällige Termine (n)", "en": "Appointments due (n)"},
    "l_wait_heading": {"de": "Wartezeit vor Ort nach Wochentag und Uhrzeit",
                       "en": "On-site wait by weekday and hour"},
    "l_wait_source": {"de": "Quelle der Wartezeiten", "en": "Source of the waits"},
    "l_source_termine": {"de": "Terminvergabe (Median je Termin)",
                         "en": "Booking system (median per appointment)"},
    "l_source_statistik": {"de": "Wartezeitstatistik (Mittel der Stundenmittel)",
                           "en": "Wait statistics (mean of hourly means)"},
    "l_wait_location": {"de": "Standort der Wartezeiten", "en": "Location of the waits"},
    "l_wait_median": {"de": "Wartezeit (Median, Minuten)", "en": "Wait (median, minutes)"},
    "l_wait_mean": {"de": "Wartezeit (Mittel, Minuten)", "en": "Wait (mean, minutes)"},
    "l_col_appointments": {"de": "Termine (n)", "en": "Appointments (n)"},
    "l_col_hours": {"de": "Stundenwerte (n)", "en": "Hourly values (n)"},
    "l_col_weekday": {"de": "Wochentag", "en": "Weekday"},
    "l_axis_hour": {"de": "Uhrzeit", "en": "Hour"},
    "l_minutes": {"de": "Minuten", "en": "Minutes"},
    "l_minutes_short": {"de": "Min.", "en": "min"},
    "l_wait_method_termine": {
        "de": "Methode: Minuten vom Eintreffen bis zum Aufruf, Median (nächster Rang) je "
        "Wochentag und Stunde des Termins, {scope}; nur wahrgenommene Termine mit erfasster "
        "Wartezeit (ohne Absagen, No-Shows und Besuche ohne Wartezeit), Laufkundschaft fehlt. "
        "n = {n} Termine {period}. Quelle: Terminvergabe. Zellen mit weniger als {min_n} "
        "Terminen: „< {min_n}“; „–“: keine Termine. Die Zahl steht in jeder Zelle, die Farbe "
        "(Cividis, hell = lang) wiederholt sie.",
        "en": "Method: minutes from arrival to being called, median (nearest rank) per "
        "weekday and hour of the slot, {scope}; attended appointments with a recorded wait "
        "only (no cancellations, no-shows or visits without a wait), walk-ins are missing. "
        "n = {n} appointments {period}. Source: booking system. Cells with fewer than {min_n} "
        "appointments: “< {min_n}”; “–”: no appointments. The number is written in every "
        "cell; the colour (cividis, light = long) repeats it.",
    },
    "l_wait_method_statistik": {
        "de": "Methode: Mittelwert der veröffentlichten Stundenmittel je Wochentag und "
        "Stunde, {scope}; jede Stunde zählt gleich, weil die Quelle keine Besuchszahlen "
        "liefert (kein Median möglich). Termin- und Laufkundschaft zusammen. n = {n} "
        "Stundenwerte {period}. Quelle: Wartezeitstatistik des Standorts. „–“: keine Werte "
        "(z. B. geschlossen). Die Zahl steht in jeder Zelle, die Farbe (Cividis, hell = "
        "lang) wiederholt sie.",
        "en": "Method: mean of the published hourly means per weekday and hour, {scope}; "
        "every hour counts the same because the source gives no visit counts (no median "
        "possible). Appointments and walk-ins together. n = {n} hourly values {period}. "
        "Source: the location's wait statistics. “–”: no values (e.g. closed). The number "
        "is written in every cell; the colour (cividis, light = long) repeats it.",
    },
    "l_wait_method_weighted": {
        "de": "Methode: Mittelwert der veröffentlichten Stundenmittel je Wochentag und "
        "Stunde, gewichtet mit den Besuchszahlen, {scope}. Termin- und Laufkundschaft "
        "zusammen. n = {n} Stundenwerte {period}. Quelle: Wartezeitstatistik. Zellen mit "
        "weniger als {min_n} Besuchen: „< {min_n}“; „–“: keine Werte.",
        "en": "Method: mean of the published hourly means per weekday and hour, weighted by "
        "the visit counts, {scope}. Appointments and walk-ins together. n = {n} hourly "
        "values {period}. Source: wait statistics. Cells with fewer than {min_n} visits: "
        "“< {min_n}”; “–”: no values.",
    },
    "l_alt_wait": {
        "de": "Textalternative: {what} je Wochentag und Stunde, {scope}: am längsten {high} "
        "({high_at}), am kürzesten {low} ({low_at}); {cells} Zellen mit Wert.",
        "en": "Text alternative: {what} by weekday and hour, {scope}: longest {high} "
        "({high_at}), shortest {low} ({low_at}); {cells} cells have a value.",
    },
    "l_alt_wait_none": {
        "de": "Textalternative: Wartezeit vor Ort, {scope}: keine Zelle mit mindestens "
        "{min_n} Fällen.",
        "en": "Text alternative: on-site wait, {scope}: no cell with at least {min_n} cases.",
    },
    "l_alt_wait_hidden": {
        "de": " {hidden} Zellen ausgeblendet (weniger als {min_n} Fälle).",
        "en": " {hidden} cells withheld (fewer than {min_n} cases).",
    },
    "l_no_waits": {
        "de": "Noch keine Wartezeiten im Datenbestand. Sie kommen aus der Terminvergabe "
        "(Feld Wartezeit in Minuten, siehe oben) oder aus einer stündlichen "
        "Wartezeitstatistik des Aufrufsystems (z. B. die offenen Daten der Stadt Moers): "
        "`servicepuls import <Ordner>`.",
        "en": "No waits in the store yet. They come from the booking system (wait in "
        "minutes, see above) or from the queue system's hourly wait statistics (e.g. the "
        "open data of the city of Moers): `servicepuls import <folder>`.",
    },
    "l_no_waits_selection": {
        "de": "Für die gewählten Standorte liegen aus dieser Quelle keine Wartezeiten vor.",
        "en": "This source has no waits for the selected locations.",
    },
    "l_no_waits_period": {
        "de": "Für diesen Standort liegen im Zeitraum {period} keine Wartezeiten vor. Bitte "
        "einen anderen Zeitraum wählen (z. B. „Gesamter Zeitraum“).",
        "en": "This location has no waits in the period {period}. Please choose another "
        "period (e.g. “Whole period”).",
    },
    # --- Leistungen (dashboard/views/services.py) ---------------------------------------------
    "v_nav": {"de": "Leistungen", "en": "Services"},
    "v_title": {"de": "Leistungen", "en": "Services"},
    "v_intro": {
        "de": "Eine Leistung im Detail — Eingangskanäle, digitale Nutzung, Bearbeitungszeit, "
        "Rückfragen, Online-Formular — und alle Leistungen im Vergleich. Daten bis "
        "einschließlich {month}.",
        "en": "One service in detail — channels, digital take-up, processing time, "
        "follow-ups, online form — and every service side by side. Data up to and including "
        "{month}.",
    },
    "v_find": {"de": "Leistung suchen (Name oder LeiKa-Schlüssel)",
               "en": "Find a service (name or LeiKa key)"},
    "v_find_help": {
        "de": "Einen Teil des Namens oder des 14-stelligen LeiKa-Schlüssels tippen. Die Auswahl "
        "steht in der Adresse (?leistung=…) und lässt sich als Link teilen.",
        "en": "Type part of the name or of the 14-digit LeiKa key. The choice is kept in the "
        "address (?leistung=…), so the view can be shared as a link.",
    },
    "v_not_found": {
        "de": "Die Leistung „{value}“ aus dem Link gibt es im Datenbestand nicht; gezeigt wird "
        "„{name}“.",
        "en": "The service “{value}” from the link is not in the store; showing “{name}”.",
    },
    "v_facts": {"de": "LeiKa-Schlüssel {leika} · Leistungsnummer {code} · {department} · {online}",
                "en": "LeiKa key {leika} · service number {code} · {department} · {online}"},
    "v_no_key": {"de": "ohne LeiKa-Schlüssel", "en": "no LeiKa key"},
    "v_online_since": {"de": "online seit {date}", "en": "online since {date}"},
    "v_not_online": {"de": "laut Stammdaten nicht online", "en": "not online (master data)"},
    "v_online_unknown": {"de": "Online-Datum unbekannt", "en": "online date unknown"},
    "v_window": {"de": "Letzte 12 Monate ({first} – {last})",
                 "en": "Last 12 months ({first} – {last})"},
    "v_cases": {"de": "Vorgänge", "en": "Cases"},
    "v_cases_help": {
        "de": "Eingegangene Vorgänge der 12 Monate; für Monate ohne Einzeldaten zählt die "
        "Monatsstatistik (nie doppelt).",
        "en": "Cases received in the 12 months; for months without case-level data the "
        "monthly statistics count (never twice).",
    },
    "v_n_cases": {"de": "n = {n} Vorgänge", "en": "n = {n} cases"},
    "v_n_cases_protected": {"de": "Vorgänge geschützt", "en": "cases protected"},
    "v_n_completed": {"de": "n = {n} abgeschlossene Vorgänge", "en": "n = {n} completed cases"},
    "v_n_completed_protected": {"de": "abgeschlossene Vorgänge geschützt",
                                "en": "completed cases protected"},
    "v_n_started": {"de": "n = {n} begonnene Formulare", "en": "n = {n} forms started"},
    "v_cohort_note": {
        "de": "Bearbeitungszeit und Rückfragen zählen nur abgeschlossene Vorgänge, nach "
        "Eingangsmonat; abgeschlossen sind {share} der Vorgänge des Zeitraums.",
        "en": "Processing time and follow-ups count completed cases only, by month of "
        "receipt; {share} of the period's cases are closed.",
    },
    "v_no_cases": {
        "de": "Für diese Leistung liegen im Zeitraum {first} – {last} keine Vorgänge vor "
        "(mit den gewählten Standorten und Kanälen).",
        "en": "This service has no cases in {first} – {last} (at the chosen locations and "
        "channels).",
    },
    "v_mix_heading": {"de": "Eingangskanäle im Zeitverlauf", "en": "Channels over time"},
    "v_mix_method": {
        "de": "Methode: Anteil jedes Eingangskanals an allen Vorgängen des Eingangsmonats "
        "(für Monate ohne Einzeldaten aus der Monatsstatistik). Monate mit weniger als {min_n} "
        "Vorgängen werden nicht angezeigt. n = {n} Vorgänge ({first} – {last}).",
        "en": "Method: share of each channel in all cases of the month of receipt (from the "
        "monthly statistics for months without case-level data). Months with fewer than "
        "{min_n} cases are not shown. n = {n} cases ({first} – {last}).",
    },
    "v_mix_alt": {
        "de": "Textalternative: Eingangskanäle von {service} als gestapelte Säulen je Monat, "
        "{shown} von {months} Monaten mit Werten. {first_month}: {first_items}. "
        "{last_month}: {last_items}.",
        "en": "Text alternative: channels of {service} as stacked bars per month, {shown} of "
        "{months} months with values. {first_month}: {first_items}. {last_month}: "
        "{last_items}.",
    },
    "v_mix_alt_none": {
        "de": "Textalternative: Eingangskanäle von {service}: kein Monat mit ausreichend "
        "Vorgängen.",
        "en": "Text alternative: channels of {service}: no month with enough cases.",
    },
    "v_axis_share": {"de": "Anteil an den Vorgängen", "en": "Share of cases"},
    "v_col_channel": {"de": "Eingangskanal", "en": "Channel"},
    "v_take_up_heading": {"de": "Digitale Nutzungsquote und Maßnahmen",
                          "en": "Digital take-up and interventions"},
    "v_take_up_method": {
        "de": "Methode: {method} Für Monate ohne Einzeldaten zählt die Monatsstatistik. Rauten "
        "mit gepunkteter Linie: Maßnahmen aus der Pilot-Datei. Werte mit weniger als {min_n} "
        "Fällen werden nicht angezeigt. n = {n} Vorgänge ({first} – {last}).",
        "en": "Method: {method} For months without case-level data the monthly statistics "
        "count. Diamonds with a dotted line: interventions from the pilots file. Values "
        "resting on fewer than {min_n} cases are not shown. n = {n} cases ({first} – "
        "{last}).",
    },
    "v_interventions_none": {
        "de": "Für diese Leistung sind keine Maßnahmen hinterlegt. Maßnahmen stehen in der "
        "Pilot-Datei `{path}` als `[[pilot.intervention]]` mit Datum und Bezeichnung.",
        "en": "No interventions are recorded for this service. Interventions go into the "
        "pilots file `{path}` as `[[pilot.intervention]]` with a date and a label.",
    },
    "v_interventions_error": {
        "de": "Die Pilot-Datei `{path}` enthält {count} Fehler; Maßnahmen werden nicht "
        "angezeigt, bis sie korrigiert ist.",
        "en": "The pilots file `{path}` has {count} problem(s); interventions are not shown "
        "until it is fixed.",
    },
    "v_alt_interventions": {"de": " Markierte Maßnahmen: {items}.",
                            "en": " Interventions marked: {items}."},
    "v_interventions_table": {"de": "Maßnahmen", "en": "Interventions"},
    "v_col_date": {"de": "Datum", "en": "Date"},
    "v_col_intervention": {"de": "Maßnahme", "en": "Intervention"},
    "v_col_pilot": {"de": "Pilotprojekt", "en": "Pilot project"},
    "v_processing_heading": {"de": "Bearbeitungszeit online und offline",
                             "en": "Processing time online and offline"},
    "v_processing_method": {
        "de": "Methode: Median und 90. Perzentil der Kalendertage von Eingang bis Abschluss "
        "der abgeschlossenen Vorgänge, je Eingangsmonat (Kohorte; jüngste Monate noch "
        "unvollständig). Online = Online-Antrag; offline = alle anderen Kanäle, auch "
        "assistiert digital. Werte mit weniger als {min_n} abgeschlossenen Vorgängen werden "
        "nicht angezeigt.",
        "en": "Method: median and 90th percentile of calendar days from receipt to completion "
        "of completed cases, per month of receipt (cohort; the latest months are still "
        "incomplete). Online = online application; offline = every other channel, assisted "
        "digital included. Values resting on fewer than {min_n} completed cases are not "
        "shown.",
    },
    "v_online": {"de": "Online", "en": "Online"},
    "v_offline": {"de": "Offline", "en": "Offline"},
    "v_median": {"de": "Median", "en": "Median"},
    "v_p90": {"de": "90. Perzentil", "en": "90th percentile"},
    "v_axis_days": {"de": "Kalendertage bis zum Abschluss", "en": "Calendar days to completion"},
    "v_processing_alt": {
        "de": "Textalternative: Bearbeitungszeit von {service} je Eingangsmonat, vier Linien "
        "(Median und 90. Perzentil, online und offline).{items}",
        "en": "Text alternative: processing time of {service} per month of receipt, four "
        "lines (median and 90th percentile, online and offline).{items}",
    },
    "v_processing_alt_mode": {
        "de": " {mode} im {month}: Median {median}, 90. Perzentil {p90} (n = {n}).",
        "en": " {mode} in {month}: median {median}, 90th percentile {p90} (n = {n}).",
    },
    "v_processing_alt_none": {"de": " {mode}: kein Monat mit ausreichend Fällen.",
                              "en": " {mode}: no month with enough cases."},
    "v_col_mode_value": {"de": "{mode}: {value}", "en": "{mode}: {value}"},
    "v_distribution_heading": {"de": "Verteilung der Bearbeitungszeit ({first} – {last})",
                               "en": "Distribution of processing time ({first} – {last})"},
    "v_distribution_method": {
        "de": "Methode: abgeschlossene Vorgänge der Eingangsmonate {first} – {last} nach "
        "Kalendertagen bis zum Abschluss, als Anteil an allen abgeschlossenen Vorgängen der "
        "Gruppe (online: n = {n_online}; offline: n = {n_offline}). Gruppen mit weniger als "
        "{min_n} Vorgängen werden nicht angezeigt.",
        "en": "Method: completed cases received {first} – {last} by calendar days to "
        "completion, as a share of all completed cases of the group (online: n = {n_online}; "
        "offline: n = {n_offline}). Groups with fewer than {min_n} cases are not shown.",
    },
    "v_bin_same_day": {"de": "am selben Tag", "en": "same day"},
    "v_bin_one": {"de": "1 Tag", "en": "1 day"},
    "v_bin_range": {"de": "{low}–{high} Tage", "en": "{low}–{high} days"},
    "v_bin_open": {"de": "über {days} Tage", "en": "over {days} days"},
    "v_axis_days_class": {"de": "Bearbeitungszeit", "en": "Processing time"},
    "v_axis_share_completed": {"de": "Anteil der abgeschlossenen Vorgänge",
                               "en": "Share of completed cases"},
    "v_distribution_alt": {
        "de": "Textalternative: Verteilung der Bearbeitungszeit von {service}, Säulen je "
        "Klasse für online und offline. Online: {online}. Offline: {offline}.",
        "en": "Text alternative: distribution of the processing time of {service}, bars per "
        "class for online and offline. Online: {online}. Offline: {offline}.",
    },
    "v_alt_no_values": {"de": "keine Werte", "en": "no values"},
    "v_followup_heading": {"de": "Rückfragenrate nach Eingangskanal ({first} – {last})",
                           "en": "Follow-up rate by channel ({first} – {last})"},
    "v_followup_method": {
        "de": "Methode: {method} Zeitraum {first} – {last}. Werte mit weniger als {min_n} "
        "abgeschlossenen Vorgängen werden nicht angezeigt.",
        "en": "Method: {method} Period {first} – {last}. Values resting on fewer than {min_n} "
        "completed cases are not shown.",
    },
    "v_followup_alt": {
        "de": "Textalternative: Rückfragenrate von {service} je Eingangskanal: {items}.",
        "en": "Text alternative: follow-up rate of {service} per channel: {items}.",
    },
    "v_followup_none": {
        "de": "Keine abgeschlossenen Vorgänge im Zeitraum.",
        "en": "No completed cases in the period.",
    },
    "v_col_completed": {"de": "Abgeschlossene Vorgänge (n)", "en": "Completed cases (n)"},
    "v_funnel_heading": {"de": "Online-Formular: Abschlussquote",
                         "en": "Online form: completion rate"},
    "v_funnel_method": {
        "de": "Methode: {method} Monate mit weniger als {min_n} begonnenen Formularen werden "
        "nicht angezeigt. n = {n} begonnene Formulare ({first} – {last}).",
        "en": "Method: {method} Months with fewer than {min_n} forms started are not shown. "
        "n = {n} forms started ({first} – {last}).",
    },
    "v_funnel_no_location": {
        "de": "Die Portalstatistik kennt keine Standorte: die Abschlussquote gilt für die "
        "ganze Kommune, auch wenn Standorte gefiltert sind.",
        "en": "The portal statistics have no locations: the completion rate covers the whole "
        "municipality, even when locations are filtered.",
    },
    "v_funnel_missing": {
        "de": "Es sind noch keine Formulardaten des Online-Portals importiert. Portale "
        "exportieren je Formular und Tag, wie viele Formulare begonnen, abgeschickt und "
        "abgebrochen wurden — in der Musterstadt `portal_formulare.csv` mit den Spalten "
        "Datum; Formular; Gestartet; Abgeschickt; Abgebrochen. Import mit "
        "`servicepuls import portal_formulare.csv` (Profil `musterstadt_portal`, für andere "
        "Portale ein eigenes Profil), danach diese Seite neu laden.",
        "en": "No online portal form statistics have been imported yet. Portals export, per "
        "form and day, how many forms were started, submitted and abandoned — in the sample "
        "city `portal_formulare.csv` with the columns Datum; Formular; Gestartet; "
        "Abgeschickt; Abgebrochen. Import with `servicepuls import portal_formulare.csv` "
        "(profile `musterstadt_portal`, another portal needs its own profile), then reload "
        "this page.",
    },
    "v_funnel_missing_service": {
        "de": "Die Portalstatistik enthält für diese Leistung kein Online-Formular.",
        "en": "The portal statistics hold no online form for this service.",
    },
    "v_col_started": {"de": "Begonnene Formulare (n)", "en": "Forms started (n)"},
    # dashboard/kpi_sections.py: open cases and own target (Leistungen), cost (Überblick)
    "sx_open_heading": {"de": "Offene Vorgänge und Bearbeitungsziel",
                        "en": "Open cases and processing target"},
    "sx_open_n": {"de": "{n} offene Vorgänge am {date} (jüngstes Datum der Daten)",
                  "en": "{n} open cases on {date} (newest date of the data)"},
    "sx_target": {
        "de": "Ziel: {days} Kalendertage · {n} abgeschlossene Vorgänge, Eingang {first} – "
        "{last}",
        "en": "Target: {days} calendar days · {n} completed cases, received {first} – {last}",
    },
    "sx_no_target": {
        "de": "Für diese Leistung ist kein Bearbeitungsziel hinterlegt (Stammdaten: "
        "„Bearbeitungsziel (Tage)“).",
        "en": "No processing target is set for this service (master data: "
        "“Bearbeitungsziel (Tage)”).",
    },
    "sx_open_table": {"de": "Offene Vorgänge je Standort als Tabelle",
                      "en": "Open cases per location as a table"},
    "sx_col_location": {"de": "Standort", "en": "Location"},
    "sx_col_open": {"de": "Offene Vorgänge (n)", "en": "Open cases (n)"},
    "sx_no_location": {"de": "ohne Standort", "en": "no location"},
    "sx_cost_heading": {"de": "Kosten und freigewordene Arbeitszeit",
                        "en": "Cost and staff time freed"},
    "sx_cost_missing": {
        "de": "Keine Kostendatei unter `{path}` — mit Kosten und Bearbeitungsminuten je Kanal "
        "(Format: README, Abschnitt Kosten) zeigt Servicepuls hier Kosten je Vorgang und "
        "freigewordene Arbeitsstunden.",
        "en": "No cost file at `{path}` — with cost and staff minutes per channel (format: "
        "README, section Kosten) Servicepuls shows cost per transaction and staff hours freed "
        "here.",
    },
    "sx_cost_error": {"de": "Die Kostendatei `{path}` hat {count} Fehler:",
                      "en": "The cost file `{path}` has {count} problems:"},
    "sx_cost_n": {"de": "{n} Vorgänge mit Kostensatz, Eingang {first} – {last}",
                  "en": "{n} transactions with a cost rate, received {first} – {last}"},
    "sx_hours_n": {
        "de": "{n} digitale Vorgänge, Eingang {first} – {last}, gemessen an der Bearbeitung "
        "aller vor Ort",
        "en": "{n} digital transactions, received {first} – {last}, against handling all of "
        "them in person",
    },
    "sx_hours_alt": {
        "de": "Säulendiagramm der freigewordenen Arbeitsstunden je Eingangsmonat von {first} "
        "bis {last}: zusammen {total}; am meisten im {top} ({top_value}).",
        "en": "Bar chart of staff hours freed per month of receipt from {first} to {last}: "
        "{total} in total; most in {top} ({top_value}).",
    },
    "sx_hours_alt_none": {"de": "Keine freigewordenen Arbeitsstunden im Zeitraum.",
                          "en": "No staff hours freed in the period."},
    "sx_cost_uncovered": {
        "de": "{n} Vorgänge von Kanälen ohne Kostensatz zählen nicht mit (Kostendatei "
        "`{path}` ergänzen).",
        "en": "{n} transactions of channels without a cost rate are not counted (add them to "
        "the cost file `{path}`).",
    },
    "sx_take_up_coverage": {
        "de": "Abdeckung der Nutzungsquote im {period}: {counted} Leistungen gezählt, davon "
        "{without} ohne bekanntes Online-Datum (zählen in jedem Monat); nicht gezählt: "
        "{left} Leistungen mit {cases} Vorgängen vor ihrem Online-Start oder laut Stammdaten "
        "nicht online.",
        "en": "Coverage of the take-up in {period}: {counted} services counted, {without} of "
        "them without a known online date (counted in every month); not counted: {left} "
        "services with {cases} cases before they went online or not online according to "
        "the master data.",
    },
    "sx_cost_where": {"de": "Kostensätze und Minuten je Kanal: `{path}`",
                      "en": "Cost rates and minutes per channel: `{path}`"},
    "sx_col_cases": {"de": "Vorgänge mit Kostensatz", "en": "Transactions with a cost rate"},
    "sx_col_digital": {"de": "Digitale Vorgänge", "en": "Digital transactions"},
    "v_ranking_heading": {"de": "Alle Leistungen im Vergleich ({first} – {last})",
                          "en": "All services side by side ({first} – {last})"},
    "v_protected": {
        "de": "„{secondary}“: Diese Werte der Leistung beruhen auf genug Fällen, sind im "
        "gewählten Zeitraum aber zusätzlich ausgeblendet – mit ihnen ließe sich ein "
        "ausgeblendeter Monatswert dieser oder einer anderen Leistung errechnen. Die Grafik "
        "über den ganzen Zeitraum entfällt deshalb; ein Zeitraum, der alle oder keinen der "
        "ausgeblendeten Monate der Leistung enthält, kann sie zeigen.",
        "en": "“{secondary}”: these values of the service rest on enough cases but are also "
        "withheld in the chosen period – with them, a withheld month of this or another "
        "service could be recomputed. So the chart of the whole period is left out; a period "
        "holding all or none of the service's withheld months may show it.",
    },
    "v_supply_heading": {"de": "Online-Angebot (Angebotsquote, {first} – {last})",
                         "en": "Online offer (supply share, {first} – {last})"},
    "v_supply_online": {"de": "Online angeboten", "en": "Offered online"},
    "v_supply_end_to_end": {"de": "Ende-zu-Ende online", "en": "End to end online"},
    "v_supply_by_services": {"de": "nach Leistungen", "en": "by services"},
    "v_supply_by_volume": {"de": "nach Vorgängen", "en": "by transactions"},
    "v_supply_axis": {"de": "Anteil", "en": "Share"},
    "v_supply_unknown": {"de": "kein bekannter Stand", "en": "state not known"},
    "v_supply_services": {"de": "{num} von {den} Leistungen", "en": "{num} of {den} services"},
    "v_supply_volume": {"de": "{num} von {den} Vorgängen", "en": "{num} of {den} transactions"},
    "v_supply_col_kpi": {"de": "Kennzahl", "en": "Measure"},
    "v_supply_col_share": {"de": "Anteil", "en": "Share"},
    "v_supply_col_count": {"de": "Online / mit bekanntem Stand",
                           "en": "Online / with known state"},
    "v_supply_alt": {
        "de": "Textalternative: Online-Angebot der {services} Leistungen mit Vorgängen "
        "({first} – {last}) als Balken je Variante, nach Leistungen und nach Vorgängen. "
        "{items}",
        "en": "Text alternative: online offer of the {services} services with transactions "
        "({first} – {last}) as bars per variant, by services and by transactions. {items}",
    },
    "v_supply_alt_item": {"de": "{variant}: {by_services} ({count}), nach Vorgängen "
                          "{by_volume}.",
                          "en": "{variant}: {by_services} ({count}), by transactions "
                          "{by_volume}."},
    "v_supply_alt_unknown": {"de": "{variant}: kein bekannter Stand.",
                             "en": "{variant}: state not known."},
    "v_supply_coverage": {
        "de": "Abdeckung: {known} von {services} Leistungen mit Vorgängen haben einen bekannten "
        "Stand des Online-Angebots, {known_e2e} von {services} einen bekannten Stand für "
        "Ende-zu-Ende (nur mit Stufenangaben in den Stammdaten).",
        "en": "Coverage: the online offer of {known} of {services} services with transactions "
        "is known, end to end for {known_e2e} of {services} (only with stage attributes in "
        "the master data).",
    },
    "v_supply_method": {
        "de": "Methode: Stand des Angebots am {day} (Ende des Zeitraums) laut Stammdaten. "
        "Nach Leistungen: {services_method} Nach Vorgängen: {volume_method} Ende-zu-Ende: "
        "{e2e_method} „< {min_n}“: weniger als {min_n} Vorgänge; „{secondary}“: ausgeblendet, "
        "damit sich kein ausgeblendeter Wert einer Leistung errechnen lässt.",
        "en": "Method: state of the offer on {day} (end of the period) from the master data. "
        "By services: {services_method} By transactions: {volume_method} End to end: "
        "{e2e_method} “< {min_n}”: fewer than {min_n} transactions; “{secondary}”: withheld "
        "so that no service's withheld value can be recomputed.",
    },
    "f_why_supply": {"de": "das Online-Angebot zählt die Vorgänge aller Eingangskanäle",
                     "en": "the online offer counts the transactions of every channel"},
    "v_months_protected": {
        "de": "„{small}“ steht in {months} nicht für wenige Fälle: der Monat ist zusätzlich "
        "ausgeblendet („{secondary}“), weil sich sonst aus der Monatssumme aller Leistungen "
        "(Überblick) der ausgeblendete Wert einer anderen Leistung errechnen ließe.",
        "en": "In {months} “{small}” does not mean few cases: the month is also withheld "
        "(“{secondary}”), because otherwise another service's withheld value could be "
        "recomputed from the month's total of all services (Overview).",
    },
    "v_ranking_intro": {
        "de": "{covered} von {total} Leistungen haben in diesem Zeitraum Daten. „< {min_n}“: "
        "ausgeblendet (weniger als {min_n} Fälle); „{secondary}“: zusätzlich ausgeblendet, "
        "damit sich kein ausgeblendeter Wert aus der Summe aller Leistungen (Überblick) oder "
        "den Monaten einer Leistung errechnen lässt; „–“: keine Daten. Sie stehen beim "
        "Sortieren immer am Ende.",
        "en": "{covered} of {total} services have data in this period. “< {min_n}”: withheld "
        "(fewer than {min_n} cases); “{secondary}”: also withheld, so that no withheld value "
        "can be recomputed from the total of all services (Overview) or a service's months; "
        "“–”: no data. They always come last when sorting.",
    },
    "v_ranking_method": {
        "de": "Methode: Quoten als Σ Zähler / Σ Nenner über den Zeitraum; Bearbeitungszeit "
        "als Median und 90. Perzentil aller abgeschlossenen Vorgänge dieser Eingangsmonate; "
        "Abschlussquote aus der Portalstatistik (ohne Standortbezug); Monate mit Daten: "
        "Monate mit mindestens einem Vorgang.",
        "en": "Method: rates as Σ numerator / Σ denominator over the period; processing "
        "time as median and 90th percentile of all completed cases received in these months; "
        "completion rate from the portal statistics (no locations); months with data: months "
        "with at least one case.",
    },
    "v_col_service": {"de": "Leistung", "en": "Service"},
    "v_col_leika": {"de": "LeiKa-Schlüssel", "en": "LeiKa key"},
    "v_col_median": {"de": "Median (Tage)", "en": "Median (days)"},
    "v_col_p90": {"de": "90. Perzentil (Tage)", "en": "90th percentile (days)"},
    "v_col_months": {"de": "Monate mit Daten", "en": "Months with data"},
    "v_months_of": {"de": "{n} von {total}", "en": "{n} of {total}"},
    # --- global filters (dashboard/filters.py) ----------------------------------------------
    "f_grain": {"de": "Zeitraster", "en": "Period grain"},
    "f_grain_help": {
        "de": "Monate, Quartale oder Jahre: Kacheln und Vergleiche beziehen sich auf den "
        "letzten gewählten Zeitraum, Verläufe auf den ganzen Bereich.",
        "en": "Months, quarters or years: tiles and comparisons refer to the last chosen "
        "period, trends to the whole range.",
    },
    "f_grain_month": {"de": "Monat", "en": "Month"},
    "f_grain_quarter": {"de": "Quartal", "en": "Quarter"},
    "f_grain_year": {"de": "Jahr", "en": "Year"},
    "f_from": {"de": "Von", "en": "From"},
    "f_to": {"de": "Bis", "en": "To"},
    "f_department": {"de": "Fachbereich", "en": "Department"},
    "f_tenant": {"de": "Kommune", "en": "Municipality"},
    "f_tenant_help": {
        "de": "Der Store enthält mehrere Kommunen (Amtlicher Gemeindeschlüssel); jede Seite "
        "zeigt nur die Daten der gewählten.",
        "en": "The store holds several municipalities (official municipality key); every "
        "page shows only the chosen one's data.",
    },
    "f_all_departments": {"de": "Alle Fachbereiche", "en": "All departments"},
    "f_services": {"de": "Leistungen", "en": "Services"},
    "f_all_services": {"de": "Alle Leistungen", "en": "All services"},
    "f_services_help": {
        "de": "Leer lassen für alle Leistungen (des gewählten Fachbereichs).",
        "en": "Leave empty for every service (of the chosen department).",
    },
    "f_all_locations": {"de": "Alle Standorte", "en": "All locations"},
    "f_channels": {"de": "Eingangskanäle", "en": "Channels"},
    "f_all_channels": {"de": "Alle Kanäle", "en": "All channels"},
    "f_channels_help": {
        "de": "Gilt für Bearbeitungszeit, Rückfragen und Bewertungen; die digitale "
        "Nutzungsquote ist selbst ein Anteil der Kanäle und bleibt ungefiltert.",
        "en": "Applies to processing time, follow-ups and ratings; digital take-up is itself "
        "a share of the channels and stays unfiltered.",
    },
    "f_name_period": {"de": "Zeitraum", "en": "period"},
    "f_name_services": {"de": "Leistungen", "en": "services"},
    "f_name_department": {"de": "Fachbereich", "en": "department"},
    "f_name_locations": {"de": "Standorte", "en": "locations"},
    "f_name_channels": {"de": "Eingangskanäle", "en": "channels"},
    "f_not_applied": {"de": "Nicht angewendet: Filter {filters} — {what}.",
                      "en": "Not applied: filter {filters} — {what}."},
    "f_why_take_up": {
        "de": "die digitale Nutzungsquote ist selbst ein Anteil der Eingangskanäle",
        "en": "digital take-up is itself a share of the channels",
    },
    "f_why_pilots": {
        "de": "ein Pilot hat seine eigenen Leistungen, Standorte und Zeiträume "
        "(Pilot-Datei); Bewertung und Diagramm folgen ihnen",
        "en": "a pilot has its own services, locations and periods (pilots file); its "
        "evaluation and chart follow them",
    },
    "f_why_quality": {
        "de": "Import-Läufe, Quarantäne und Aktualität betreffen ganze Lieferungen, nicht "
        "einzelne Leistungen, Standorte oder Zeiträume",
        "en": "import runs, the quarantine and freshness concern whole deliveries, not single "
        "services, locations or periods",
    },
    "f_why_mix": {"de": "der Kanalmix zeigt stets alle Eingangskanäle",
                  "en": "the channel mix always shows every channel"},
    "f_why_waits": {
        "de": "die Wartezeiten vor Ort sind nicht nach Leistung und Eingangskanal erfasst",
        "en": "on-site waits are not recorded by service and channel",
    },
    "f_why_map": {"de": "Karte und Vergleich zeigen die digitale Nutzungsquote, einen Anteil "
                  "der Eingangskanäle",
                  "en": "the map and the comparison show digital take-up, a share of the "
                  "channels"},
    "f_period": {"de": "Zeitraum {period}", "en": "Period {period}"},
    # --- Überblick: tiles per period, targets, movers, freshness ---------------------------
    "vs_previous_quarter": {"de": "ggü. Vorquartal", "en": "vs previous quarter"},
    "vs_previous_year_period": {"de": "ggü. Vorjahr", "en": "vs previous year"},
    "vs_same_quarter": {"de": "ggü. Vorjahresquartal", "en": "vs same quarter last year"},
    "o_spark": {
        "de": "Verlauf {first} – {last}: {shown} von {periods} Zeiträumen mit Wert",
        "en": "Trend {first} – {last}: {shown} of {periods} periods with a value",
    },
    "o_spark_alt": {"de": "Verlauf {kpi}: {items}.", "en": "Trend of {kpi}: {items}."},
    "o_target": {"de": "Zielwert {value} bis {due}: {status}",
                 "en": "Target {value} by {due}: {status}"},
    "o_status_reached": {"de": "✓ erreicht", "en": "✓ reached"},
    "o_status_on_track": {"de": "↗ auf Kurs", "en": "↗ on track"},
    "o_status_at_risk": {"de": "⚠ gefährdet", "en": "⚠ at risk"},
    "o_status_missed": {"de": "✗ verfehlt", "en": "✗ missed"},
    "o_status_unknown": {"de": "? unklar (weniger als 3 Monate mit Wert)",
                         "en": "? unclear (fewer than 3 months with a value)"},
    "o_status_rule": {
        "de": "Status: erreicht, wenn der letzte Monatswert ({month}) das Ziel erfüllt; "
        "sonst auf Kurs oder gefährdet nach dem linearen Trend der letzten 12 Monate bis "
        "zum Stichtag; verfehlt nach dem Stichtag.",
        "en": "Status: reached when the latest monthly value ({month}) meets the target; "
        "otherwise on track or at risk by the linear trend of the last 12 months to the "
        "due date; missed after the due date.",
    },
    "o_no_target": {"de": "Kein Zielwert für diese Auswahl", "en": "No target for this view"},
    "o_targets_where": {
        "de": "Zielwerte stehen in {path} (je [[target]]: kpi, value, due, optional "
        "department, services, locations); ein Ziel erscheint, wenn seine Auswahl der "
        "Filterauswahl entspricht.",
        "en": "Targets live in {path} (per [[target]]: kpi, value, due, optionally "
        "department, services, locations); a target shows when its scope is the "
        "filters' selection.",
    },
    "o_targets_error": {
        "de": "Die Zielwert-Datei `{path}` enthält {count} Fehler; Zielwerte werden nicht "
        "bewertet:",
        "en": "The targets file `{path}` has {count} problem(s); targets are not assessed:",
    },
    "o_movers_heading": {"de": "Größte Veränderungen je Leistung",
                         "en": "Biggest movers by service"},
    "o_movers_intro": {
        "de": "Leistungen mit der größten Veränderung in {period}; Anteile in Prozentpunkten, "
        "Bearbeitungszeiten relativ. Werte mit weniger als {min_n} Fällen (ausgeblendet) und "
        "fehlende Werte sind nicht dabei. n = Fälle jetzt / im Vergleichszeitraum.",
        "en": "Services whose value changed most in {period}; shares in percentage points, "
        "processing times relative. Values resting on fewer than {min_n} cases (withheld) "
        "and missing values are left out. n = cases now / in the period compared with.",
    },
    "o_movers_vs": {"de": "ggü. {period}", "en": "vs {period}"},
    "o_movers_none": {"de": "Keine Leistung hat in beiden Zeiträumen einen Wert.",
                      "en": "No service has a value in both periods."},
    "o_col_service": {"de": "Leistung", "en": "Service"},
    "o_col_change": {"de": "Veränderung", "en": "Change"},
    "o_col_n": {"de": "n (jetzt / vorher)", "en": "n (now / before)"},
    "o_fresh_heading": {"de": "Aktualität der Datenquellen", "en": "Data freshness by source"},
    "o_fresh_intro": {
        "de": "Letzte erfolgreiche Lieferung je Quelle; „veraltet“, wenn sie länger "
        "zurückliegt als der erwartete Abstand (expected_every_days in {path}, sonst "
        "{days} Tage). Einzelheiten auf der Seite „Datenqualität & Importe“.",
        "en": "Last successful delivery per source; “out of date” when it is older than the "
        "expected interval (expected_every_days in {path}, else {days} days). Details "
        "on the page “Data quality & imports”.",
    },
    "o_col_expected": {"de": "Erwartet alle … Tage", "en": "Expected every … days"},
    "o_tiles_method": {
        "de": "Methode: Definition jeder Kennzahl im Hilfe-Symbol ihrer Kachel; Verlauf je "
        "{grain} über {period}, Σ Zähler / Σ Nenner je Zeitraum. Werte mit weniger als "
        "{min_n} Fällen sind ausgeblendet („< {min_n}“), Zeiträume ohne Daten sind Lücken "
        "(„–“).",
        "en": "Method: each key figure's definition in the help icon of its tile; trend per "
        "{grain} over {period}, Σ numerator / Σ denominator per period. Values resting on "
        "fewer than {min_n} cases are withheld (“< {min_n}”), periods without data are gaps "
        "(“–”).",
    },
    "q_reasons_method": {
        "de": "Methode: abgewiesene Zeilen der gewählten Import-Läufe je Spalte und Grund "
        "(n = {rows} Zeilen, Quelle: Import-Protokoll); das Diagramm zeigt die {chart} "
        "häufigsten Gründe, die Tabelle alle. Keine Ausblendung: es sind Zeilen von "
        "Lieferungen, keine Personen.",
        "en": "Method: rejected rows of the chosen import runs by column and reason "
        "(n = {rows} rows, source: import log); the chart shows the {chart} most frequent "
        "reasons, the table all of them. Nothing withheld: these are rows of deliveries, not "
        "people.",
    },
    # the trend's month wordings at the other grains (dashboard.figures.grain_key)
    "axis_month_quarter": {"de": "Eingangsquartal", "en": "Quarter of receipt"},
    "axis_month_year": {"de": "Eingangsjahr", "en": "Year of receipt"},
    "col_month_quarter": {"de": "Quartal", "en": "Quarter"},
    "col_month_year": {"de": "Jahr", "en": "Year"},
    "alt_summary_quarter": {
        "de": "Textalternative: {kpi} ({scope}) {direction} von {first_value} ({first_month}) "
        "auf {last_value} ({last_month}); {shown} von {months} Quartalen mit Wert.",
        "en": "Text alternative: {kpi} ({scope}) {direction} from {first_value} "
        "({first_month}) to {last_value} ({last_month}); {shown} of {months} quarters "
        "have a value.",
    },
    "alt_summary_year": {
        "de": "Textalternative: {kpi} ({scope}) {direction} von {first_value} ({first_month}) "
        "auf {last_value} ({last_month}); {shown} von {months} Jahren mit Wert.",
        "en": "Text alternative: {kpi} ({scope}) {direction} from {first_value} "
        "({first_month}) to {last_value} ({last_month}); {shown} of {months} years "
        "have a value.",
    },
    "alt_hidden_quarter": {
        "de": " {hidden} Quartale ausgeblendet (weniger als {min_n} Fälle).",
        "en": " {hidden} quarters withheld (fewer than {min_n} cases).",
    },
    "alt_hidden_year": {
        "de": " {hidden} Jahre ausgeblendet (weniger als {min_n} Fälle).",
        "en": " {hidden} years withheld (fewer than {min_n} cases).",
    },
    "alt_hidden_one_quarter": {
        "de": " 1 Quartal ausgeblendet (weniger als {min_n} Fälle).",
        "en": " 1 quarter withheld (fewer than {min_n} cases).",
    },
    "alt_hidden_one_year": {
        "de": " 1 Jahr ausgeblendet (weniger als {min_n} Fälle).",
        "en": " 1 year withheld (fewer than {min_n} cases).",
    },
    "alt_single_quarter": {
        "de": "Textalternative: {kpi} ({scope}): {value} im {month}; nur ein Quartal mit Wert.",
        "en": "Text alternative: {kpi} ({scope}): {value} in {month}; only one quarter has a "
        "value.",
    },
    "alt_single_year": {
        "de": "Textalternative: {kpi} ({scope}): {value} im Jahr {month}; nur ein Jahr mit "
        "Wert.",
        "en": "Text alternative: {kpi} ({scope}): {value} in {month}; only one year has a "
        "value.",
    },
    "alt_none_quarter": {
        "de": "Textalternative: {kpi} ({scope}): kein Quartal mit ausreichend Fällen.",
        "en": "Text alternative: {kpi} ({scope}): no quarter with enough cases.",
    },
    "alt_none_year": {
        "de": "Textalternative: {kpi} ({scope}): kein Jahr mit ausreichend Fällen.",
        "en": "Text alternative: {kpi} ({scope}): no year with enough cases.",
    },
    "v_range": {"de": "Zeitraum {first} – {last}", "en": "Period {first} – {last}"},
    "v_sort": {"de": "Sortieren nach", "en": "Sort by"},
    "v_order": {"de": "Reihenfolge", "en": "Order"},
    "v_order_desc": {"de": "absteigend", "en": "descending"},
    "v_order_asc": {"de": "aufsteigend", "en": "ascending"},
}


def t(key: str, lang: str = "de", **values: object) -> str:
    """The UI string ``key`` in ``lang`` (falling back to German), with ``values`` filled in."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["de"]
    return text.format(**values) if values else text


def t_count(key: str, lang: str, n: str, **values: object) -> str:
    """``t(key, n=n)``, or — where ``n`` is the mark of a count withheld to protect another
    (:func:`dashboard.formatting.fmt_protected`) — its ``<key>_protected`` wording, so a
    caption reads "Vorgänge geschützt", not "n = geschützt Vorgänge"."""
    from dashboard.formatting import fmt_protected

    if n == fmt_protected(lang) and f"{key}_protected" in STRINGS:
        return t(f"{key}_protected", lang, **values)
    return t(key, lang, n=n, **values)


def current_lang(default: str = "de") -> str:
    """The language chosen in the sidebar of this session (set up by ``dashboard/app.py``)."""
    import streamlit as st

    lang = st.session_state.get(SESSION_KEY, default)
    return lang if lang in LANGUAGES else default
