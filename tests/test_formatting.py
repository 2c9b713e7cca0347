"""Exact display strings. Between number and unit we use a non-breaking space (U+00A0)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.formatting import (
    fmt_change,
    fmt_count,
    fmt_days,
    fmt_month,
    fmt_number,
    fmt_percent,
    fmt_pp,
    fmt_relative,
    fmt_value,
)

NB = "\u00a0"


@pytest.mark.parametrize(
    ("fraction", "lang", "expected"),
    [
        (0.123, "de", f"12,3{NB}%"),
        (0.123, "en", "12.3%"),
        (0.0, "de", f"0,0{NB}%"),
        (1.0, "de", f"100,0{NB}%"),
        (0.39130434, "de", f"39,1{NB}%"),
        (0.12345, "de", f"12,3{NB}%"),
        (None, "de", "–"),
    ],
)
def test_fmt_percent(fraction, lang, expected):
    assert fmt_percent(fraction, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "de", None, "1.234,5"),
        (1234.5, "en", None, "1,234.5"),
        (1234567, "de", None, "1.234.567"),
        (1234.5, "de", 0, "1.234"),  # banker's rounding of .5 is Babel's (half-even)
        (1235.5, "de", 0, "1.236"),
        (3, "de", 2, "3,00"),
        (None, "de", None, "–"),
    ],
)
def test_fmt_number(value, lang, decimals, expected):
    assert fmt_number(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("days", "lang", "expected"),
    [
        (3.0, "de", f"3{NB}Tage"),
        (1.0, "de", f"1{NB}Tag"),
        (2.5, "de", f"2,5{NB}Tage"),
        (0, "de", f"0{NB}Tage"),
        (1234.0, "de", f"1.234{NB}Tage"),
        (3.0, "en", f"3{NB}days"),
        (1.0, "en", f"1{NB}day"),
        (None, "de", "–"),
    ],
)
def test_fmt_days(days, lang, expected):
    assert fmt_days(days, lang) == expected


@pytest.mark.parametrize(
    ("change", "lang", "expected"),
    [
        (0.012, "de", f"+1,2{NB}Pp."),
        (-0.012, "de", f"-1,2{NB}Pp."),
        (0.0004, "de", f"±0,0{NB}Pp."),
        (-0.0004, "de", f"±0,0{NB}Pp."),
        (0.26625, "de", f"+26,6{NB}Pp."),
        (0.012, "en", f"+1.2{NB}pp"),
        (None, "de", "–"),
    ],
)
def test_fmt_pp(change, lang, expected):
    assert fmt_pp(change, lang) == expected


@pytest.mark.parametrize(
    ("change", "lang", "expected"),
    [
        (0.05, "de", f"+5,0{NB}%"),
        (-0.25, "de", f"-25,0{NB}%"),
        (12.5, "de", f"+1.250,0{NB}%"),
        (0.05, "en", "+5.0%"),
    ],
)
def test_fmt_relative(change, lang, expected):
    assert fmt_relative(change, lang) == expected


def test_fmt_change_picks_the_unit_of_the_tile():
    assert fmt_change(0.012, "pp") == f"+1,2{NB}Pp."
    assert fmt_change(0.05, "relative") == f"+5,0{NB}%"


GERMAN_MONTHS = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
ENGLISH_MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]


@pytest.mark.parametrize("month", range(1, 13))
def test_fmt_month(month):
    day = dt.date(2025, month, 1)
    assert fmt_month(day, "de") == f"{GERMAN_MONTHS[month - 1]} 2025"
    assert fmt_month(day, "en") == f"{ENGLISH_MONTHS[month - 1]} 2025"


@pytest.mark.parametrize(
    ("kpi", "value", "suppressed", "min_n", "lang", "expected"),
    [
        ("digital_take_up", 0.123, False, 5, "de", f"12,3{NB}%"),
        ("digital_take_up", None, True, 5, "de", f"<{NB}5"),
        ("digital_take_up", None, True, 10, "de", f"<{NB}10"),
        ("digital_take_up", None, False, 5, "de", "–"),
        ("processing_days_median", 3.0, False, 5, "de", f"3{NB}Tage"),
        ("processing_days_median", 3.0, False, 5, "en", f"3{NB}days"),
        ("follow_up_rate", 0.5, False, 5, "en", "50.0%"),
    ],
)
def test_fmt_value(kpi, value, suppressed, min_n, lang, expected):
    assert fmt_value(kpi, value, suppressed, min_n, lang) == expected


def test_fmt_count_hides_the_count_of_a_suppressed_cell():
    assert fmt_count(1234, False, 5) == "1.234"
    assert fmt_count(3, True, 5) == f"<{NB}5"
    assert fmt_count(0, False, 5) == "0"
