"""The vectorised case model: draws one chunk of cases as numpy arrays.

Everything here is per-row arithmetic on arrays, so a chunk of 250,000 cases costs a few
arrays of that length and no Python loop over rows. :func:`build_tables` turns the plain
master data and behaviour tables into lookup arrays once; :func:`draw_chunk` then draws, for
cases whose month of receipt is already fixed, their service, location, channel, receipt
time, follow-ups, processing time and status. Times are integer minutes since the window's
first day 00:00.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np

from sample_data import behaviour as bh
from sample_data.city import LOCATIONS, PILOT, SERVICES
from sample_data.workdays import DayTable, day_table

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 1440
RUN_OUT_DAYS = 600  # completions may fall this long after the window
MAX_PROCESSING_DAYS = 540
NEVER = 10**9  # day index for "never online"
STATUS_DONE, STATUS_OPEN, STATUS_REJECTED, STATUS_WITHDRAWN = 0, 1, 2, 3


@dataclass(frozen=True)
class Tables:
    """Lookup arrays for one window; built once per generate() call."""

    days: DayTable
    n_window_days: int
    month_start: np.ndarray  # day index of each month's first day, length months + 1
    month_trend: np.ndarray  # city-wide online drift per month
    month_volume: np.ndarray  # expected relative case volume per month
    p_service: np.ndarray  # months × services: P(service | month of receipt)
    p_location: np.ndarray  # services × locations (without VIDEO)
    cum_office: np.ndarray  # cumulative working-day weights, length days + 1
    cum_any: np.ndarray  # cumulative any-day weights for 24/7 channels
    online_since: np.ndarray  # day index per service (NEVER if never online)
    offset_scale: np.ndarray  # per service
    pilot_service: np.ndarray  # bool per service
    pilot_location: np.ndarray  # bool per location
    pilot_start: int  # day index
    staff_base: np.ndarray  # per service: first staff number of its department's pool
    staff_size: np.ndarray


def build_tables(first: dt.date, months: int) -> Tables:
    starts = [first]
    for _ in range(months):
        y, m = starts[-1].year, starts[-1].month
        starts.append(dt.date(y + m // 12, m % 12 + 1, 1))
    month_start = np.array([(d - first).days for d in starts], dtype=np.int64)
    n_window_days = int(month_start[-1])
    days = day_table(first, n_window_days + RUN_OUT_DAYS)

    beh = [bh.BEHAVIOUR[s.code] for s in SERVICES]
    volume = np.array(
        [[b.volume * bh.season_factor(b.season, d.year, d.month) for b in beh] for d in starts[:-1]]
    )
    growth = (1 + bh.VOLUME_GROWTH_PER_YEAR) ** (np.arange(months) / 12)
    volume *= growth[:, None]
    p_service = volume / volume.sum(axis=1, keepdims=True)

    loc_codes = [loc.code for loc in LOCATIONS]
    district_w = np.array([bh.LOCATION_BEHAVIOUR[c].weight for c in loc_codes])
    district_w /= district_w.sum()
    p_location = np.zeros((len(SERVICES), len(LOCATIONS)))
    for i, b in enumerate(beh):
        if b.central:
            p_location[i, loc_codes.index(bh.CENTRAL_LOCATION)] = 1.0
        else:
            p_location[i] = district_w
        if b.mobile:
            p_location[i] *= 1 - bh.MOBILE_SHARE
            p_location[i, loc_codes.index("MOBIL")] = bh.MOBILE_SHARE

    workday = days.workday[:n_window_days]
    w_any = np.where(workday, 10, round(10 * bh.WEEKEND_ONLINE_WEIGHT))
    departments = list(dict.fromkeys(s.department for s in SERVICES))
    pool_size = {d: bh.STAFF_POOL.get(d, bh.DEFAULT_STAFF_POOL) for d in departments}
    bases = np.cumsum([1] + [pool_size[d] for d in departments])[:-1]
    pool_base = dict(zip(departments, bases, strict=True))
    take_up = np.array([b.take_up for b in beh])
    return Tables(
        days=days,
        n_window_days=n_window_days,
        month_start=month_start,
        month_trend=np.linspace(bh.TREND_START, bh.TREND_END, months),
        month_volume=volume.sum(axis=1),
        p_service=p_service,
        p_location=p_location,
        cum_office=np.concatenate([[0], np.cumsum(workday.astype(np.int64))]),
        cum_any=np.concatenate([[0], np.cumsum(w_any)]),
        online_since=np.array(
            [NEVER if s.online_since is None else (s.online_since - first).days for s in SERVICES]
        ),
        offset_scale=np.minimum(1.0, take_up / bh.OFFSET_FULL_AT),
        pilot_service=np.array([s.code in PILOT.service_codes for s in SERVICES]),
        pilot_location=np.array([c in PILOT.location_codes for c in loc_codes]),
        pilot_start=(PILOT.start - first).days,
        staff_base=np.array([pool_base[s.department] for s in SERVICES]),
        staff_size=np.array([pool_size[s.department] for s in SERVICES]),
    )


def _choose(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), probs.shape[1] - 1)


def _choose_by_group(rng: np.random.Generator, group: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Like :func:`_choose` with ``probs = table[group]``, without materialising that matrix."""
    cum = np.cumsum(table, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(group))
    out = np.empty(len(group), dtype=np.int64)
    for g in np.unique(group):
        rows = group == g
        out[rows] = np.searchsorted(cum[g], u[rows], side="right")
    return np.minimum(out, table.shape[1] - 1)


