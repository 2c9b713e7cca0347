"""The one engine: every KPI of the catalogue is computed by these pure polars functions.

Inputs are cube frames (counts per group, or counts per whole-day value); outputs have the
grouping columns plus ``n`` (the cases the value rests on), ``value`` and ``suppressed``.
A zero denominator gives no value (null), never 0 % and never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import polars as pl

from metrics.catalogue import KPIS, KpiDef
from metrics.cube import Cube
from metrics.facts import online_only, standard_facts, volume_facts
from metrics.periods import Grain, period_start

_ONE = "__all__"  # grouping helper when no grouping column is asked for


def ratio(frame: pl.DataFrame, by: Sequence[str], numerator: str, denominator: str) -> pl.DataFrame:
    """Σ numerator / Σ denominator per group — never a mean of ratios."""
    keys = list(by) or [_ONE]
    grouped = (
        frame.with_columns(pl.lit(1).alias(_ONE)) if not by else frame
    ).group_by(keys, maintain_order=False).agg(
        pl.col(numerator).sum().alias("numerator"), pl.col(denominator).sum().alias("n")
    )
    out = grouped.with_columns(
        value=pl.when(pl.col("n") > 0)
        .then(pl.col("numerator").cast(pl.Float64) / pl.col("n"))
        .otherwise(None)
    )
    return _finish(out, by)


def percentile(
    frame: pl.DataFrame, by: Sequence[str], q: float, value: str = "days", weight: str = "cases"
) -> pl.DataFrame:
    """Nearest-rank percentile from counts per value: the smallest value whose cumulative
    count reaches ceil(q · N). Exact at the data's resolution (whole days)."""
    if not 0 < q <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {q}")
    keys = list(by) or [_ONE]
    base = frame.with_columns(pl.lit(1).alias(_ONE)) if not by else frame
    base = base.filter(pl.col(weight) > 0)
    collapsed = base.group_by([*keys, value]).agg(pl.col(weight).sum()).sort([*keys, value])
    ranked = collapsed.with_columns(
        cum=pl.col(weight).cum_sum().over(keys),
        n=pl.col(weight).sum().over(keys),
    ).with_columns(rank=(pl.col("n").cast(pl.Float64) * q).ceil().clip(lower_bound=1))
    out = (
        ranked.filter(pl.col("cum") >= pl.col("rank"))
        .group_by(keys)
        .agg(pl.col(value).first().cast(pl.Float64).alias("value"), pl.col("n").first())
    )
    return _finish(out, by)


