"""Pilot evaluation: did it work, by how much, and how sure are we?

A :class:`Pilot` names services, locations and a start date. :func:`pilot_effect` compares
the pilot's cases (its services at its locations) with a control group — by default the same
services at every other office — before and after the start, as a difference-in-differences
of pooled shares (Σ numerator / Σ denominator per cell, never a mean of monthly ratios)::

    effect = (pilot_after − pilot_before) − (control_after − control_before)

in percentage points, with a 95 % interval and a sentence a council member understands
(:func:`sentence`).

Why a month bootstrap and not binomial standard errors
------------------------------------------------------
Cases are not independent draws: a month brings its own mix of citizens, staff shortages,
portal outages and campaigns, so shares move from month to month by more than binomial noise
on 10,000s of cases would allow. The honest unit of replication is the month. The interval
therefore comes from a paired block bootstrap over months: within each period (baseline,
follow-up) whole months are resampled with replacement, each month carrying the pilot *and*
the control cells together (a shock common to both cancels, as it does in the estimate).
With only 5–14 months per period, two small-sample corrections keep the 95 % honest: each
period's bootstrap variance is multiplied by G/(G−1) (the bootstrap variance of a mean over G
clusters is too small by that factor), and the interval is estimate ± t·SE with Student-t
degrees of freedom from Welch–Satterthwaite over the two periods, not ± 1.96·SE. The
generator is seeded, so the same data always give the same interval.

Checked by simulation (1,000 data sets each, pilot ≈ 400 and control ≈ 700 cases a month,
true effect 0): with month-to-month noise of 2 pp per group the binomial interval covered 0
in 78–79 % of runs, this interval in 94–96 % (10/14, 5/5 and 4/4 months); without month
noise both cover about 95 %, this one being 5–27 % wider (more with fewer months). On the
sample city (no month noise in the generator) both agree, e.g. 150,000 cases: 10,7 pp
[8,6; 12,8] against the true 12 pp (binomial: [8,5; 12,9]). ``tests/test_pilots.py``
repeats the check.

A cell with fewer than ``min_n`` cases, or a period with fewer than ``min_months`` months
with cases in both groups, gives no estimate, and the :class:`Effect` says why.

Privacy: the four cells are totals over spans of months, and the Überblick shows each
group's months under the same filters (services × locations) — where it withholds a month
(too few cases, or to protect a small service at the same locations), a cell's total minus
the shown months would give that month back. With ``protect_min_n`` (the dashboard and the
council report always pass the store's minimum) such months are left out of both groups
unless the sums they would give away pin nothing down
(:func:`metrics.headline.span_reveals`); the :class:`Effect` lists them in ``left_out``.
The sample city (30,000 and 300,000 cases) leaves none out: its pilot months are withheld
only as partners, and their sums rest on many cells.

The start month is the first month of the follow-up; a start date within a month drops that
month as a transition month (the cube counts whole months). The default baseline is the 12
months before the start, clipped to the data.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from babel.numbers import format_decimal

from metrics.catalogue import KPIS, KpiDef
from metrics.cube import Cube
from metrics.headline import period_series, span_reveals

log = logging.getLogger(__name__)

LEVEL = 0.95
BOOTSTRAP_REPLICATES = 4000
SEED = 20250901  # fixed: the same data give the same interval
MIN_N = 30  # cases per cell below which no estimate is given
MIN_MONTHS = 3  # months per period below which a month bootstrap is meaningless
OFFICE = "office"
NBSP = "\u00a0"


def shift_month(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Pilot:
    """A pilot: which cases it touches, since when, and against what it is compared.

    ``baseline_start``/``baseline_end``/``followup_end`` are months (any day in the month
    counts as the month), inclusive; None takes the defaults (12 months before ``start``;
    the last month with data). The control group is ``control_service_ids`` (default: the
    pilot's services) at ``control_location_ids`` (default: every other office that has cases
    of these services). For a control by services, pass other services and the pilot's
    locations.
    """

    name: str
    service_ids: tuple[int, ...]
    location_ids: tuple[int, ...]
    start: dt.date
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    followup_end: dt.date | None = None
    control_location_ids: tuple[int, ...] | None = None
    control_service_ids: tuple[int, ...] | None = None
    kpi: str = "digital_take_up"


@dataclass(frozen=True)
class Cell:
    """One of the four cells: a group (pilot/control) in a period (before/after)."""

    numerator: int
    cases: int  # the denominator: cases the share rests on
    months: int  # months of the period with data in this cell
    first: dt.date | None = None
    last: dt.date | None = None

    @property
    def share(self) -> float | None:
        return self.numerator / self.cases if self.cases else None


@dataclass(frozen=True)
class Effect:
    """The estimate. Shares are fractions (0.123); ``effect_pp``/``low_pp``/``high_pp`` are
    percentage points (12.3). ``reason`` is set (and the estimate None) when the data do not
    allow one: ``too_few_cases`` or ``too_few_months``."""

    pilot: Pilot
    kpi: KpiDef
    pilot_before: Cell
    pilot_after: Cell
    control_before: Cell
    control_after: Cell
    control_location_ids: tuple[int, ...]
    control_service_ids: tuple[int, ...]
    effect_pp: float | None
    low_pp: float | None
    high_pp: float | None
    level: float = LEVEL
    method: str = ""
    reason: str | None = None
    min_n: int = MIN_N
    min_months: int = MIN_MONTHS
    replicates: int = 0
    # months with cases in both groups (before, after): the units the bootstrap resamples
    paired_months: tuple[int, int] = (0, 0)
    # months left out of both groups so that the cells give no withheld month back
    # (metrics.headline.span_reveals); empty without ``protect_min_n``
    left_out: tuple[dt.date, ...] = ()
    protect_min_n: int | None = None
    # the binomial (case-level, independent) interval, for comparison only
    naive_low_pp: float | None = field(default=None, compare=False)
    naive_high_pp: float | None = field(default=None, compare=False)

    @property
    def cells(self) -> dict[str, Cell]:
        return {"pilot_before": self.pilot_before, "pilot_after": self.pilot_after,
                "control_before": self.control_before, "control_after": self.control_after}

    @property
    def significant(self) -> bool:
        """The interval excludes 0."""
        return self.low_pp is not None and (self.low_pp > 0 or self.high_pp < 0)


METHOD = (
    "Difference-in-differences of pooled shares, (pilot after − pilot before) − (control "
    "after − control before); {level:.0%} interval: estimate ± t·SE, SE from a paired block "
    "bootstrap over months ({replicates} replicates, months resampled within each period, "
    "variance × G/(G−1), fixed seed), t with Welch–Satterthwaite degrees of freedom."
)


def _periods(cube: Cube, pilot: Pilot) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(baseline first, baseline last, follow-up first, follow-up last) as month starts."""
    after_first = _month_of(pilot.start)
    if pilot.start.day != 1:
        after_first = shift_month(after_first, 1)  # the start month is a transition month
    before_last = _month_of(pilot.baseline_end) if pilot.baseline_end else shift_month(
        _month_of(pilot.start), -1)
    before_first = (_month_of(pilot.baseline_start) if pilot.baseline_start
                    else shift_month(_month_of(pilot.start), -12))
    last_data = cube.volume["month"].max() if not cube.volume.is_empty() else after_first
    after_last = _month_of(pilot.followup_end) if pilot.followup_end else last_data
    if before_first > before_last or after_first > after_last or before_last >= after_first:
        raise ValueError(
            f"pilot {pilot.name!r}: baseline {before_first:%m.%Y}–{before_last:%m.%Y} must end "
            f"before the follow-up {after_first:%m.%Y}–{after_last:%m.%Y} starts")
    return before_first, before_last, after_first, after_last


