"""The KPI catalogue: each KPI is a definition, not a code path.

The engine in :mod:`metrics.kpis` computes a KPI from its ``kind`` and measures; the
dashboard shows ``label`` and ``method`` next to every number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["ratio", "percentile"]
Unit = Literal["percent", "days"]


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
    cube: Literal["volume", "durations", "standards"]
    numerator: str | None = None  # measure column of the cube (ratio)
    denominator: str | None = None
    quantile: float | None = None  # percentile kinds
    # True when the value rests on completed cases of a receipt cohort: the newest cohorts
    # are still open and biased (fast cases finish first), so tiles use a mature cohort.
    cohort: bool = False

    def label(self, lang: str) -> str:
        return self.label_de if lang == "de" else self.label_en

    def method(self, lang: str) -> str:
        return self.method_de if lang == "de" else self.method_en


CATALOGUE: tuple[KpiDef, ...] = (
    KpiDef(
        id="digital_take_up",
        label_de="Digitale Nutzungsquote",
        label_en="Digital take-up",
        method_de="Online eingegangene Vorgänge / alle Vorgänge derselben Leistungen im selben "
        "Monat (Σ Zähler / Σ Nenner). Assistiert-digitale Vorgänge zählen nicht als digital.",
        method_en="Cases received online / all cases of the same services in the same month "
        "(Σ numerator / Σ denominator). Assisted digital does not count as digital.",
        kind="ratio",
        unit="percent",
        direction="up",
        cube="volume",
        numerator="digital",
        denominator="cases",
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
        method_de="Fälle, die innerhalb des Servicestandards erledigt wurden (z. B. Entscheidung "
        "in 10 Arbeitstagen) / alle gemeldeten Fälle dieser Standards (Σ Zähler / Σ Nenner); "
        "Standards ohne Zahlen zählen nicht.",
        method_en="Cases handled within the service standard (e.g. decision within 10 working "
        "days) / all reported cases of these standards (Σ numerator / Σ denominator); "
        "standards reported without figures do not count.",
        kind="ratio",
        unit="percent",
        direction="up",
        cube="standards",
        numerator="volume_meeting",
        denominator="volume_total",
    ),
)

# The measures each cube frame offers to ratio KPIs (see metrics.cube).
CUBE_MEASURES: dict[str, frozenset[str]] = {
    "volume": frozenset({"cases", "digital", "completed", "completed_with_follow_up", "open"}),
    "durations": frozenset({"cases"}),
    "standards": frozenset({"volume_meeting", "volume_total"}),
}


class CatalogueError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("KPI-Katalog ungültig:\n" + "\n".join(f"  - {p}" for p in problems))


def validate(catalogue: tuple[KpiDef, ...]) -> list[str]:
    """Every problem of every definition, each as "<id>.<key>: what is wrong"."""
    problems: list[str] = []
    seen: set[str] = set()
    for k in catalogue:
        if k.id in seen:
            problems.append(f"{k.id}: die Kennung ist doppelt vergeben")
        seen.add(k.id)
        for key in ("label_de", "label_en", "method_de", "method_en"):
            if not getattr(k, key).strip():
                problems.append(f"{k.id}.{key}: fehlt")
        if k.unit not in ("percent", "days"):
            problems.append(f"{k.id}.unit: '{k.unit}' unbekannt — percent oder days")
        if k.direction not in ("up", "down"):
            problems.append(f"{k.id}.direction: '{k.direction}' — up oder down")
        measures = CUBE_MEASURES.get(k.cube)
        if measures is None:
            problems.append(f"{k.id}.cube: '{k.cube}' unbekannt — {', '.join(CUBE_MEASURES)}")
            continue
        if k.kind == "ratio":
            for key in ("numerator", "denominator"):
                value = getattr(k, key)
                if value not in measures:
                    problems.append(f"{k.id}.{key}: '{value}' ist keine Kennzahl des Würfels "
                                    f"'{k.cube}' — {', '.join(sorted(measures))}")
            if k.unit != "percent":
                problems.append(f"{k.id}.unit: ein Anteil hat die Einheit percent")
        elif k.kind == "percentile":
            if k.cube != "durations":
                problems.append(f"{k.id}.cube: Perzentile gibt es nur auf 'durations'")
            if k.quantile is None or not 0 < k.quantile <= 1:
                problems.append(f"{k.id}.quantile: {k.quantile} — eine Zahl in (0, 1]")
        else:
            problems.append(f"{k.id}.kind: '{k.kind}' unbekannt — ratio oder percentile")
    return problems


_problems = validate(CATALOGUE)
if _problems:  # a broken built-in definition is a bug: fail on import, listing everything
    raise CatalogueError(_problems)

KPIS: dict[str, KpiDef] = {k.id: k for k in CATALOGUE}
