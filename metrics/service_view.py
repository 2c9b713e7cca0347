"""One service in detail, and every service side by side: what the "Leistungen" page shows.

All numbers come from the one engine (:func:`metrics.kpis.compute`) and from
:func:`metrics.funnel.completion_rate`; this module only chooses scopes and windows:

- **Window**: the last :data:`WINDOW_MONTHS` calendar months up to the newest month with
  cases (months of receipt). Tiles and the ranking are computed over the whole window
  (Σ numerator / Σ denominator; percentiles over all completed cases of the window).
- **Volume and digital take-up** count every source once (``grain="month"``: the cases, and
  monthly statistics where a service has no cases in a month, see :mod:`metrics.facts`).
- **Processing time** is split *online* (the digital channels) against *offline* (every other
  channel — assisted digital is offline: staff fill in the form) and reported as median and
  90th percentile per month of receipt, never as a mean.
- **Suppression** follows the KPIs: a share or percentile resting on fewer than ``min_n``
  cases is withheld. The channel mix and the distribution of processing days are shares of
  their month (or mode), so they are withheld with it.
- **Filters cannot be differenced**: a value under a location, channel or service filter is
  withheld too when the difference to the unfiltered value would give away a withheld cell
  (:mod:`metrics.disclosure`; ``compute(..., protect_filters=True)``, and the same rule for
  the case counts, the channel mix and the distribution of processing days).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from connectors.store import DIGITAL_CHANNELS, Channel
from metrics.catalogue import KPIS
from metrics.cube import Cube, remember
from metrics.disclosure import pools, select_pooled
from metrics.facts import volume_facts
from metrics.funnel import completion_rate
from metrics.kpis import compute
from metrics.overview import shift_month

log = logging.getLogger(__name__)

WINDOW_MONTHS = 12
MODES = ("online", "offline")
# channel order of charts and tables: digital first, assisted digital next to it
CHANNEL_ORDER = (Channel.ONLINE, Channel.ASSISTED_DIGITAL, Channel.IN_PERSON, Channel.VIDEO,
                 Channel.PHONE, Channel.EMAIL, Channel.POST, Channel.FAX)
# processing-day classes of the distribution: (first day, last day or None = open end)
DAY_BINS: tuple[tuple[int, int | None], ...] = (
    (0, 0), (1, 1), (2, 3), (4, 7), (8, 14), (15, 30), (31, 60), (61, 90), (91, None))

# The funnel's completion rate is computed by metrics.funnel, not by the cube engine; its
# catalogue entry carries labels, unit and method for display (fmt_value, figures).
COMPLETION_KPI = KPIS["completion_rate"]

RANKING_SCHEMA = {
    "service_id": pl.Int64, "code": pl.String, "name": pl.String, "leika_key": pl.String,
    "cases": pl.Int64, "cases_suppressed": pl.Boolean,
    "take_up": pl.Float64, "take_up_suppressed": pl.Boolean,
    "median_days": pl.Float64, "p90_days": pl.Float64, "completed": pl.Int64,
    "days_suppressed": pl.Boolean,
    "follow_up": pl.Float64, "follow_up_suppressed": pl.Boolean,
    "completion": pl.Float64, "started": pl.Int64, "completion_suppressed": pl.Boolean,
    "months_with_data": pl.Int64, "months_total": pl.Int64,
}


def mode_of(channel: pl.Expr) -> pl.Expr:
    """"online" for the digital channels, "offline" for every other channel."""
    return pl.when(channel.is_in(list(DIGITAL_CHANNELS))).then(pl.lit("online")) \
        .otherwise(pl.lit("offline"))


def channel_rank(channel: str) -> int:
    order = [c.value for c in CHANNEL_ORDER]
    return order.index(channel) if channel in order else len(order)


def window(cube: Cube, months: int = WINDOW_MONTHS) -> tuple[dt.date, dt.date] | None:
    """First and last month of the window: the ``months`` months up to the newest case."""
    if cube.is_empty:
        return None
    last = cube.months[-1]
    return shift_month(last, 1 - months), last


def windowed(cube: Cube, first: dt.date, last: dt.date) -> Cube:
    """The cube restricted to months of receipt ``first`` … ``last`` (statistics: periods
    wholly inside)."""
    inside = pl.col("month").is_between(first, last)
    return remember(cube, ("windowed", first, last), lambda: cube.replace(
        volume=cube.volume.filter(inside),
        durations=cube.derive("durations", lambda d: d.filter(inside)),
        usage=cube.usage.filter((pl.col("period_start") >= first)
                                & (pl.col("period_end") < shift_month(last, 1))),
    ), keep=8)  # one window serves every location's grid (and its remembered pools)


def _months(first: dt.date, last: dt.date) -> pl.DataFrame:
    return pl.DataFrame({"month": pl.date_range(first, last, "1mo", eager=True)},
                        schema={"month": pl.Date})


def _ids(values: Iterable[int] | None) -> list[int] | None:
    return None if values is None else list(values)


def split_pools(cells: pl.DataFrame, by: Sequence[str], locations: list[int] | None,
                min_n: int, *, kept: tuple[Cube, str] | None = None) -> pl.DataFrame:
    """The groups of ``by`` whose location filter holds part of a pool of withheld locations,
    so that the difference to all locations would give one away → ``*by, withheld``.
    ``cells``: every location's count ``n`` per group (unfiltered by location). ``kept``:
    (the cube ``cells`` come from, a name for them) — the pools, the same for every location
    filter, are then computed once per cube (:func:`metrics.cube.remember`)."""
    if locations is None or min_n <= 1:
        return cells.select(*by).unique().with_columns(withheld=pl.lit(False))

    def pooled() -> pl.DataFrame:
        grouped = cells.group_by(*by, "location_id").agg(pl.col("n").sum())
        return pools(grouped, "location_id", list(by), min_n)

    found = pooled() if kept is None else remember(
        kept[0], ("location pools", kept[1], tuple(by), min_n), pooled)
    return select_pooled(found, "location_id", locations, list(by))


def protect_parts(frame: pl.DataFrame, key: str, min_n: int) -> pl.DataFrame:
    """A service's whole-period count split by ``key`` (channels, modes) beside its total
    (the ranking's completed cases): ``frame`` has ``key``, ``n``, optionally ``numerator``
    and ``suppressed``; further parts are withheld until total minus the shown parts pins
    no withheld one down (:func:`metrics.open_data.protect`, marks' classes known), and
    every part if none is left to withhold. Returns ``key`` and the new ``suppressed``."""
    from metrics.open_data import protect  # one package, no cycle at import time

    parts = frame.filter(pl.col("n") > 0)
    if parts.is_empty():
        return frame.select(key, pl.col("suppressed").fill_null(False))
    keys = parts[key].to_list()
    cells = pl.DataFrame({
        "kpi": "parts", "family": "parts", "month": dt.date(2000, 1, 1),
        "service_id": list(range(len(keys))), "n": parts["n"].cast(pl.Int64),
        "numerator": (parts["numerator"].cast(pl.Int64) if "numerator" in parts.columns
                      else pl.Series([None] * len(keys), dtype=pl.Int64)),
        "suppressed": (parts["suppressed"].fill_null(False) if "suppressed" in parts.columns
                       else pl.Series([False] * len(keys)))})
    out, totals = protect(cells, min_n, {}, classes_shown=True)
    held = set() if not bool(totals["suppressed"].any()) else set(keys)
    held |= {keys[i] for i in out.filter(pl.col("suppressed"))["service_id"].to_list()}
    return frame.select(key, (pl.col(key).is_in(list(held)) | pl.col("suppressed").fill_null(
        False)).alias("suppressed"))


# --- every service: the ranking ------------------------------------------------------------


def ranking(cube: Cube, funnel: pl.DataFrame, *, locations: Iterable[int] | None = None,
            min_n: int = 5, months: int = WINDOW_MONTHS,
            span: tuple[dt.date, dt.date] | None = None,
            services: Iterable[int] | None = None,
            channels: Iterable[str] | None = None) -> pl.DataFrame:
    """One row per service of the master data over the window (:data:`RANKING_SCHEMA`).

    ``funnel`` is :func:`metrics.funnel.load_funnel`; it has no locations, so its
    completion rate is the same under every location filter. ``span`` (first and last
    month) replaces the window of the last ``months`` months; ``services`` keeps only those
    rows; ``channels`` filter processing time and follow-ups (digital take-up and the cases
    behind it are a share of all channels, so they ignore a channel filter)."""
    if span is None:
        span = window(cube, months)
    elif not cube.is_empty:
        months = (span[1].year - span[0].year) * 12 + span[1].month - span[0].month + 1
    if span is None:
        return pl.DataFrame(schema=RANKING_SCHEMA)
    first, last = span
    w = windowed(cube, first, last)
    locations = _ids(locations)
    by = ("service_id",)

    def kpi(kpi_id: str, prefix: str, grain: str | None = None) -> pl.DataFrame:
        out = compute(kpi_id, w, by, locations=locations, min_n=min_n, grain=grain,
                      services=_ids(services),
                      channels=None if kpi_id == "digital_take_up" else _ids(channels),
                      protect_filters=True)
        return out.select("service_id", pl.col("value").alias(prefix),
                          pl.col("n").alias(f"{prefix}_n"),
                          pl.col("suppressed").alias(f"{prefix}_suppressed"))

    take_up = kpi("digital_take_up", "take_up", "month")
    median = kpi("processing_days_median", "median_days")
    p90 = kpi("processing_days_p90", "p90_days")
    follow_up = kpi("follow_up_rate", "follow_up")
    in_window = funnel.filter(pl.col("month").is_between(first, last))
    completion = completion_rate(in_window, by, min_n).select(
        "service_id", pl.col("value").alias("completion"), pl.col("n").alias("started"),
        pl.col("suppressed").alias("completion_suppressed"))
    every = volume_facts(w, "month")
    # a service's count under a location filter is withheld like its values, where the
    # difference to all locations would give away a withheld location
    guarded = split_pools(every.rename({"cases": "n"}), ["service_id"], locations, min_n)
    facts = every
    if locations is not None:
        facts = facts.filter(pl.col("location_id").is_in(locations))
    coverage = (facts.group_by("service_id", "period").agg(pl.col("cases").sum())
                .filter(pl.col("cases") > 0).group_by("service_id")
                .agg(pl.len().cast(pl.Int64).alias("months_with_data"),
                     # every case, also of months before the service went online, which
                     # digital take-up leaves out (metrics.facts)
                     pl.col("cases").sum().alias("all_cases")))
    rows = cube.services if services is None else cube.services.filter(
        pl.col("service_id").is_in(list(services)))
    out = (rows.select("service_id", "code", "name", "leika_key")
           .join(take_up, on="service_id", how="left")
           .join(median, on="service_id", how="left")
           .join(p90.drop("p90_days_n"), on="service_id", how="left")
           .join(follow_up.drop("follow_up_n"), on="service_id", how="left")
           .join(completion, on="service_id", how="left")
           .join(coverage, on="service_id", how="left")
           .join(guarded, on="service_id", how="left"))
    return out.select(
        "service_id", "code", "name", "leika_key",
        pl.col("all_cases").fill_null(0).alias("cases"),
        (pl.col("all_cases").is_between(1, min_n - 1).fill_null(False)
         | pl.col("withheld").fill_null(False)).alias("cases_suppressed"),
        "take_up", pl.col("take_up_suppressed").fill_null(False),
        # median and P90 rest on the same completed cases: withheld together
        "median_days", "p90_days", pl.col("median_days_n").fill_null(0).alias("completed"),
        pl.col("median_days_suppressed").fill_null(False).alias("days_suppressed"),
        "follow_up", pl.col("follow_up_suppressed").fill_null(False),
        "completion", pl.col("started").fill_null(0),
        pl.col("completion_suppressed").fill_null(False),
        pl.col("months_with_data").fill_null(0), pl.lit(months, pl.Int64).alias("months_total"),
    ).cast(RANKING_SCHEMA).sort(["cases", "name"], descending=[True, False])


# --- one service in detail -----------------------------------------------------------------


@dataclass(frozen=True)
class ServiceDetail:
    """What the page shows for one service (every frame covers every calendar month)."""

    service_id: int
    first: dt.date  # the window of the tiles, the distribution and the follow-up rates
    last: dt.date
    mix: pl.DataFrame  # month, channel, cases, n (month), share, suppressed
    take_up: pl.DataFrame  # month, value, n, suppressed (all sources)
    processing: pl.DataFrame  # month, mode, median, p90, n, suppressed
    distribution: pl.DataFrame  # mode, bin, first_day, last_day, cases, n, share, suppressed
    follow_up: pl.DataFrame  # channel, value, numerator, n, suppressed (window)
    completion: pl.DataFrame  # month, value, numerator, n, suppressed; empty without funnel
    has_funnel: bool  # the store holds any funnel data at all
    closed_share: float | None  # share of the window's cases no longer open
    # family → months withheld only to protect another service (withhold_months)
    protected: dict[str, list[dt.date]] = field(default_factory=dict)


def _on_months(frame: pl.DataFrame, months: pl.DataFrame) -> pl.DataFrame:
    out = months.join(frame.drop("numerator", strict=False), on="month", how="left")
    return out.with_columns(pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False))


def channel_mix(cube: Cube, service_id: int, *, locations: Iterable[int] | None = None,
                min_n: int = 5) -> pl.DataFrame:
    """Share of each channel in the month's cases (every source, every calendar month of the
    cube × every channel the service has); withheld with a month of fewer than ``min_n``."""
    facts = volume_facts(cube, "month").filter(pl.col("service_id") == service_id)
    guarded = split_pools(facts.select(pl.col("period").alias("month"), "location_id",
                                       pl.col("cases").alias("n")),
                          ["month"], _ids(locations), min_n)
    if locations is not None:
        facts = facts.filter(pl.col("location_id").is_in(list(locations)))
    per = facts.group_by(pl.col("period").alias("month"), "channel").agg(pl.col("cases").sum())
    channels = sorted(per.filter(pl.col("cases") > 0)["channel"].unique().to_list(),
                      key=channel_rank)
    grid = _months(cube.months[0], cube.months[-1]).join(
        pl.DataFrame({"channel": channels}, schema={"channel": pl.String}), how="cross")
    out = (grid.join(per, on=["month", "channel"], how="left")
           .with_columns(pl.col("cases").fill_null(0))
           .with_columns(n=pl.col("cases").sum().over("month"))
           .join(guarded, on="month", how="left"))
    small = ((pl.col("n") > 0) & (pl.col("n") < min_n)) | pl.col("withheld").fill_null(False)
    share = pl.when(pl.col("n") > 0).then(pl.col("cases") / pl.col("n"))
    return out.with_columns(share=pl.when(small).then(None).otherwise(share),
                            suppressed=small).with_columns(
        cases=pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("cases"))
    ).drop("withheld")


def mode_channels(cube: Cube) -> dict[str, list[str]]:
    """The channels of each mode, among the channels the cube holds."""
    present = set(cube.volume["channel"].unique().to_list()) | set(
        cube.usage["channel"].unique().to_list())
    online = sorted(DIGITAL_CHANNELS)
    return {"online": online, "offline": sorted(present - set(online), key=channel_rank)}


def processing_by_mode(cube: Cube, service_id: int, *, locations: Iterable[int] | None = None,
                       min_n: int = 5) -> pl.DataFrame:
    """Median and P90 of processing days per month of receipt, online and offline."""
    months = _months(cube.months[0], cube.months[-1])
    frames = []
    for mode, channels in mode_channels(cube).items():
        def one(kpi_id: str, channels: list[str] = channels) -> pl.DataFrame:
            return compute(kpi_id, cube, ("month",), services=[service_id],
                           locations=_ids(locations), channels=channels, min_n=min_n,
                           protect_filters=True)

        median, p90 = one("processing_days_median"), one("processing_days_p90")
        both = _on_months(median, months).join(
            p90.select("month", pl.col("value").alias("p90")), on="month", how="left")
        frames.append(both.select("month", pl.lit(mode).alias("mode"),
                                  pl.col("value").alias("median"), "p90", "n", "suppressed"))
    return pl.concat(frames)


def day_distribution(cube: Cube, service_id: int, *, locations: Iterable[int] | None = None,
                     min_n: int = 5) -> pl.DataFrame:
    """Completed cases of the cube per processing-day class (:data:`DAY_BINS`) online and
    offline; ``share`` is of the mode's completed cases, withheld below ``min_n``."""
    frame = cube.durations.filter(pl.col("service_id") == service_id).with_columns(
        mode=mode_of(pl.col("channel")))
    guarded = split_pools(frame.select("mode", "location_id", pl.col("cases").alias("n")),
                          ["mode"], _ids(locations), min_n)
    if locations is not None:
        frame = frame.filter(pl.col("location_id").is_in(list(locations)))
    binned = frame
    rows = []
    for mode in MODES:
        of_mode = binned.filter(pl.col("mode") == mode)
        for i, (low, high) in enumerate(DAY_BINS):
            inside = pl.col("days") >= low if high is None else pl.col("days").is_between(
                low, high)
            rows.append((mode, i, low, high, int(of_mode.filter(inside)["cases"].sum())))
    out = pl.DataFrame(rows, schema={"mode": pl.String, "bin": pl.Int64, "first_day": pl.Int64,
                                     "last_day": pl.Int64, "cases": pl.Int64}, orient="row")
    out = out.with_columns(n=pl.col("cases").sum().over("mode")).join(guarded, on="mode",
                                                                      how="left")
    small = ((pl.col("n") > 0) & (pl.col("n") < min_n)) | pl.col("withheld").fill_null(False)
    # online + offline add up to the service's completed cases the ranking shows
    modes = out.group_by("mode").agg(pl.col("n").first(), small.any().alias("suppressed"))
    held = protect_parts(modes, "mode", min_n).filter(pl.col("suppressed"))["mode"]
    small = small | pl.col("mode").is_in(held.to_list())
    return out.with_columns(
        share=pl.when(small | (pl.col("n") == 0)).then(None)
        .otherwise(pl.col("cases") / pl.col("n")),
        suppressed=small,
    ).with_columns(cases=pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("cases"))
                   ).drop("withheld")


