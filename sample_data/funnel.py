"""Online form funnel of Musterstadt's service portal (``portal_formulare.csv``).

Shaped like a portal's form statistics (DOMAIN.md: "Online portals export funnels: started,
submitted, abandoned per form and day"): UTF-8 with BOM, ``;``, CRLF, German headers
"Datum" (dd.mm.yyyy), "Formular" (the service code the form belongs to), "Gestartet",
"Abgeschickt", "Abgebrochen"; one row per online service and day with at least one started
form, only from the day the service went online (``online_since``) and never for services
that are not online.

Assumed truth (tests check the import shows it again):

- Started forms per day follow the service's online cases in the case model (relative
  volume × season × take-up drifting with the city-wide trend, ``sample_data.behaviour``)
  divided by the completion rate — the submitted forms are those online cases — with fewer
  starts on weekends and holidays. Rarely used forms have days without a row.
- Completion (submitted / started) starts per service between ``COMPLETION_START`` and
  improves linearly by ``COMPLETION_GAIN`` across the window (forms get better), so every
  service stays within 55–85 %.
- Of the forms not submitted, ``ABANDON_SHARE`` are counted as abandoned (cancelled or
  session expired); the rest are drafts still saved, so started ≥ submitted + abandoned.

Deterministic: the same arguments give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np

from sample_data import behaviour as bh
from sample_data.city import SERVICES
from sample_data.generate import window_start
from sample_data.statistics import CASES_PER_VOLUME
from sample_data.workdays import day_table

logger = logging.getLogger(__name__)

FUNNEL_FILE = "portal_formulare.csv"
HEADER = ("Datum", "Formular", "Gestartet", "Abgeschickt", "Abgebrochen")
COMPLETION_START = (0.55, 0.75)  # per service, drawn uniformly
COMPLETION_GAIN = (0.02, 0.10)  # added linearly from the window's first to its last day
ABANDON_SHARE = 0.9
MIN_DAILY_ONLINE_SHARE = 0.02  # services with tiny take-up still see a few forms started
WEEKEND_WEIGHT = bh.WEEKEND_ONLINE_WEIGHT


def completion_plan(seed: int = 42) -> dict[str, tuple[float, float]]:
    """Service code → (completion on the window's first day, on its last day)."""
    rng = np.random.default_rng([seed, 11])
    plan = {}
    for s in SERVICES:
        start = rng.uniform(*COMPLETION_START)
        gain = rng.uniform(*COMPLETION_GAIN)
        if s.online_since is not None:
            plan[s.code] = (start, start + gain)
    return plan


def write_funnel(out_dir: Path, seed: int = 42, months: int = 24, end: str = "2026-10") -> Path:
    """Write ``portal_formulare.csv`` into ``out_dir`` (created if missing); see above."""
    if months < 1:
        raise ValueError(f"months must be >= 1, got {months}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = window_start(end, months)
    last_month = window_start(end, 1)
    last = dt.date(last_month.year + last_month.month // 12, last_month.month % 12 + 1, 1)
    n_days = (last - first).days
    days = [first + dt.timedelta(days=i) for i in range(n_days)]
    workday = day_table(first, n_days).workday[:n_days]
    month_index = np.array([(d.year - first.year) * 12 + d.month - first.month for d in days])
    trend = np.linspace(bh.TREND_START, bh.TREND_END, months)[month_index]
    progress = np.arange(n_days) / max(n_days - 1, 1)
    day_weight = np.where(workday, 1.0, WEEKEND_WEIGHT)
    # a month's expected cases spread over its days by weight
    month_weight = np.bincount(month_index, weights=day_weight, minlength=months)
    per_day = day_weight / month_weight[month_index]
    growth = (1 + bh.VOLUME_GROWTH_PER_YEAR) ** (month_index / 12)
    plan = completion_plan(seed)
    rng = np.random.default_rng([seed, 13])
    rows: list[tuple[int, str, int, int, int]] = []
    for s in SERVICES:
        if s.code not in plan:
            continue
        b = bh.BEHAVIOUR[s.code]
        p_start, p_end = plan[s.code]
        completion = p_start + (p_end - p_start) * progress
        season = np.array([bh.season_factor(b.season, d.year, d.month) for d in days])
        share = np.minimum(bh.MAX_ONLINE_SHARE,
                           np.maximum(b.take_up, MIN_DAILY_ONLINE_SHARE) * trend)
        expected = (CASES_PER_VOLUME * b.volume * season * growth * share * per_day
                    / completion)
        started = rng.poisson(expected)
        submitted = rng.binomial(started, completion)
        abandoned = rng.binomial(started - submitted, ABANDON_SHARE)
        since = max(0, (s.online_since - first).days)
        for i in range(since, n_days):
            if started[i] > 0:
                rows.append((i, s.code, int(started[i]), int(submitted[i]), int(abandoned[i])))
    rows.sort()
    lines = [";".join(HEADER)] + [
        f"{days[i]:%d.%m.%Y};{code};{st};{sub};{ab}" for i, code, st, sub, ab in rows
    ]
    path = out_dir / FUNNEL_FILE
    path.write_bytes("".join(line + "\r\n" for line in lines).encode("utf-8-sig"))
    logger.info("wrote %d funnel rows to %s", len(rows), path)
    return path
