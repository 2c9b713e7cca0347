"""Reporting periods: month, quarter, year and fiscal year, each identified by its first day.

A fact belongs to a period only if it lies wholly inside it: a fiscal-year total can be
reported per fiscal year, never split into months.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

Grain = Literal["month", "quarter", "year", "fiscal_year"]
GRAINS: tuple[str, ...] = ("month", "quarter", "year", "fiscal_year")


def period_start(date: pl.Expr, grain: Grain, fiscal_start_month: int = 1) -> pl.Expr:
    """The first day of the period of ``grain`` that contains ``date``."""
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError(f"fiscal_start_month must be a month 1 … 12, got {fiscal_start_month}")
    match grain:
        case "month":
            return date.dt.truncate("1mo")
        case "quarter":
            return date.dt.truncate("1q")
        case "year":
            return date.dt.truncate("1y")
        case "fiscal_year":
            shifted = date.dt.offset_by(f"-{fiscal_start_month - 1}mo").dt.truncate("1y")
            return shifted.dt.offset_by(f"{fiscal_start_month - 1}mo")
    raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(GRAINS)}")


def period_end(start: pl.Expr, grain: Grain) -> pl.Expr:
    """The last day of the period that begins on ``start``."""
    step = {"month": "1mo", "quarter": "3mo", "year": "1y", "fiscal_year": "1y"}[grain]
    return start.dt.offset_by(step).dt.offset_by("-1d")