def _of_channels(cube: Cube, channels: Iterable[str] | None) -> Cube:
    """Processing days of ``channels`` only (the volume, and so the month grid, stays)."""
    if channels is None:
        return cube
    return cube.replace(durations=cube.derive("durations", lambda d: d.filter(
        pl.col("channel").is_in(list(channels)))))


def withhold_months(detail: ServiceDetail, withheld: pl.DataFrame) -> ServiceDetail:
    """The monthly series without the months ``withheld`` (month, family — cases, take_up,
    completed, started — as :func:`metrics.ranking_protection.monthly_withheld` gives them
    for this service): marked withheld, their values gone."""
    def hide(frame: pl.DataFrame, family: str, columns: Sequence[str]) -> pl.DataFrame:
        months = withheld.filter(pl.col("family") == family)["month"].to_list()
        if not months or frame.is_empty():
            return frame
        out = pl.col("month").is_in(months)
        return frame.with_columns(
            *(pl.when(out).then(None).otherwise(pl.col(c)).alias(c) for c in columns),
            (pl.col("suppressed") | out).alias("suppressed"))

    shown = set(detail.mix["month"].to_list())  # the months of the page's span
    secondary = withheld.filter((pl.col("why") == "secondary") & pl.col("month").is_in(shown))
    protected = {f: sorted(secondary.filter(pl.col("family") == f)["month"].to_list())
                 for f in secondary["family"].unique().to_list()}
    return replace(detail, mix=hide(detail.mix, "cases", ("share", "cases")),
                   take_up=hide(detail.take_up, "take_up", ("value",)),
                   processing=hide(detail.processing, "completed", ("median", "p90")),
                   completion=hide(detail.completion, "started", ("value",)),
                   protected=protected)


