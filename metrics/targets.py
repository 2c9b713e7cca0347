"""Targets (Zielwerte): a KPI value to reach by a date, and where it stands.

Status, in this order:
- ``reached``: the latest value already meets the target;
- ``missed``: the due date has passed without it;
- ``on_track`` / ``at_risk``: the linear trend of the last ``window`` months with a value,
  projected to the due month, meets the target or not;
- ``unknown``: fewer than three months with a value — no trend worth drawing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from metrics.catalogue import KPIS

Status = Literal["reached", "on_track", "at_risk", "missed", "unknown"]
STATUS_DE = {"reached": "erreicht", "on_track": "auf Kurs", "at_risk": "gefährdet",
             "missed": "verfehlt", "unknown": "unklar (zu wenige Daten)"}


@dataclass(frozen=True)
class Target:
    kpi_id: str
    value: float  # in the KPI's unit: a share 0–1, or days
    due: dt.date


@dataclass(frozen=True)
class TargetStatus:
    status: Status
    latest: float | None
    latest_month: dt.date | None
    projected: float | None  # trend value at the due month
    slope_per_month: float | None


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def target_status(series: pl.DataFrame, target: Target, *, as_of: dt.date | None = None,
                  window: int = 12) -> TargetStatus:
    """``series``: month, value (e.g. metrics.overview.trend); suppressed months have no
    value and are left out of the trend."""
    kpi = KPIS[target.kpi_id]
    eps = 1e-9  # a projection of 0.3999999… meets a target of 0.40
    meets = (lambda v: v >= target.value - eps) if kpi.direction == "up" else \
        (lambda v: v <= target.value + eps)
    points = series.filter(pl.col("value").is_not_null()).sort("month")
    if as_of is not None:
        points = points.filter(pl.col("month") <= as_of)
    if points.is_empty():
        return TargetStatus("unknown", None, None, None, None)
    last = points.row(-1, named=True)
    today = as_of or last["month"]
    if meets(last["value"]):
        return TargetStatus("reached", last["value"], last["month"], None, None)
    if today > target.due:
        return TargetStatus("missed", last["value"], last["month"], None, None)
    recent = points.tail(window)
    if recent.height < 3:
        return TargetStatus("unknown", last["value"], last["month"], None, None)
    x = np.array([_months_between(last["month"], m) for m in recent["month"]], dtype=float)
    slope, intercept = np.polyfit(x, recent["value"].to_numpy(), 1)
    projected = float(intercept + slope * _months_between(last["month"], target.due))
    status: Status = "on_track" if meets(projected) else "at_risk"
    return TargetStatus(status, last["value"], last["month"], projected, float(slope))