def _finish(frame: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    frame = frame.drop(_ONE, strict=False).with_columns(
        pl.col("n").cast(pl.Int64), suppressed=pl.lit(False)
    )
    return frame.sort(list(by)) if by else frame


def suppress(frame: pl.DataFrame, min_n: int) -> pl.DataFrame:
    """Small-number suppression: a value resting on 1 … min_n−1 cases is withheld."""
    small = (pl.col("n") > 0) & (pl.col("n") < min_n)
    cols = [pl.when(small).then(None).otherwise(pl.col("value")).alias("value"),
            small.alias("suppressed")]
    if "numerator" in frame.columns:
        cols.append(pl.when(small).then(None).otherwise(pl.col("numerator")).alias("numerator"))
    return frame.with_columns(cols)


def _filtered(
    frame: pl.DataFrame,
    services: Iterable[int] | None,
    locations: Iterable[int] | None,
    channels: Iterable[str] | None,
) -> pl.DataFrame:
    for column, wanted in (("service_id", services), ("location_id", locations),
                           ("channel", channels)):
        if wanted is not None:
            frame = frame.filter(pl.col(column).is_in(list(wanted)))
    return frame


SERVICE_DIMENSIONS = ("department",)
LOCATION_DIMENSIONS = ("district", "kind")
# the municipality (AGS) of a cube loaded for several: ``load_cube(engine, ["…", "…"])``
TENANT = "tenant"


def _source(kpi: KpiDef, cube: Cube, grain: Grain | None, fiscal_start_month: int
            ) -> pl.DataFrame:
    """The cube frame a KPI reads; with a ``grain``, facts of every source in a ``period``
    column (case-level months and aggregated usage statistics, never counted twice)."""
    if kpi.cube == "standards":  # cases against their target, else delivered statistics
        # (a standard counts only with both figures, else Σ/Σ would mix different rows)
        return standard_facts(cube, grain or "month", fiscal_start_month)
    if kpi.cube == "open_cases":  # a snapshot on cube.as_of: no months, no periods
        if grain is not None:
            raise ValueError(f"{kpi.id} is a snapshot on the data's newest date; no grain")
        return cube.open_cases
    if grain is None:
        if kpi.online_only:
            return online_only(cube)[0]
        return getattr(cube, kpi.cube)
    if kpi.cube == "volume":
        return volume_facts(cube, grain, fiscal_start_month, online=kpi.online_only)
    return getattr(cube, kpi.cube).with_columns(
        period=period_start(pl.col("month"), grain, fiscal_start_month))


def _with_dimensions(frame: pl.DataFrame, cube: Cube, by: Sequence[str]) -> pl.DataFrame:
    """Join the master-data dimensions a grouping asks for (department, district …)."""
    wanted = [d for d in by if d in SERVICE_DIMENSIONS]
    if wanted:
        frame = frame.join(cube.services.select("service_id", *wanted), on="service_id",
                           how="left")
    wanted = [d for d in by if d in LOCATION_DIMENSIONS]
    if wanted:
        frame = frame.join(cube.locations.select("location_id", *wanted), on="location_id",
                           how="left")
    if TENANT in by:  # by service where the frame has one, else by location (waits)
        key, tenants = (("service_id", cube.service_tenants) if "service_id" in frame.columns
                        else ("location_id", cube.location_tenants))
        frame = frame.join(tenants, on=key, how="left")
    return frame


def compute(
    kpi: KpiDef | str,
    cube: Cube,
    by: Sequence[str] = ("month",),
    *,
    services: Iterable[int] | None = None,
    locations: Iterable[int] | None = None,
    channels: Iterable[str] | None = None,
    min_n: int = 1,
    grain: Grain | None = None,
    fiscal_start_month: int = 1,
    protect_filters: bool = False,
) -> pl.DataFrame:
    """Compute one catalogue KPI on the cube, grouped ``by`` cube dimensions, then suppress.

    Without ``grain`` the case-level cube is grouped by ``month``; with a grain (month,
    quarter, year, fiscal_year) every source counts and the period column is ``period``.
    ``protect_filters`` also withholds a filtered view (services, locations, channels) that
    would let a withheld cell be recomputed as the difference to another view — see
    :mod:`metrics.disclosure`.
    """
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if kpi.computed_by is not None:
        raise ValueError(f"{kpi.id} is computed by {kpi.computed_by}, not by the engine")
    min_n = kpi.effective_min_n(min_n)
    frame = _source(kpi, cube, grain, fiscal_start_month)
    frame = _with_dimensions(_filtered(frame, services, locations, channels), cube, by)
    if kpi.kind == "ratio":
        assert kpi.numerator and kpi.denominator
        out = ratio(frame, by, kpi.numerator, kpi.denominator)
    elif kpi.kind == "percentile":
        assert kpi.quantile is not None
        out = percentile(frame, by, kpi.quantile, value=kpi.measure or "days")
    else:  # pragma: no cover - the catalogue only holds the kinds above
        raise ValueError(f"unknown KPI kind {kpi.kind!r}")
    out = suppress(out, min_n)
    if protect_filters and min_n > 1:
        filters = {"services": services, "locations": locations, "channels": channels}
        for name, key in (("services", "service_id"), ("locations", "location_id"),
                          ("channels", "channel")):
            if filters[name] is not None:
                out = _guard(out, kpi, cube, by, key, filters | {name: None},
                             list(filters[name]), min_n, grain, fiscal_start_month)
    return out


def _guard(out: pl.DataFrame, kpi: KpiDef, cube: Cube, by: Sequence[str], key: str,
           filters: dict, selected: list, min_n: int, grain: Grain | None,
           fiscal_start_month: int) -> pl.DataFrame:
    """Withhold the groups of ``out`` whose filter on ``key`` splits that dimension's pool of
    withheld cells (metrics.disclosure.guard_selection)."""
    from metrics.cube import remember
    from metrics.disclosure import pools, select_pooled

    if key in by:  # the view is a table along the key itself: protect_table's business
        return out

    def pooled() -> pl.DataFrame:  # the same for every selection of ``key``
        cells = compute(kpi, cube, (*by, key), min_n=1, grain=grain,
                        fiscal_start_month=fiscal_start_month, **filters)
        return pools(cells, key, list(by), min_n)

    # kept with the cube: each entry is a table of the view's groups × the key's values
    # (a few thousand rows), at most 64 of them per cube (and per window of it)
    frozen = tuple((name, None if v is None else tuple(v)) for name, v in filters.items())
    withheld = select_pooled(
        remember(cube, ("guard", kpi.id, tuple(by), key, frozen, min_n, grain,
                        fiscal_start_month), pooled, keep=64), key, selected, list(by))
    if withheld.is_empty():
        return out
    if by:
        joined = out.join(withheld, on=list(by), how="left", nulls_equal=True).sort(list(by))
    else:
        joined = out.with_columns(withheld=pl.lit(bool(withheld["withheld"].any())))
    flag = pl.col("withheld").fill_null(False)
    nulls = [pl.when(flag).then(None).otherwise(pl.col(c)).alias(c)
             for c in ("value", "numerator") if c in out.columns]
    return joined.with_columns(*nulls, suppressed=pl.col("suppressed") | flag).drop("withheld")


def nearest_rank(values: Sequence[float], q: float) -> float:
    """Reference implementation on raw values, used to cross-check the count-based one."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def service_attributes(cube: Cube) -> pl.DataFrame:
    """Services with their mapped attributes as columns, to choose KPI subsets, e.g.
    ``service_attributes(cube).filter(pl.col("scope").str.contains("EXTERN"))``."""
    services = cube.services
    if services.is_empty() or services["attributes"].null_count() == services.height:
        return services.drop("attributes", strict=False)
    decoded = services["attributes"].str.json_decode(infer_schema_length=None)
    return services.drop("attributes").with_columns(decoded.alias("__attrs")).unnest("__attrs")


def suppress_complementary(frame: pl.DataFrame, group: Sequence[str], min_n: int) -> pl.DataFrame:
    """Secondary suppression for a table whose group total is published as well.

    If exactly one cell of a group is withheld, total minus the other cells would reveal
    it; so the smallest other cell with a value is withheld too. ``frame`` holds the cells
    (``n``, ``value``, optionally ``numerator``) after :func:`suppress` with ``min_n``.

    What it guarantees: every group with a withheld cell and another cell with cases has
    at least two withheld cells. What it does not: a group whose only cell is withheld
    (withhold the total); two withheld cells that still give themselves away by their sums
    (both numerators 0 → both 0 %, both n = 1), or a partner whose count another published
    table bounds. :func:`metrics.open_data.protect` covers those, for the open-data feed.
    """
    frame = suppress(frame, min_n) if "suppressed" not in frame.columns else frame
    keys = list(group) or [_ONE]
    base = frame.with_columns(pl.lit(1).alias(_ONE)) if not group else frame
    base = base.with_row_index("__row")
    shown = ~pl.col("suppressed") & (pl.col("n") > 0)
    lonely = pl.col("suppressed").sum().over(keys) == 1
    smallest = (pl.when(shown).then(pl.col("n")).otherwise(None).min().over(keys)
                == pl.col("n"))
    # one cell per group: the first of equally small ones
    first = pl.when(shown & lonely & smallest).then(pl.col("__row")).min().over(keys) \
        == pl.col("__row")
    extra = shown & lonely & smallest & first
    cols = [pl.when(extra).then(None).otherwise(pl.col("value")).alias("value"),
            (pl.col("suppressed") | extra).alias("suppressed")]
    if "numerator" in base.columns:
        cols.append(pl.when(extra).then(None).otherwise(pl.col("numerator")).alias("numerator"))
    return base.with_columns(cols).drop("__row", _ONE, strict=False)