def detail(cube: Cube, funnel: pl.DataFrame, service_id: int, *,
           locations: Iterable[int] | None = None, min_n: int = 5,
           months: int = WINDOW_MONTHS, span: tuple[dt.date, dt.date] | None = None,
           channels: Iterable[str] | None = None) -> ServiceDetail:
    """Everything the page shows for ``service_id`` (the cube must hold cases).

    ``span`` (first and last month) replaces the window of the last ``months`` months and
    limits the monthly series to it; ``channels`` filter processing time, its distribution
    and follow-ups (the channel mix and digital take-up are shares of all channels)."""
    full = window(cube, months)
    if full is None:
        raise ValueError("the cube holds no cases")
    first, last = span or full
    locations = _ids(locations)
    w = windowed(cube, first, last)
    all_months = _months(cube.months[0], cube.months[-1])
    take_up = compute("digital_take_up", cube, ("period",), services=[service_id],
                      locations=locations, min_n=min_n, grain="month",
                      protect_filters=True).rename({"period": "month"})
    follow_up = compute("follow_up_rate", w, ("channel",), services=[service_id],
                        locations=locations, channels=_ids(channels), min_n=min_n,
                        protect_filters=True)
    follow_up = follow_up.sort(pl.col("channel").map_elements(channel_rank,
                                                              return_dtype=pl.Int64))
    # the channels add up to the service's completed cases the ranking shows
    raw = compute("follow_up_rate", w, ("channel",), services=[service_id],
                  locations=locations, channels=_ids(channels), min_n=1)
    flags = protect_parts(follow_up.drop("numerator", strict=False).join(
        raw.select("channel", "numerator"), on="channel", how="left"), "channel", min_n)
    follow_up = follow_up.drop("suppressed").join(flags, on="channel", how="left").with_columns(
        *(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("value", "numerator") if c in follow_up.columns))
    own = funnel.filter(pl.col("service_id") == service_id)
    completion = (_on_months(completion_rate(own, ("month",), min_n), all_months)
                  if not own.is_empty() else completion_rate(own, ("month",), min_n))
    volume = w.volume.filter(pl.col("service_id") == service_id)
    if locations is not None:
        volume = volume.filter(pl.col("location_id").is_in(locations))
    cases = volume["cases"].sum()
    out = ServiceDetail(
        service_id=service_id, first=first, last=last,
        mix=channel_mix(cube, service_id, locations=locations, min_n=min_n),
        take_up=_on_months(take_up, all_months),
        processing=processing_by_mode(_of_channels(cube, channels), service_id,
                                      locations=locations, min_n=min_n),
        distribution=day_distribution(_of_channels(w, channels), service_id,
                                      locations=locations, min_n=min_n),
        follow_up=follow_up, completion=completion, has_funnel=not funnel.is_empty(),
        closed_share=1 - volume["open"].sum() / cases if cases else None,
    )
    if span is None:
        return out
    inside = pl.col("month").is_between(first, last)
    return replace(out, mix=out.mix.filter(inside), take_up=out.take_up.filter(inside),
                   processing=out.processing.filter(inside),
                   completion=out.completion.filter(inside))


def option_label(service: dict) -> str:
    """"Wohnsitz anmelden (99115001001000)": typing part of either finds the service."""
    return f"{service['name']} ({service['leika_key']})" if service["leika_key"] \
        else service["name"]


def find_service(value: str | None, services: pl.DataFrame) -> int | None:
    """The service a URL value names: its name (as the overview's filter writes it), its
    :func:`option_label`, its LeiKa key or its service number; case and surrounding blanks
    do not matter. None when nothing matches."""
    if not value or not value.strip():
        return None
    wanted = value.strip().casefold()
    for row in services.iter_rows(named=True):
        candidates = (row["name"], option_label(row), row["leika_key"], row["code"])
        if any(c and c.strip().casefold() == wanted for c in candidates):
            return row["service_id"]
    return None


def interventions_for(pilots: Sequence, service_id: int) -> list[tuple[dt.date, str, str]]:  # noqa: ANN001
    """Maßnahmen of every configured pilot that covers the service as (date, label, pilot
    name), in date order; ``pilots`` are :class:`metrics.pilot_config.PilotDefinition`."""
    out = {(i.date, i.label, p.name) for p in pilots
           if service_id in p.pilot.service_ids for i in p.interventions}
    return sorted(out)
