"""German (and English) display formats for every number the dashboard shows.

All formats come from Babel's CLDR data, so "1.234,5", "12,3 %" and "Okt 2026" match what
people in German administrations expect. Between a number and its unit we always put a
non-breaking space (U+00A0, ``NBSP``): "12,3 %", "3 Tage", "+1,2 Pp.", "< 5" never wrap
in a narrow tile. Tests assert the exact strings, including that character.

Pure functions, no Streamlit: the same strings go into tiles, tables, hover texts and
exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from metrics.catalogue import KPIS, KpiDef

NBSP = "\u00a0"
DASH = "–"  # en dash: "no data"

_LOCALES = {"de": "de_DE", "en": "en"}


def _locale(lang: str) -> str:
    return _LOCALES.get(lang, "de_DE")


def _number_pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(value: float | int | None, lang: str = "de", decimals: int | None = None) -> str:
    """1234.5 → "1.234,5" (de) / "1,234.5" (en). ``decimals=None`` keeps up to 3 places."""
    if value is None:
        return DASH
    if decimals is None:
        return format_decimal(value, locale=_locale(lang))
    return format_decimal(value, _number_pattern(decimals), locale=_locale(lang))


def fmt_percent(fraction: float | None, lang: str = "de", decimals: int = 1) -> str:
    """0.123 → "12,3 %" (de, with NBSP) / "12.3%" (en)."""
    if fraction is None:
        return DASH
    space = NBSP if lang == "de" else ""
    return format_percent(fraction, f"{_number_pattern(decimals)}{space}%", locale=_locale(lang))


def fmt_days(days: float | None, lang: str = "de") -> str:
    """3.0 → "3 Tage", 1 → "1 Tag", 2.5 → "2,5 Tage" (en: "3 days")."""
    if days is None:
        return DASH
    number = fmt_number(days, lang, decimals=0 if float(days).is_integer() else 1)
    singular, plural = ("Tag", "Tage") if lang == "de" else ("day", "days")
    unit = singular if days == 1 else plural
    return f"{number}{NBSP}{unit}"


def _signed(value: float, lang: str, decimals: int) -> str:
    """Always with a sign; a change that rounds to zero is "±0,0"."""
    rounded = round(value, decimals)
    body = fmt_number(abs(rounded), lang, decimals)
    if rounded == 0:
        return f"±{body}"
    return f"+{body}" if rounded > 0 else f"-{body}"


def fmt_pp(change: float | None, lang: str = "de", decimals: int = 1) -> str:
    """A change of a share in percentage points, given as a fraction: 0.012 → "+1,2 Pp."."""
    if change is None:
        return DASH
    unit = "Pp." if lang == "de" else "pp"
    return f"{_signed(change * 100, lang, decimals)}{NBSP}{unit}"


def fmt_relative(change: float | None, lang: str = "de", decimals: int = 1) -> str:
    """A relative change: 0.05 → "+5,0 %" (de) / "+5.0%" (en)."""
    if change is None:
        return DASH
    space = NBSP if lang == "de" else ""
    return f"{_signed(change * 100, lang, decimals)}{space}%"


def fmt_change(change: float | None, change_unit: str, lang: str = "de") -> str:
    """Format a :class:`metrics.overview.Tile` change ('pp' or 'relative')."""
    return fmt_pp(change, lang) if change_unit == "pp" else fmt_relative(change, lang)


def is_zero_change(formatted: str) -> bool:
    return formatted.startswith("±")


def fmt_month(month: dt.date, lang: str = "de") -> str:
    """date(2025, 1, 1) → "Jan 2025"; German stand-alone abbreviations "Mär", "Okt", "Dez"."""
    return format_date(month, "LLL yyyy", locale=_locale(lang))


def fmt_suppressed(min_n: int, lang: str = "de") -> str:
    """What a withheld small cell shows instead of its value: "< 5"."""
    return f"<{NBSP}{fmt_number(min_n, lang, 0)}"


def fmt_protected(lang: str = "de") -> str:
    """What a cell shows that rests on enough cases but is withheld so that no small cell
    can be recomputed from a printed total (complementary suppression): "geschützt"."""
    return "geschützt" if lang == "de" else "protected"


def fmt_withheld(min_n: int, lang: str = "de", *, protected: bool = False) -> str:
    """The mark of a withheld cell: "< 5" (too few cases), or "geschützt" where it is
    ``protected`` (withheld although it rests on enough cases, to protect another)."""
    return fmt_protected(lang) if protected else fmt_suppressed(min_n, lang)


def fmt_count(n: int | None, suppressed: bool, min_n: int, lang: str = "de", *,
              protected: bool = False) -> str:
    """Case count next to a value; a suppressed cell hides its count as well ("geschützt"
    where it is ``protected``: withheld although it rests on enough cases)."""
    if suppressed:
        return fmt_withheld(min_n, lang, protected=protected)
    return fmt_number(n or 0, lang, 0)


def row_count(row: Mapping, min_n: int, lang: str = "de", n: str = "n") -> str:
    """:func:`fmt_count` of a row with ``n`` (or the column ``n`` names), ``suppressed`` and
    optionally ``protected``."""
    return fmt_count(row[n], row["suppressed"], min_n, lang, protected=bool(row.get("protected")))


def row_mark(row: Mapping, min_n: int, lang: str = "de") -> str:
    """:func:`fmt_withheld` of a withheld row with optionally ``protected``."""
    return fmt_withheld(min_n, lang, protected=bool(row.get("protected")))


def row_value(kpi: KpiDef | str, row: Mapping, min_n: int, lang: str = "de") -> str:
    """:func:`fmt_value` of a row with ``value``, ``suppressed`` and optionally
    ``protected``."""
    return fmt_value(kpi, row["value"], row["suppressed"], min_n, lang,
                     protected=bool(row.get("protected")))


def fmt_value(
    kpi: KpiDef | str, value: float | None, suppressed: bool, min_n: int, lang: str = "de",
    *, protected: bool = False,
) -> str:
    """A KPI value in its unit; "< 5" when suppressed ("geschützt" when ``protected``: it
    rests on enough cases but is withheld to protect another), "–" when there is no data."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if suppressed:
        return fmt_withheld(min_n, lang, protected=protected)
    if value is None:
        return DASH
    if kpi.unit == "percent":
        return fmt_percent(value, lang)
    if kpi.unit == "days":
        return fmt_days(value, lang)
    return fmt_unit(value, kpi.unit, kpi.decimals, lang)


_UNIT_LABELS = {"minutes": ("Min.", "min"), "hours": ("Std.", "h"), "eur": ("€", "€"),
                "rating": ("von 5", "of 5")}


def fmt_unit(value: float | None, unit: str, decimals: int, lang: str = "de") -> str:
    """A value in a catalogue unit other than percent and days: 10.5 € → "10,50 €",
    1234 hours → "1.234 Std." (de) / "1,234 h" (en)."""
    if value is None:
        return DASH
    label = _UNIT_LABELS.get(unit, (unit, unit))[0 if lang == "de" else 1]
    return f"{fmt_number(value, lang, decimals)}{NBSP}{label}"
