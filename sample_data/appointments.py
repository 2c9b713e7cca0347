"""Appointment exports (Terminvergabe) of Musterstadt: one JSON file per Bürgeramt.

Shaped like the API export of an appointment system (the Berlin/Munich ZMS statistics
module is the model): ``{"standort": …, "exportiert": …, "termine": [{…}, …]}`` with ISO
timestamps, one record per booked appointment, the location repeated in every record (as
ZMS rows carry it, and because one profile reads every location's file).

Only the five offices take bookings: the mobile Bürgeramt's tours are scheduled by its staff
and video consultations by the departments, outside the booking system. The numbers below
are the *assumed truth* of the sample — lead times, no-shows, cancellations, on-site waits —
plausible for a city of ~300,000 people, not measured anywhere; tests check that an import
shows them again. Deterministic: the same arguments give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import polars as pl

from sample_data import behaviour as bh
from sample_data.city import LOCATIONS, SERVICES
from sample_data.generate import window_start
from sample_data.workdays import day_table

logger = logging.getLogger(__name__)

FILE_PATTERN = "termine_{code}.json"
OFFICES: tuple[str, ...] = tuple(loc.code for loc in LOCATIONS if loc.code.startswith("BA-"))
# Services citizens book a slot for: those that need presence at the counter.
SERVICE_CODES: tuple[str, ...] = tuple(
    s.code for s in SERVICES if bh.BEHAVIOUR[s.code].mix in ("counter", "video")
)
CHANNELS = ("online", "telefon", "vor_ort")  # booked online, by phone, at the counter
ONLINE_SHARE = (0.55, 0.70)  # online bookings at the window's start and end; phone/counter 3:1
STATUSES = ("erschienen", "nicht_erschienen", "abgesagt")
SLOT_MINUTES = 15
# Lead time (days from booking to slot): log-normal, long tail, capped. Travel documents
# (season "travel") get the median × season factor², i.e. about twice as long in May/June.
LEAD_MEDIAN_DAYS, LEAD_SIGMA, LEAD_MAX_DAYS = 6.0, 0.95, 120
TRAVEL_LEAD_POWER = 2.0
# No-show and cancellation grow with the lead time: p = short + (long − short)·(1 − e^(−d/30)).
NO_SHOW_SHORT, NO_SHOW_LONG = 0.06, 0.24
CANCEL_SHORT, CANCEL_LONG = 0.06, 0.22
RISK_SCALE_DAYS = 30.0
# What the overall rates come out as with the parameters above (the tests check this):
# no-show = no_show / (attended + no_show); cancelled = cancelled / all bookings.
NO_SHOW_RANGE = (0.08, 0.12)
CANCELLED_RANGE = (0.07, 0.13)
# On-site wait of attended appointments (minutes): log-normal around the median, longer at
# busy hours; some visits have no wait time (ticket not called through the system).
WAIT_MEDIAN_MIN, WAIT_SIGMA, WAIT_MAX_MIN = 7.0, 0.65, 120
BUSY: tuple[tuple[int, range, float], ...] = (
    (0, range(8, 11), 1.9),  # Monday morning
    (3, range(14, 18), 1.6),  # Thursday afternoon, the long day
)
WAIT_MISSING = 0.03


def write_appointments(
    out_dir: Path, seed: int = 42, months: int = 24, end: str = "2026-10",
    appointments: int = 60_000,
) -> list[Path]:
    """Write ``termine_<Standort>.json`` for each office into ``out_dir``; returns the paths.

    ``appointments`` bookings with slots in the ``months`` calendar months ending with ``end``
    (``YYYY-MM``); exported the morning after the window, so every outcome is known."""
    if appointments < 0 or months < 1:
        raise ValueError(f"appointments must be >= 0 and months >= 1, got {appointments=} "
                         f"{months=}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = window_start(end, months)
    rng = np.random.default_rng([seed, 7])
    frame = _draw(rng, first, months, appointments)
    year, month = divmod(first.year * 12 + first.month - 1 + months, 12)
    exported = dt.datetime(year, month + 1, 1, 6, 0).isoformat()
    paths = []
    for code in OFFICES:
        rows = frame.filter(pl.col("standort") == code).sort("termin", "terminId")
        path = out_dir / FILE_PATTERN.format(code=code)
        lines = rows.write_ndjson().splitlines() if rows.height else []
        path.write_text(
            f'{{"standort": "{code}", "exportiert": "{exported}", "termine": [\n'
            + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
        paths.append(path)
    logger.info("wrote %s appointments to %s files in %s", appointments, len(paths), out_dir)
    return paths


def _slots(first: dt.date, months: int) -> tuple[np.ndarray, ...]:
    """Every bookable slot of the window: day index, minute of day, month index, weekday
    (0 = Monday) — working days only, from opening until the last slot before closing."""
    n_days = (dt.date(first.year + (first.month - 1 + months) // 12,
                      (first.month - 1 + months) % 12 + 1, 1) - first).days
    days = day_table(first, n_days)
    day_idx, minute, month, weekday = [], [], [], []
    for i in np.flatnonzero(days.workday):
        closes = bh.OFFICE_CLOSES[days.weekday[i]]
        times = np.arange(bh.OFFICE_OPENS, closes - SLOT_MINUTES + 1, SLOT_MINUTES)
        d = first + dt.timedelta(days=int(i))
        day_idx.append(np.full(len(times), i))
        minute.append(times)
        month.append(np.full(len(times), (d.year - first.year) * 12 + d.month - first.month))
        weekday.append(np.full(len(times), days.weekday[i]))
    return tuple(np.concatenate(x) for x in (day_idx, minute, month, weekday))


def _draw(rng: np.random.Generator, first: dt.date, months: int, n: int) -> pl.DataFrame:
    slot_day, slot_min, slot_month, slot_weekday = _slots(first, months)
    month_dates = [dt.date(first.year + (first.month - 1 + m) // 12,
                           (first.month - 1 + m) % 12 + 1, 1) for m in range(months)]
    beh = [bh.BEHAVIOUR[c] for c in SERVICE_CODES]
    season = np.array([[bh.season_factor(b.season, d.year, d.month) for d in month_dates]
                       for b in beh])  # services × months
    # Service totals by volume × season over the slots; then slots by the season of a month.
    per_service = np.array([b.volume for b in beh]) * season[:, slot_month].sum(axis=1)
    counts = rng.multinomial(n, per_service / per_service.sum())
    service = np.repeat(np.arange(len(beh)), counts)
    slot = np.concatenate([
        rng.choice(len(slot_day), size=c, p=season[s, slot_month] / season[s, slot_month].sum())
        for s, c in enumerate(counts)
    ]).astype(np.int64) if n else np.zeros(0, np.int64)
    day, minute, month = slot_day[slot], slot_min[slot], slot_month[slot]

    weights = np.array([bh.LOCATION_BEHAVIOUR[c].weight for c in OFFICES])
    location = rng.choice(len(OFFICES), size=n, p=weights / weights.sum())
    central = np.array([b.central for b in beh])[service]
    location[central] = OFFICES.index(bh.CENTRAL_LOCATION)

    # Lead time in whole days, longer for travel documents in their high season.
    median = np.full(n, LEAD_MEDIAN_DAYS)
    travel = np.array([b.season == "travel" for b in beh])[service]
    median[travel] *= season[service[travel], month[travel]] ** TRAVEL_LEAD_POWER
    lead = np.minimum(np.floor(rng.lognormal(np.log(median), LEAD_SIGMA)), LEAD_MAX_DAYS)

    progress = month / max(months - 1, 1)
    p_online = ONLINE_SHARE[0] + (ONLINE_SHARE[1] - ONLINE_SHARE[0]) * progress
    u = rng.random(n)
    channel = np.where(u < p_online, 0, np.where(u < p_online + (1 - p_online) * 0.75, 1, 2))

    # Booking moment: online any hour (by the portal's hourly profile); phone and counter
    # bookings during office hours of a working day — moved back to one if needed.
    hours = np.array(bh.ONLINE_HOURS) / sum(bh.ONLINE_HOURS)
    online_min = rng.choice(24, size=n, p=hours) * 60 + rng.integers(0, 60, size=n)
    office_min = bh.OFFICE_OPENS + rng.integers(0, bh.PHONE_CLOSES - bh.OFFICE_OPENS, size=n)
    booked_min = np.where(channel == 0, online_min, office_min)
    booked_day = day - lead.astype(np.int64)
    if n:
        booked_day = _previous_workday(first, booked_day, offline=channel > 0)
    same_day = booked_day == day
    booked_min = np.where(same_day & (booked_min >= minute),
                          np.maximum(minute - rng.integers(15, 240, size=n), 7 * 60), booked_min)
    lead = (day - booked_day).astype(np.float64)

    # Outcome: cancellations and no-shows grow with the lead time.
    risk = 1 - np.exp(-lead / RISK_SCALE_DAYS)
    p_cancel = CANCEL_SHORT + (CANCEL_LONG - CANCEL_SHORT) * risk
    p_no_show = NO_SHOW_SHORT + (NO_SHOW_LONG - NO_SHOW_SHORT) * risk
    u = rng.random(n)
    status = np.where(u < p_cancel, 2, np.where(rng.random(n) < p_no_show, 1, 0))

    factor = np.ones(n)
    weekday = slot_weekday[slot]
    for wd, hrs, f in BUSY:
        factor[(weekday == wd) & np.isin(minute // 60, list(hrs))] *= f
    wait = np.minimum(np.rint(rng.lognormal(np.log(WAIT_MEDIAN_MIN * factor), WAIT_SIGMA)),
                      WAIT_MAX_MIN)
    has_wait = (status == 0) & (rng.random(n) >= WAIT_MISSING)

    epoch = (first - dt.date(1970, 1, 1)).days * 86_400
    seconds = np.where(channel == 0, rng.integers(0, 60, size=n), 0)

    def stamp(days: np.ndarray, minutes: np.ndarray, secs: np.ndarray | int = 0) -> pl.Series:
        s = pl.Series(epoch + days * 86_400 + minutes * 60 + secs) * 1000
        return pl.from_epoch(s, time_unit="ms").dt.strftime("%Y-%m-%dT%H:%M:%S")

    frame = pl.DataFrame({
        "standort": pl.Series(OFFICES).gather(location),
        "dienstleistung": pl.Series(SERVICE_CODES).gather(service),
        "gebucht": stamp(booked_day, booked_min, seconds),
        "termin": stamp(day, minute),
        "kanal": pl.Series(CHANNELS).gather(channel),
        "status": pl.Series(STATUSES).gather(status),
        "wartezeit_min": pl.Series(np.where(has_wait, wait, np.nan)).fill_nan(None)
        .cast(pl.Int64),
    })
    # Running numbers in booking order, as a booking system hands them out.
    frame = frame.sort("gebucht", "termin", "standort", "dienstleistung", maintain_order=True)
    ids = pl.Series("terminId", [f"T{i:09d}" for i in range(1, n + 1)])
    return frame.select(ids, pl.all())


def _previous_workday(first: dt.date, day: np.ndarray, offline: np.ndarray) -> np.ndarray:
    """Offline bookings on a weekend or holiday move back to the last working day."""
    lo = int(min(day.min(), 0))
    table = day_table(first + dt.timedelta(days=lo), int(day.max()) - lo + 1)
    prev = np.empty(len(table.workday), np.int64)
    last = 0
    for i, ok in enumerate(table.workday):
        last = i if ok else last
        prev[i] = last
    moved = prev[day - lo] + lo
    return np.where(offline, moved, day)