def _pick_day(
    rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """A day in [lo, hi) drawn with the integer weights behind ``cum``; exact, no rounding."""
    a, b = cum[lo], cum[hi]
    v = a + np.floor(rng.random(len(lo)) * (b - a)).astype(np.int64)
    return np.searchsorted(cum, v, side="right") - 1


def draw_chunk(rng: np.random.Generator, month: np.ndarray, t: Tables) -> dict[str, np.ndarray]:
    """Draw the cases of one chunk; ``month`` holds each case's month index of receipt."""
    n = len(month)
    loc_beh = [bh.LOCATION_BEHAVIOUR[loc.code] for loc in LOCATIONS]
    beh = [bh.BEHAVIOUR[s.code] for s in SERVICES]
    mobil, video = (
        next(i for i, x in enumerate(LOCATIONS) if x.code == c) for c in ("MOBIL", "VIDEO")
    )

    svc = _choose_by_group(rng, month, t.p_service)
    loc = _choose_by_group(rng, svc, t.p_location)
    lo, hi = t.month_start[month], t.month_start[month + 1]
    d_office = _pick_day(rng, t.cum_office, lo, hi)
    d_any = _pick_day(rng, t.cum_any, lo, hi)

    # --- channel -----------------------------------------------------------------------
    since = t.online_since[svc]
    avail = d_office >= since
    age_months = np.maximum(d_office - since, 0) / 30.44
    take_up = np.array([b.take_up for b in beh])[svc]
    offset = np.array([lb.online_offset_pp for lb in loc_beh])[loc] / 100 * t.offset_scale[svc]
    p_on = take_up * (1 - bh.RAMP_START * np.exp(-age_months / bh.RAMP_MONTHS))
    p_on = np.clip(p_on * t.month_trend[month] + offset, 0.0, bh.MAX_ONLINE_SHARE)
    pilot = t.pilot_service[svc] & t.pilot_location[loc]
    lifted = pilot & (d_office >= t.pilot_start)
    p_on = np.where(avail, np.minimum(p_on + lifted * (PILOT.lift_pp / 100), 1.0), 0.0)

    mix = np.array([bh.OFFLINE_MIX[b.mix] for b in beh])[svc]
    mix[:, 5] *= avail  # no assisted digital without an online form
    mix *= ((1 - p_on) / mix.sum(axis=1))[:, None]
    portal = np.array([b.portal for b in beh])[svc]
    vor_ort = np.array([lb.vor_ort_label for lb in loc_beh])[loc]
    probs = np.column_stack(
        [
            p_on * (1 - portal),
            p_on * portal,
            mix[:, 0] * vor_ort,
            mix[:, 0] * (1 - vor_ort),
            mix[:, 1],
            mix[:, 2],
            mix[:, 3],
            mix[:, 4],
            mix[:, 5],
        ]
    )
    probs[loc == mobil] = np.eye(9)[2]  # the mobile office only sees people in person
    chan = _choose(rng, probs)
    loc = np.where(chan == 7, video, loc)

    # --- receipt time ------------------------------------------------------------------
    online = np.isin(chan, bh.ONLINE_CHANNELS)
    anytime = np.isin(chan, bh.ANYTIME_CHANNELS)
    # an online receipt must not move before the launch or across the pilot start
    crosses = online & (
        (d_any < since) | (pilot & ((d_any >= t.pilot_start) != (d_office >= t.pilot_start)))
    )
    use_any = anytime & ~crosses
    day = np.where(use_any, d_any, d_office)
    closes = np.array(bh.OFFICE_CLOSES)[t.days.weekday[day]]
    closes = np.where(chan == 4, bh.PHONE_CLOSES, np.where(chan == 5, bh.POST_CLOSES, closes))
    office_min = bh.OFFICE_OPENS + np.floor(rng.random(n) * (closes - bh.OFFICE_OPENS))
    hours = np.array(bh.ONLINE_HOURS)
    any_min = rng.choice(24, size=n, p=hours / hours.sum()) * 60 + rng.integers(0, 60, n)
    minute = np.where(use_any, any_min, office_min).astype(np.int64)

    # --- follow-ups, processing time, status ----------------------------------------------
    p_fu = np.array(bh.CHANNEL_FOLLOW_UP)[chan] * np.array([b.follow_up for b in beh])[svc]
    n_fu = (rng.random(n) < np.minimum(p_fu, 0.9)) * (1 + rng.poisson(0.35, n))
    median = np.array([b.median_days for b in beh])[svc]
    spread = np.array([b.spread for b in beh])[svc]
    days = median * np.array(bh.CHANNEL_DURATION)[chan] * np.exp(spread * rng.standard_normal(n))
    days += (chan == 5) * 2 + n_fu * rng.uniform(3, 10, n)
    same_day = (
        np.array([b.same_day for b in beh])[svc]
        & np.isin(chan, bh.IN_PERSON_CHANNELS)
        & (n_fu == 0)
    )
    k = np.where(same_day, 0, np.clip(np.rint(days), 1, MAX_PROCESSING_DAYS)).astype(np.int64)

    u = rng.random(n)
    p_rej = np.array([b.reject for b in beh])[svc] * (1 + 0.5 * n_fu)
    p_wd = 0.01 + 0.04 * (n_fu > 0)
    status = np.where(u < p_rej, STATUS_REJECTED, np.where(u < p_rej + p_wd, STATUS_WITHDRAWN, 0))
    k = np.where(status == STATUS_WITHDRAWN, np.floor(k * rng.uniform(0.2, 1.0, n)), k)
    k = k.astype(np.int64)
    close_day = np.where(k == 0, day, t.days.next_workday[day + k])
    close_min = np.where(
        k == 0,
        minute + rng.integers(5, 46, n),
        rng.integers(bh.OFFICE_OPENS, bh.OFFICE_CLOSES[0], n),
    )
    received = day * MINUTES_PER_DAY + minute
    closed = close_day * MINUTES_PER_DAY + close_min
    cutoff = t.n_window_days * MINUTES_PER_DAY  # export taken right after the window
    still_open = (closed >= cutoff) | (rng.random(n) < bh.STUCK_SHARE)
    status = np.where(still_open, STATUS_OPEN, status)

    staff = t.staff_base[svc] + np.floor(rng.random(n) * t.staff_size[svc]).astype(np.int64)
    return {
        "service": svc,
        "location": loc,
        "channel": chan,
        "received": received,
        "closed": closed,  # meaningless where status is STATUS_OPEN
        "status": status,
        "follow_ups": n_fu.astype(np.int64),
        "staff": staff,
    }