def default_controls(cube: Cube, pilot: Pilot) -> tuple[int, ...]:
    """Every other office location with cases of the control services."""
    services = list(pilot.control_service_ids or pilot.service_ids)
    offices = cube.locations.filter(pl.col("kind") == OFFICE)["location_id"].to_list()
    with_cases = cube.volume.filter(pl.col("service_id").is_in(services),
                                    pl.col("cases") > 0)["location_id"].unique().to_list()
    return tuple(sorted(set(offices) & set(with_cases) - set(pilot.location_ids)))


def _monthly(frame: pl.DataFrame, kpi: KpiDef, months: list[dt.date]) -> tuple[np.ndarray, ...]:
    """Numerator and denominator per month (0 for months without cases)."""
    grouped = frame.group_by("month").agg(pl.col(kpi.numerator).sum().alias("num"),
                                          pl.col(kpi.denominator).sum().alias("den"))
    full = pl.DataFrame({"month": months}, schema={"month": pl.Date}).join(
        grouped, on="month", how="left").fill_null(0).sort("month")
    return full["num"].to_numpy().astype(float), full["den"].to_numpy().astype(float)


def _cell(num: np.ndarray, den: np.ndarray, months: list[dt.date]) -> Cell:
    present = [m for m, d in zip(months, den, strict=True) if d > 0]
    return Cell(int(num.sum()), int(den.sum()), len(present),
                min(present) if present else None, max(present) if present else None)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def bootstrap_interval(
    before: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    after: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    *,
    replicates: int = BOOTSTRAP_REPLICATES,
    level: float = LEVEL,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(estimate, low, high) as fractions from monthly arrays ``(pilot_num, pilot_den,
    control_num, control_den)`` per period — the engine behind :func:`pilot_effect`, kept on
    plain arrays so its coverage can be checked on simulated data.

    Each period's gap (pilot share − control share) gets a bootstrap variance over its G
    months (× G/(G−1)); the interval is estimate ± t · √(V_before + V_after) with the
    Welch–Satterthwaite degrees of freedom, because with 5–14 months per period the normal
    quantile is too optimistic."""
    rng = np.random.default_rng(seed)
    estimate, variances, dfs = 0.0, [], []
    for sign, arrays in ((-1.0, before), (1.0, after)):
        pn, pd, cn, cd = (np.asarray(a, dtype=float) for a in arrays)
        g = len(pn)
        idx = rng.integers(0, g, size=(replicates, g))
        boot = _share(pn[idx].sum(1), pd[idx].sum(1)) - _share(cn[idx].sum(1), cd[idx].sum(1))
        estimate += sign * (pn.sum() / pd.sum() - cn.sum() / cd.sum())
        variances.append(float(np.nanvar(boot, ddof=1)) * g / (g - 1))
        dfs.append(g - 1)
    total = sum(variances)
    denominator = sum(v * v / d for v, d in zip(variances, dfs, strict=True))
    df = total * total / denominator if denominator > 0 else float(sum(dfs))
    half = t_quantile(0.5 + level / 2, df) * np.sqrt(total)
    return estimate, estimate - half, estimate + half


def t_quantile(q: float, df: float) -> float:
    """Student-t quantile (no scipy): bisection on the CDF, integrated numerically from the
    density. Accurate to about 1e-4, plenty for an interval shown with one decimal."""
    if df > 1000:
        return _normal_quantile(q)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    u = np.linspace(0.0, math.atan(1000.0), 20_001)  # x = tan u: fine near 0, long tails
    x = np.tan(u)
    f = np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df)) * (1 + x * x)  # density · dx/du
    cdf = 0.5 + np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) / 2 * np.diff(u))])
    return float(np.interp(q, cdf, x))


def binomial_interval(cells: Sequence[Cell], level: float = LEVEL) -> tuple[float, float]:
    """The naive interval treating every case as independent (for comparison only)."""
    z = 1.959964 if level == LEVEL else _normal_quantile(0.5 + level / 2)
    p = [c.share for c in cells]
    est = (p[1] - p[0]) - (p[3] - p[2])
    se = np.sqrt(sum(s * (1 - s) / c.cases for s, c in zip(p, cells, strict=True)))
    return est - z * se, est + z * se


def _normal_quantile(q: float) -> float:
    """Normal quantile by bisection on erf (no scipy); only for non-default levels."""
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < q else (lo, mid)
    return (lo + hi) / 2


def pilot_effect(
    cube: Cube,
    pilot: Pilot,
    *,
    min_n: int = MIN_N,
    min_months: int = MIN_MONTHS,
    replicates: int = BOOTSTRAP_REPLICATES,
    level: float = LEVEL,
    seed: int = SEED,
    protect_min_n: int | None = None,
) -> Effect:
    """Estimate the pilot's effect on its KPI (a ratio KPI of the volume cube).

    ``protect_min_n`` (the store's minimum n; the dashboard and the council report always
    pass it): the four cells are totals over spans of months beside the Überblick, which
    shows each group's months under the same filters. A month the Überblick withholds there
    (too few cases, or to protect a small service at the same locations) is left out of
    both groups wherever the cell's total would give it back (:func:`_left_out`), so the
    cells are sums of published months or of safe sums only."""
    kpi = KPIS[pilot.kpi]
    if kpi.kind != "ratio" or kpi.cube != "volume":
        raise ValueError(f"pilot KPI must be a ratio of the volume cube, got {kpi.id!r}")
    control_services = tuple(pilot.control_service_ids or pilot.service_ids)
    control_locations = (tuple(pilot.control_location_ids) if pilot.control_location_ids
                         is not None else default_controls(cube, pilot))
    if set(control_services) & set(pilot.service_ids) and set(control_locations) & set(
            pilot.location_ids):
        raise ValueError(f"pilot {pilot.name!r}: the control group overlaps the pilot "
                         "(same services at the same locations)")
    b0, b1, a0, a1 = _periods(cube, pilot)
    vol = cube.volume
    groups = {
        "pilot": vol.filter(pl.col("service_id").is_in(list(pilot.service_ids)),
                            pl.col("location_id").is_in(list(pilot.location_ids))),
        "control": vol.filter(pl.col("service_id").is_in(list(control_services)),
                              pl.col("location_id").is_in(list(control_locations))),
    }
    spans = {"before": pl.date_range(b0, b1, "1mo", eager=True).to_list(),
             "after": pl.date_range(a0, a1, "1mo", eager=True).to_list()}
    left_out: tuple[dt.date, ...] = ()
    if protect_min_n is not None and protect_min_n > 1:
        left_out = _left_out(cube, kpi.id, {
            "pilot": (pilot.service_ids, pilot.location_ids),
            "control": (control_services, control_locations)}, spans, protect_min_n)
        if left_out:
            spans = {p: [m for m in months if m not in left_out]
                     for p, months in spans.items()}
    arrays = {(g, p): _monthly(
        frame.filter(pl.col("month").is_in(pl.Series(m, dtype=pl.Date).implode())), kpi, m)
              for g, frame in groups.items() for p, m in spans.items()}
    cells = {f"{g}_{p}": _cell(*arrays[g, p], spans[p]) for g, p in arrays}

    def period(p: str) -> tuple[np.ndarray, ...]:
        # months with cases in both groups; a month missing in one group carries no contrast
        (pn, pd), (cn, cd) = arrays["pilot", p], arrays["control", p]
        keep = (pd > 0) & (cd > 0)
        return pn[keep], pd[keep], cn[keep], cd[keep]

    before, after = period("before"), period("after")
    paired = (len(before[0]), len(after[0]))
    reason = None
    if any(c.cases < min_n for c in cells.values()):
        reason = "too_few_cases"
    elif min(paired) < min_months:
        reason = "too_few_months"
    base = dict(pilot=pilot, kpi=kpi, **cells, control_location_ids=control_locations,
                control_service_ids=control_services, level=level, reason=reason, min_n=min_n,
                min_months=min_months, paired_months=paired, left_out=left_out,
                protect_min_n=protect_min_n)
    if reason:
        log.info("pilot %r: no estimate (%s)", pilot.name, reason)
        return Effect(**base, effect_pp=None, low_pp=None, high_pp=None,
                      method=METHOD.format(level=level, replicates=0))

    # the estimate rests on every case; the interval's width on the months both groups share
    # (the same unless one group has a month without cases)
    _, low, high = bootstrap_interval(before, after, replicates=replicates, level=level,
                                      seed=seed)
    c = cells
    est = ((c["pilot_after"].share - c["pilot_before"].share)
           - (c["control_after"].share - c["control_before"].share))
    low, high = est - (high - low) / 2, est + (high - low) / 2
    naive = binomial_interval([cells[k] for k in ("pilot_before", "pilot_after",
                                                  "control_before", "control_after")], level)
    log.info("pilot %r: %.2f pp [%.2f, %.2f]", pilot.name, 100 * est, 100 * low, 100 * high)
    return Effect(**base, effect_pp=100 * est, low_pp=100 * low, high_pp=100 * high,
                  method=METHOD.format(level=level, replicates=replicates),
                  replicates=replicates, naive_low_pp=100 * naive[0],
                  naive_high_pp=100 * naive[1])


def _left_out(cube: Cube, kpi_id: str, groups: dict[str, tuple[Sequence[int], Sequence[int]]],
              spans: dict[str, list[dt.date]], min_n: int) -> tuple[dt.date, ...]:
    """The months no cell may hold: for each group (services, locations) and period, those
    whose total over the period would give a month back that the Überblick filtered to the
    group withholds (:func:`metrics.headline.span_reveals`). Left out of both groups, so
    the comparison stays month for month."""
    out: set[dt.date] = set()
    for services, locations in groups.values():
        memo: dict = {}  # one Überblick view per group
        for months in spans.values():
            if months:
                out |= span_reveals(cube, kpi_id, months[0], months[-1], services=services,
                                    locations=locations, min_n=min_n, memo=memo)
    return tuple(sorted(out))


def group_series(cube: Cube, kpi_id: str, services: Sequence[int], locations: Sequence[int],
                 min_n: int) -> pl.DataFrame:
    """A group's months (month, value, n, suppressed, protected) over every month of the
    cube, as the Überblick filtered to its services and locations shows them
    (:func:`metrics.headline.period_series`): the pilot page's and the report's lines, so a
    month withheld there ("geschützt", "< 5") is withheld in the chart too."""
    if not cube.months:
        return pl.DataFrame(schema={"month": pl.Date, "value": pl.Float64, "n": pl.Int64,
                                    "suppressed": pl.Boolean, "protected": pl.Boolean})
    return period_series(cube, kpi_id, "month", cube.months[0], cube.months[-1],
                         services=services, locations=locations,
                         min_n=min_n).rename({"period": "month"})


# --- words ----------------------------------------------------------------------------------

_KPI_WORDS = {"digital_take_up": ("Nutzungsquote", "digital take-up")}


def _num(value: float, lang: str) -> str:
    """One decimal, German or English, with a plain minus: 12.34 → "12,3"."""
    rounded = round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return format_decimal(rounded, "#,##0.0", locale="de_DE" if lang == "de" else "en")


def _signed(value: float, lang: str) -> str:
    """With a sign, as the dashboard shows changes: "+1,2", "-2,3", "±0,0"."""
    text = _num(abs(value), lang)
    if round(value, 1) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"-{text}"


def _cell_names(lang: str) -> dict[str, str]:
    if lang == "de":
        return {"pilot_before": "beim Piloten vor dem Start",
                "pilot_after": "beim Piloten seit dem Start",
                "control_before": "in der Vergleichsgruppe vor dem Start",
                "control_after": "in der Vergleichsgruppe seit dem Start"}
    return {"pilot_before": "in the pilot before the start",
            "pilot_after": "in the pilot since the start",
            "control_before": "in the comparison group before the start",
            "control_after": "in the comparison group since the start"}


def _no_estimate(effect: Effect, lang: str) -> str:
    names = _cell_names(lang)
    if effect.reason == "too_few_cases":
        key, cell = min(effect.cells.items(), key=lambda kv: kv[1].cases)
        n = format_decimal(cell.cases, locale="de_DE" if lang == "de" else "en")
        need = effect.min_n
        if lang == "de":
            return (f"Keine Schätzung möglich: {names[key]} gibt es nur {n} Vorgänge "
                    f"(mindestens {need} nötig).")
        return f"No estimate: only {n} cases {names[key]} (at least {need} needed)."
    months, when = min(zip(effect.paired_months, ("before", "after"), strict=True))
    left = len(effect.left_out)
    if lang == "de":
        when = "vor dem Start" if when == "before" else "seit dem Start"
        why = (f"; {left} Monat{'e' if left > 1 else ''} zum Schutz kleiner Zahlen ausgelassen"
               if left else "")
        count = "1 Monat" if months == 1 else f"{months} Monate"
        return (f"Keine Schätzung möglich: {when} gibt es nur {count} mit Vorgängen "
                f"beim Piloten und in der Vergleichsgruppe (mindestens {effect.min_months} "
                f"nötig{why}).")
    why = f"; {left} month{'s' if left > 1 else ''} left out to protect small numbers" \
        if left else ""
    count = "1 month" if months == 1 else f"{months} months"
    return (f"No estimate: only {count} {when} the start with cases in both the pilot "
            f"and the comparison group (at least {effect.min_months} needed{why}).")


def sentence(effect: Effect, lang: str = "de") -> str:
    """One sentence for the council, e.g. "Die Nutzungsquote stieg durch den Piloten um
    12,3 Prozentpunkte (95 %-Intervall 9,8 bis 14,7)." A decrease gives its interval as
    magnitudes too; an interval containing 0 says that no reliable effect is shown."""
    if effect.effect_pp is None:
        return _no_estimate(effect, lang)
    de_word, en_word = _KPI_WORDS.get(effect.kpi.id, (effect.kpi.label_de, effect.kpi.label_en))
    level = round(effect.level * 100)
    est, low, high = effect.effect_pp, effect.low_pp, effect.high_pp
    if lang == "de":
        pp, interval = f"{NBSP}Prozentpunkte", f"{level}{NBSP}%-Intervall"
        if effect.significant:
            verb = "stieg" if est > 0 else "sank"
            a, b = (low, high) if est > 0 else (-high, -low)
            return (f"Die {de_word} {verb} durch den Piloten um {_num(abs(est), lang)}{pp} "
                    f"({interval} {_num(a, lang)} bis {_num(b, lang)}).")
        return (f"Keine sichere Wirkung des Piloten auf die {de_word}: geschätzt "
                f"{_signed(est, lang)}{pp}, das {interval} von {_signed(low, lang)} bis "
                f"{_signed(high, lang)} schließt null ein.")
    pp, interval = " percentage points", f"{level}% interval"
    if effect.significant:
        verb = "raised" if est > 0 else "lowered"
        a, b = (low, high) if est > 0 else (-high, -low)
        return (f"The pilot {verb} {en_word} by {_num(abs(est), lang)}{pp} "
                f"({interval} {_num(a, lang)} to {_num(b, lang)}).")
    return (f"No reliable effect of the pilot on {en_word}: estimated {_signed(est, lang)}{pp}, "
            f"the {interval} from {_signed(low, lang)} to {_signed(high, lang)} includes zero.")


def method_note(effect: Effect, lang: str = "de") -> str:
    """The method note to print under the number."""
    if lang != "de":
        return effect.method
    return (f"Differenz-von-Differenzen der Quoten (Σ Zähler / Σ Nenner): Veränderung beim "
            f"Piloten minus Veränderung in der Vergleichsgruppe (dieselben Leistungen an den "
            f"übrigen Bürgerämtern, sofern nicht anders gewählt). "
            f"{round(effect.level * 100)}{NBSP}%-Intervall aus einem Bootstrap über Monate, "
            f"weil Quoten von Monat zu Monat stärker schwanken als der Zufall einzelner "
            f"Vorgänge.")
