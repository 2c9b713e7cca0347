"""The KPI catalogue: each KPI is a definition, not a code path.

Every KPI of the product is listed here as data — id, German and English label, a
plain-language method (shown in the dashboard next to every number), kind, the measures it
rests on, unit, direction, minimum n and number format — even where its computation lives
in its own module (``computed_by``): satisfaction, appointments, the online form funnel,
cost and the supply side (Angebotsquote). The engine in :mod:`metrics.kpis` computes every
KPI without ``computed_by`` from its ``kind`` and measures on the cube; :func:`validate`
checks all definitions and reports every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["ratio", "percentile", "mean", "count", "derived"]
Unit = Literal["percent", "days", "minutes", "rating", "eur", "hours"]
Source = Literal["volume", "durations", "standards", "open_cases", "feedback", "appointments",
                 "appointment_waits", "funnel", "costs", "supply"]
KINDS: tuple[str, ...] = ("ratio", "percentile", "mean", "count", "derived")
UNITS: tuple[str, ...] = ("percent", "days", "minutes", "rating", "eur", "hours")


@dataclass(frozen=True)
class KpiDef:
    id: str
    label_de: str
    label_en: str
    method_de: str
    method_en: str
    kind: Kind
    unit: Unit
    direction: Literal["up", "down"]  # which way is better
    cube: Source  # the frame the KPI is computed on (see CUBE_MEASURES)
    numerator: str | None = None  # measure column of the cube (ratio)
    denominator: str | None = None
    quantile: float | None = None  # percentile kinds
    # True when the value rests on completed cases of a receipt cohort: the newest cohorts
    # are still open and biased (fast cases finish first), so tiles use a mature cohort.
    cohort: bool = False
    measure: str | None = None  # the value column of percentile, mean, count and derived kinds
    derived_from: tuple[str, ...] = ()  # derived kinds: the KPIs or settings it is built on
    # the module computing it when the engine (metrics.kpis.compute) does not
    computed_by: str | None = None
    # the KPI's own minimum n; None = the configured SERVICEPULS_MIN_N (the larger one wins)
    min_n: int | None = None
    decimals: int = 1  # number format: decimal places shown in the KPI's unit
    # digital take-up: count a service only from the month it was online (see metrics.facts)
    online_only: bool = False

    def label(self, lang: str) -> str:
        return self.label_de if lang == "de" else self.label_en

    def method(self, lang: str) -> str:
        return self.method_de if lang == "de" else self.method_en

    @property
    def number_format(self) -> str:
        """The display format as data, e.g. "0,0 %" or "0 Tage" (see dashboard.formatting)."""
        digits = "0" + ("," + "0" * self.decimals if self.decimals else "")
        unit = {"percent": "%", "days": "Tage", "minutes": "Min.", "rating": "von 5",
                "eur": "€", "hours": "Std."}.get(self.unit, self.unit)
        return f"{digits} {unit}"

    def effective_min_n(self, configured: int) -> int:
        return max(configured, self.min_n or 1)


CATALOGUE: tuple[KpiDef, ...] = (
    KpiDef(
        id="digital_take_up",
        label_de="Digitale Nutzungsquote",
        label_en="Digital take-up",
        method_de="Online eingegangene Vorgänge / alle Vorgänge derselben Leistungen im selben "
        "Monat (Σ Zähler / Σ Nenner). Eine Leistung zählt erst ab dem Monat, in dem sie laut "
        "Stammdaten online ging (‚Online seit‘); ihre Vorgänge davor zählen weder oben noch "
        "unten. Leistungen, die laut Stammdaten nicht online sind (‚Online seit‘ = ‚nie‘), "
        "zählen gar nicht. Leistungen ohne bekanntes Online-Datum (leer oder ‚unbekannt‘) "
        "zählen in jedem Monat; der Hinweis zur Abdeckung nennt ihre Zahl. Assistiert-digitale "
        "Vorgänge (das Amt füllt das Online-Formular aus) zählen nicht als digital.",
        method_en="Cases received online / all cases of the same services in the same month "
        "(Σ numerator / Σ denominator). A service counts from the month it went online "
        "according to the master data ('online since'); its earlier cases count in neither "
        "part. Services the master data call not online ('online since' = 'nie') do not "
        "count at all. Services without a known online date (empty or 'unbekannt') count in "
        "every month; the coverage note says how many. Assisted digital (staff fill in the "
        "online form) does not count as digital.",
        kind="ratio",
        unit="percent",
        direction="up",
        cube="volume",
        numerator="digital",
        denominator="cases",
        online_only=True,
    ),
    KpiDef(
        id="processing_days_median",
        label_de="Bearbeitungszeit (Median)",
        label_en="Processing time (median)",
        method_de="Median der Kalendertage von Eingang bis Abschluss der abgeschlossenen "
        "Vorgänge, nach Eingangsmonat (Kohorte); jüngste Kohorten sind noch unvollständig.",
        method_en="Median calendar days from receipt to completion of completed cases, by "
        "month of receipt (cohort); the latest cohorts are still incomplete.",
        kind="percentile",
        unit="days",
        direction="down",
        cube="durations",
        quantile=0.5,
        cohort=True,
        measure="days",
        decimals=0,
    ),
    KpiDef(
        id="processing_days_p90",
        label_de="Bearbeitungszeit (90. Perzentil)",
        label_en="Processing time (90th percentile)",
        method_de="90 % der abgeschlossenen Vorgänge des Eingangsmonats waren nach so vielen "
        "Kalendertagen erledigt (Rangverfahren, ganze Tage).",
        method_en="90 % of the completed cases of the month of receipt were done within this "
        "many calendar days (nearest rank, whole days).",
        kind="percentile",
        unit="days",
        direction="down",
        cube="durations",
        quantile=0.9,
        cohort=True,
        measure="days",
        decimals=0,
    ),
    KpiDef(
        id="follow_up_rate",
        label_de="Rückfragenrate",
        label_en="Follow-up rate",
        method_de="Abgeschlossene Vorgänge mit mindestens einer Nachforderung / abgeschlossene "
        "Vorgänge, nach Eingangsmonat.",
        method_en="Completed cases with at least one follow-up / completed cases, by month of "
        "receipt.",
        kind="ratio",
        unit="percent",
        direction="down",
        cube="volume",
        numerator="completed_with_follow_up",
        denominator="completed",
        cohort=True,
    ),
)

CATALOGUE += (
    KpiDef(
        id="within_standard",
        label_de="Anteil im Servicestandard",
        label_en="Share within the service standard",
        method_de="Abgeschlossene Vorgänge, die innerhalb des Bearbeitungsziels der Leistung "
        "(Kalendertage laut Stammdaten) erledigt wurden / alle abgeschlossenen Vorgänge, nach "
        "Eingangsmonat. Wo eine Leistung in einem Zeitraum keine Vorgänge mit Bearbeitungsziel "
        "hat, zählen die gemeldeten Servicestandard-Statistiken (z. B. Entscheidung in 10 "
        "Arbeitstagen) — nie beides für dieselbe Leistung und denselben Zeitraum "
        "(Σ Zähler / Σ Nenner); Standards ohne Zahlen zählen nicht.",
        method_en="Completed cases done within the service's target (calendar days from the "
        "master data) / all completed cases, by month of receipt. Where a service has no "
        "cases with a target in a period, the reported service standard statistics count "
        "(e.g. decision within 10 working days) — never both for the same service and period "
        "(Σ numerator / Σ denominator); standards reported without figures do not count.",
        kind="ratio",
        unit="percent",
        direction="up",
        cube="standards",
        numerator="volume_meeting",
        denominator="volume_total",
        cohort=True,
    ),
)

# Processing: the age of cases still open (engine-computed from the cube's open_cases).
CATALOGUE += (
    KpiDef(
        id="open_case_age_median",
        label_de="Alter offener Vorgänge (Median)",
        label_en="Age of open cases (median)",
        method_de="Median der Kalendertage vom Eingang bis zum Stichtag (jüngstes Datum der "
        "Vorgangsdaten) über alle noch offenen Vorgänge (Rangverfahren, ganze Tage).",
        method_en="Median calendar days from receipt to the reference date (the newest date of "
        "the case data) over all cases still open (nearest rank, whole days).",
        kind="percentile", unit="days", direction="down", cube="open_cases", quantile=0.5,
        measure="age_days", decimals=0,
    ),
    KpiDef(
        id="open_case_age_p90",
        label_de="Alter offener Vorgänge (90. Perzentil)",
        label_en="Age of open cases (90th percentile)",
        method_de="90 % der noch offenen Vorgänge sind am Stichtag (jüngstes Datum der "
        "Vorgangsdaten) höchstens so viele Kalendertage alt (Rangverfahren, ganze Tage).",
        method_en="90 % of the cases still open are at most this many calendar days old on the "
        "reference date (the newest date of the case data; nearest rank, whole days).",
        kind="percentile", unit="days", direction="down", cube="open_cases", quantile=0.9,
        measure="age_days", decimals=0,
    ),
)

# Computed in their own modules; listed here so every KPI of the product is data.
CATALOGUE += (
    KpiDef(
        id="completion_rate",
        label_de="Abschlussquote Online-Formular",
        label_en="Online form completion rate",
        method_de="Abgeschickte / begonnene Online-Formulare (Σ / Σ über den Zeitraum, nie ein "
        "Mittel von Monatsquoten), laut Statistik des Online-Portals.",
        method_en="Forms submitted / forms started online (Σ / Σ over the period, never a mean "
        "of monthly rates), from the online portal's statistics.",
        kind="ratio", unit="percent", direction="up", cube="funnel", numerator="submitted",
        denominator="started", computed_by="metrics.funnel",
    ),
    KpiDef(
        id="satisfaction_top2",
        label_de="Anteil zufrieden (4–5 von 5)",
        label_en="Share satisfied (4–5 of 5)",
        method_de="Bewertungen mit 4 oder 5 von 5 / alle Bewertungen (Top-2-Box), mit n und "
        "95-%-Wilson-Intervall.",
        method_en="Ratings of 4 or 5 out of 5 / all ratings (top-2 box), with n and a 95 % "
        "Wilson interval.",
        kind="ratio", unit="percent", direction="up", cube="feedback", numerator="top2",
        denominator="ratings", computed_by="metrics.satisfaction",
    ),
    KpiDef(
        id="satisfaction_mean",
        label_de="Zufriedenheit (Mittelwert)",
        label_en="Satisfaction (mean rating)",
        method_de="Mittelwert der Bewertungen auf der Skala 1–5 (5 = sehr zufrieden), mit n und "
        "95-%-Intervall (t-Verteilung).",
        method_en="Mean rating on the 1–5 scale (5 = very satisfied), with n and a 95 % "
        "interval (t distribution).",
        kind="mean", unit="rating", direction="up", cube="feedback", measure="rating",
        computed_by="metrics.satisfaction", decimals=2,
    ),
    KpiDef(
        id="satisfaction_score",
        label_de="Zufriedenheitswert (GOV.UK)",
        label_en="Satisfaction score (GOV.UK)",
        method_de="(Mittelwert − 1) / 4: der Mittelwert der Skala 1–5 auf 0–100 % umgerechnet, "
        "wie GOV.UK ihn berichtet; Intervall aus dem des Mittelwerts.",
        method_en="(mean − 1) / 4: the mean of the 1–5 scale mapped to 0–100 %, as GOV.UK "
        "reports it; interval from the mean's.",
        kind="derived", unit="percent", direction="up", cube="feedback", measure="rating",
        derived_from=("satisfaction_mean",), computed_by="metrics.satisfaction",
    ),
    KpiDef(
        id="appointment_lead_days_median",
        label_de="Vorlaufzeit Termin (Median)",
        label_en="Appointment lead time (median)",
        method_de="Median der Kalendertage von der Buchung bis zum Termin über alle Buchungen, "
        "auch später abgesagte (Rangverfahren, ganze Tage).",
        method_en="Median calendar days from booking to the slot over all bookings, including "
        "those cancelled later (nearest rank, whole days).",
        kind="percentile", unit="days", direction="down", cube="appointments", quantile=0.5,
        measure="lead_days", computed_by="metrics.appointments", decimals=0,
    ),
    KpiDef(
        id="no_show_rate",
        label_de="No-Show-Quote",
        label_en="No-show rate",
        method_de="Nicht wahrgenommene Termine / (wahrgenommene + nicht wahrgenommene "
        "Termine); abgesagte Termine zählen nicht.",
        method_en="Appointments missed / (appointments kept + missed); cancelled appointments "
        "do not count.",
        kind="ratio", unit="percent", direction="down", cube="appointments",
        numerator="no_show", denominator="due", computed_by="metrics.appointments",
    ),
    KpiDef(
        id="onsite_wait_median",
        label_de="Wartezeit vor Ort (Median)",
        label_en="On-site wait (median)",
        method_de="Median der Minuten vom Eintreffen bis zum Aufruf bei wahrgenommenen Terminen "
        "mit erfasster Wartezeit (ohne Absagen und No-Shows; ganze Minuten).",
        method_en="Median minutes from arrival to being called for kept appointments with a "
        "recorded wait (no cancellations or no-shows; whole minutes).",
        kind="percentile", unit="minutes", direction="down", cube="appointment_waits",
        quantile=0.5, measure="wait_minutes", computed_by="metrics.appointments", decimals=0,
    ),
    KpiDef(
        id="onsite_wait_p90",
        label_de="Wartezeit vor Ort (90. Perzentil)",
        label_en="On-site wait (90th percentile)",
        method_de="90 % der wahrgenommenen Termine mit erfasster Wartezeit warteten höchstens "
        "so viele Minuten (Rangverfahren, ganze Minuten).",
        method_en="90 % of kept appointments with a recorded wait waited at most this many "
        "minutes (nearest rank, whole minutes).",
        kind="percentile", unit="minutes", direction="down", cube="appointment_waits",
        quantile=0.9, measure="wait_minutes", computed_by="metrics.appointments", decimals=0,
    ),
    KpiDef(
        id="cost_per_transaction",
        label_de="Kosten je Vorgang",
        label_en="Cost per transaction",
        method_de="Σ (Vorgänge × Kosten je Vorgang des Kanals) / Σ Vorgänge, mit den "
        "Vollkosten je Kanal aus der Kostendatei (Leistungen können abweichende Werte haben); "
        "Vorgänge von Kanälen ohne Kostensatz zählen nicht und werden genannt.",
        method_en="Σ (transactions × cost per transaction of the channel) / Σ transactions, "
        "with the full cost per channel from the cost file (services may override it); "
        "transactions of channels without a cost rate do not count and are named.",
        kind="derived", unit="eur", direction="down", cube="costs", measure="cost_eur",
        derived_from=("volume", "kosten.toml"), computed_by="metrics.costs", decimals=2,
    ),
    KpiDef(
        id="staff_hours_freed",
        label_de="Freigewordene Arbeitsstunden",
        label_en="Staff hours freed",
        method_de="Σ digitale Vorgänge × (Minuten je Vorgang vor Ort − Minuten je digitalem "
        "Vorgang) / 60, je Leistung mit ihren Aufwandswerten aus der Kostendatei — gemessen "
        "an einer Welt, in der jeder digitale Vorgang vor Ort bearbeitet worden wäre. "
        "Assistiert-digitale Vorgänge zählen nicht als digital.",
        method_en="Σ digital transactions × (minutes per in-person transaction − minutes per "
        "digital transaction) / 60, per service with its effort from the cost file — against "
        "a baseline in which every digital transaction had been handled in person. Assisted "
        "digital does not count as digital.",
        kind="derived", unit="hours", direction="up", cube="costs", measure="minutes_saved",
        derived_from=("volume", "kosten.toml"), computed_by="metrics.costs", decimals=1,
    ),
)

# Supply side (Angebotsquote, metrics.supply.supply_side): by number of services and weighted
# by their transactions; services whose state is unknown are outside the denominator.
_SUPPLY = {
    "online": ("online angebotener Leistungen", "services offered online",
               "deren Antrag online gestellt werden kann (laut Stammdaten: ‚Online seit‘ bis "
               "zum Ende des Zeitraums, oder die Antragsstufe ‚online_application‘ = Y)",
               "whose application can be made online (master data: 'online since' by the "
               "period's end, or the application stage 'online_application' = Y)"),
    "end_to_end": ("Ende-zu-Ende online angebotener Leistungen",
                   "services offered end to end online",
                   "bei denen jede zutreffende Stufe online ist, von der Registrierung bis zur "
                   "Zustellung (nur mit Stufenangaben wie im kanadischen Inventar)",
                   "where every applicable stage is online, from registration to issuance "
                   "(only with stage attributes as in Canada's inventory)"),
}
CATALOGUE += tuple(
    KpiDef(
        id=f"{name}_offer_share" + ("_by_volume" if weighted else ""),
        label_de=f"Anteil {de}" + (" (nach Vorgängen)" if weighted else ""),
        label_en=f"Share of {en}" + (" (by transactions)" if weighted else ""),
        method_de=("Vorgänge der Leistungen" if weighted else "Leistungen mit Vorgängen im "
                   "Zeitraum") + f", {how_de}, / " + ("alle Vorgänge der Leistungen mit "
                                                      "bekanntem Stand" if weighted else
                                                      "alle Leistungen mit bekanntem Stand")
        + ". Leistungen ohne bekannten Stand (kein Online-Datum, Stufe NA) zählen nicht mit.",
        method_en=("Transactions of the services" if weighted else "Services with "
                   "transactions in the period") + f" {how_en}, / " + (
            "all transactions of services whose state is known" if weighted else
            "all services whose state is known")
        + ". Services of unknown state (no online date, stage NA) are left out.",
        kind="ratio", unit="percent", direction="up", cube="supply",
        numerator=f"{name}_{'volume' if weighted else 'services'}",
        denominator=f"{name}_{'volume' if weighted else 'services'}_known",
        computed_by="metrics.supply",
    )
    for name, (de, en, how_de, how_en) in _SUPPLY.items() for weighted in (False, True)
)

# The measures each frame offers (metrics.cube for the engine's frames; the other modules
# for theirs). Ratio KPIs name two of them; the other kinds name their value column.
CUBE_MEASURES: dict[str, frozenset[str]] = {
    "volume": frozenset({"cases", "digital", "completed", "completed_with_follow_up", "open"}),
    "durations": frozenset({"cases", "days"}),
    "standards": frozenset({"volume_meeting", "volume_total"}),
    "open_cases": frozenset({"cases", "age_days"}),
    "feedback": frozenset({"ratings", "top2", "rating"}),
    "appointments": frozenset({"appointments", "lead_days", "no_show", "due"}),
    "appointment_waits": frozenset({"appointments", "wait_minutes"}),
    "funnel": frozenset({"started", "submitted"}),
    "costs": frozenset({"cases", "digital", "cost_eur", "minutes_saved"}),
    "supply": frozenset({f"{name}_{what}{known}" for name in ("online", "end_to_end")
                         for what in ("services", "volume") for known in ("", "_known")}),
}
# The frames the engine (metrics.kpis.compute) reads; KPIs of other frames name their module.
ENGINE_CUBES = frozenset({"volume", "durations", "standards", "open_cases"})
# The value column percentiles of the engine use per frame.
PERCENTILE_VALUES: dict[str, str] = {"durations": "days", "open_cases": "age_days"}


class CatalogueError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("KPI-Katalog ungültig:\n" + "\n".join(f"  - {p}" for p in problems))


def _check_kind(k: KpiDef, measures: frozenset[str], ids: set[str]) -> list[str]:
    problems: list[str] = []
    if k.kind == "ratio":
        for key in ("numerator", "denominator"):
            value = getattr(k, key)
            if value not in measures:
                problems.append(f"{k.id}.{key}: '{value}' ist keine Kennzahl des Würfels "
                                f"'{k.cube}' — {', '.join(sorted(measures))}")
        if k.unit != "percent":
            problems.append(f"{k.id}.unit: ein Anteil hat die Einheit percent")
        return problems
    if k.kind not in KINDS:
        return [f"{k.id}.kind: '{k.kind}' unbekannt — {', '.join(KINDS)}"]
    if k.measure not in measures:
        problems.append(f"{k.id}.measure: '{k.measure}' ist keine Kennzahl des Würfels "
                        f"'{k.cube}' — {', '.join(sorted(measures))}")
    if k.kind == "percentile":
        if k.computed_by is None and k.cube not in PERCENTILE_VALUES:
            problems.append(f"{k.id}.cube: Perzentile rechnet die Engine nur auf "
                            f"{', '.join(repr(c) for c in PERCENTILE_VALUES)}")
        if k.quantile is None or not 0 < k.quantile <= 1:
            problems.append(f"{k.id}.quantile: {k.quantile} — eine Zahl in (0, 1]")
    if k.kind == "derived" and not k.derived_from:
        problems.append(f"{k.id}.derived_from: fehlt — woraus wird der Wert abgeleitet?")
    unknown = [d for d in k.derived_from if d.isidentifier() and d not in ids
               and d not in CUBE_MEASURES]
    if unknown:
        problems.append(f"{k.id}.derived_from: {', '.join(unknown)} unbekannt")
    return problems


def validate(catalogue: tuple[KpiDef, ...]) -> list[str]:
    """Every problem of every definition, each as "<id>.<key>: what is wrong"."""
    problems: list[str] = []
    seen: set[str] = set()
    ids = {k.id for k in catalogue}
    for k in catalogue:
        if k.id in seen:
            problems.append(f"{k.id}: die Kennung ist doppelt vergeben")
        seen.add(k.id)
        for key in ("label_de", "label_en", "method_de", "method_en"):
            if not getattr(k, key).strip():
                problems.append(f"{k.id}.{key}: fehlt")
        if k.unit not in UNITS:
            problems.append(f"{k.id}.unit: '{k.unit}' unbekannt — {', '.join(UNITS)}")
        if k.direction not in ("up", "down"):
            problems.append(f"{k.id}.direction: '{k.direction}' — up oder down")
        if k.min_n is not None and k.min_n < 1:
            problems.append(f"{k.id}.min_n: {k.min_n} — mindestens 1 (oder leer)")
        if not 0 <= k.decimals <= 4:
            problems.append(f"{k.id}.decimals: {k.decimals} — 0 bis 4 Nachkommastellen")
        measures = CUBE_MEASURES.get(k.cube)
        if measures is None:
            problems.append(f"{k.id}.cube: '{k.cube}' unbekannt — {', '.join(CUBE_MEASURES)}")
            continue
        if k.computed_by is None and k.cube not in ENGINE_CUBES:
            problems.append(f"{k.id}.computed_by: fehlt — die Engine rechnet nur auf "
                            f"{', '.join(sorted(ENGINE_CUBES))}; sonst das Modul nennen")
        if k.computed_by is not None and not k.computed_by.startswith("metrics."):
            problems.append(f"{k.id}.computed_by: '{k.computed_by}' — ein Modul unter metrics.")
        if k.online_only and k.cube != "volume":
            problems.append(f"{k.id}.online_only: nur für den Würfel 'volume'")
        problems += _check_kind(k, measures, ids)
    return problems


_problems = validate(CATALOGUE)
if _problems:  # a broken built-in definition is a bug: fail on import, listing everything
    raise CatalogueError(_problems)

KPIS: dict[str, KpiDef] = {k.id: k for k in CATALOGUE}


def listing(lang: str = "de") -> list[dict[str, object]]:
    """The catalogue as rows (for the dashboard's method notes, exports and the README)."""
    return [{
        "id": k.id, "label": k.label(lang), "method": k.method(lang), "kind": k.kind,
        "measures": ([k.numerator, k.denominator] if k.kind == "ratio" else [k.measure]),
        "cube": k.cube, "unit": k.unit, "direction": k.direction,
        "min_n": k.min_n, "format": k.number_format,
        "computed_by": k.computed_by or "metrics.kpis",
    } for k in CATALOGUE]
