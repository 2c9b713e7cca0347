"""User satisfaction from survey feedback: top-2-box share, mean rating and GOV.UK's score,
always with n, a 95 % interval and small-cell suppression.

- ``top2_share`` = ratings 4–5 / all ratings (top-2-box), with a Wilson score interval
  (``top2_lo``, ``top2_hi``; good for small n and shares near 0 or 1, unlike p ± 1.96·se).
- ``mean_rating`` on the 1–5 scale, with a Student-t interval: mean ± t(0.975, n−1)·s/√n,
  clipped to the scale [1, 5]. n is the number of ratings, so for n ≥ 30 it is as good as
  the normal approximation; below, t is wider and honest about it.
- ``score`` = (mean − 1) / 4, GOV.UK's satisfaction score on 0–1 (``score_lo``/``score_hi``
  from the mean's interval).
- Cells with ``n < min_n`` ratings keep their n but lose every value and get ``suppressed``
  (DOMAIN.md: no published number may single out a person).

``n`` counts ratings, not responses: one response rates up to six topics. Group or filter
by ``topic`` (usually ``topic == "overall"`` for the headline number) — grouping without it
pools the ratings of all topics.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping

import polars as pl
from sqlalchemy import Engine, func, select

from connectors.scrub import scrub
from connectors.store import Feedback
from connectors.tenants import Tenants, tenant_filter
from metrics.sql import query_frame

log = logging.getLogger(__name__)

DIMENSIONS = ("month", "service_id", "location_id", "channel", "topic")
Z95 = 1.959963984540054
# t(0.975, df) for df = 1 … 30 (checked against a numerical integration of the t density);
# above 30 the Cornish–Fisher expansion below is exact to 1e-6.
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
         2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
         2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
         2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)

_FRAME_SCHEMA = {"submitted_on": pl.Date, "month": pl.Date, "service_id": pl.Int64,
                 "location_id": pl.Int64, "channel": pl.String, "topic": pl.String,
                 "rating": pl.Int64}
# the value columns of a row (withheld together)
VALUES = ("top2_share", "top2_lo", "top2_hi", "mean_rating", "mean_lo", "mean_hi", "score",
          "score_lo", "score_hi")


def t975(df: int) -> float:
    """Two-sided 95 % quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z, v = Z95, float(df)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4))


def load_feedback(engine: Engine, ags: Tenants = None) -> pl.DataFrame:
    """Every rating of municipality ``ags`` (None: SERVICEPULS_AGS; comments stay in the
    store), with the month it was given in."""
    f = Feedback.__table__.c
    query = select(f.submitted_on, f.service_id, f.location_id, f.channel, f.topic,
                   f.rating).where(tenant_filter(Feedback, ags), f.rating.is_not(None))
    frame = query_frame(engine, query,
                        {k: v for k, v in _FRAME_SCHEMA.items() if k != "month"})
    return frame.with_columns(month=pl.col("submitted_on").dt.truncate("1mo")).select(
        *_FRAME_SCHEMA)


def feedback_extent(engine: Engine, ags: Tenants = None
                    ) -> tuple[tuple[dt.date, dt.date] | None, tuple[str, ...]]:
    """First and last month with a rating of municipality ``ags``, and the channels rated —
    what the global filters need of :func:`load_feedback`'s frame (the span of its
    ``month``, its ``channel`` values), from ``min``/``max``/``DISTINCT`` instead of every
    rating."""
    f = Feedback.__table__.c
    rated = (tenant_filter(Feedback, ags), f.rating.is_not(None))
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(f.submitted_on), func.max(f.submitted_on))
                                   .where(*rated)).one()
        channels = conn.execute(select(f.channel).where(*rated, f.channel.is_not(None))
                                .distinct()).scalars().all()
    span = None if first is None else (first.replace(day=1), last.replace(day=1))
    return span, tuple(sorted(channels))


def satisfaction(frame: pl.DataFrame, by: list[str], min_n: int = 5) -> pl.DataFrame:
    """One row per group of ``by`` (any of :data:`DIMENSIONS`; empty = one total row)."""
    unknown = [c for c in by if c not in DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot group satisfaction by {unknown}; allowed: {DIMENSIONS}")
    rating = pl.col("rating")
    aggs = [pl.len().alias("n"), (rating >= 4).sum().alias("top2"),
            rating.cast(pl.Float64).mean().alias("mean_rating"),
            rating.cast(pl.Float64).std(ddof=1).alias("sd")]
    rated = frame.filter(rating.is_not_null())
    cells = rated.group_by(by).agg(aggs).sort(by, nulls_last=True) if by else rated.select(aggs)
    cells = cells.with_columns(pl.col("n").cast(pl.Int64), pl.col("top2").cast(pl.Int64))
    t = {n: t975(n - 1) for n in cells.get_column("n").unique().to_list() if n >= 2}
    n = pl.col("n").cast(pl.Float64)
    p = pl.col("top2") / n
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n**2)).sqrt()
    mean_half = (pl.col("n").replace_strict(t, default=None, return_dtype=pl.Float64)
                 * pl.col("sd") / n.sqrt())
    cells = cells.with_columns(
        top2_share=p, top2_lo=(centre - half).clip(0.0, 1.0),
        top2_hi=(centre + half).clip(0.0, 1.0),
        mean_lo=(pl.col("mean_rating") - mean_half).clip(1.0, 5.0),
        mean_hi=(pl.col("mean_rating") + mean_half).clip(1.0, 5.0),
    ).with_columns(
        score=(pl.col("mean_rating") - 1) / 4, score_lo=(pl.col("mean_lo") - 1) / 4,
        score_hi=(pl.col("mean_hi") - 1) / 4,
    )
    small = pl.col("n") < min_n
    return cells.select(
        *by, "n",
        *[pl.when(~small).then(pl.col(c)).alias(c) for c in VALUES],
        small.alias("suppressed"),
    )


def guarded(frame: pl.DataFrame, by: list[str], min_n: int,
            filters: Mapping[str, Collection | None]) -> pl.DataFrame:
    """:func:`satisfaction` of the ratings the ``filters`` choose (column → wanted values,
    None: all), plus ``protected``: groups withheld although they rest on ``min_n`` ratings
    or more, because the filter holds part of what the unfiltered table withholds — the
    cross-filter defence of :func:`metrics.kpis.compute` (``protect_filters``) for ratings
    (:func:`metrics.disclosure.guard_selection`): "all but one location" minus "all" must
    not give a small location's ratings back."""
    from metrics.disclosure import guard_selection

    out = satisfaction(chosen(frame, filters), by, min_n).with_columns(
        protected=pl.lit(False))
    for column, wanted in filters.items():
        if wanted is None:
            continue
        others = chosen(frame, {**filters, column: None}).filter(
            pl.col("rating").is_not_null())
        cells = others.group_by([*by, column]).agg(pl.len().cast(pl.Int64).alias("n"))
        held = guard_selection(cells, column, list(wanted), by, min_n)
        if held.is_empty():
            continue
        if by:
            out = out.join(held, on=by, how="left", nulls_equal=True)
        else:
            out = out.with_columns(withheld=pl.lit(bool(held["withheld"].any())))
        out = withhold(out, pl.col("withheld").fill_null(False)).drop("withheld")
    return out


def withhold(rows: pl.DataFrame, flag: pl.Expr) -> pl.DataFrame:
    """``rows`` (with ``protected``) with the rows ``flag`` picks withheld — values nulled,
    ``suppressed``, and ``protected`` where not small already ("geschützt"); rows without
    ratings stay missing."""
    flag = flag & (pl.col("n") > 0)
    return rows.with_columns(
        *(pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in VALUES),
        (pl.col("protected") | (flag & ~pl.col("suppressed"))).alias("protected"),
        (pl.col("suppressed") | flag).alias("suppressed"))


def monthly(frame: pl.DataFrame, group: list[str], min_n: int,
            filters: Mapping[str, Collection | None]) -> pl.DataFrame:
    """:func:`guarded` by ``*group, month`` over every month of ``frame``, protected along
    the months like a row of :mod:`metrics.ranking_protection`'s grid: where a group's
    withheld months could be given back by the total of a span holding them all (one
    alone, a count its mark fixes, top-2 ratings none or all of them), further months are
    withheld — the nearest to a withheld one first, then the smallest — so that a window
    holding all of them may show its total (:func:`span_withheld`)."""
    from metrics.open_data import sum_safe

    rows = guarded(frame, [*group, "month"], min_n, filters)
    top2 = (chosen(frame, filters).filter(pl.col("rating").is_not_null())
            .group_by([*group, "month"]).agg((pl.col("rating") >= 4).sum().cast(pl.Int64)
                                             .alias("top2")))
    rows = rows.join(top2, on=[*group, "month"], how="left", nulls_equal=True)
    partners: list[tuple] = []
    keyed = rows.group_by(group, maintain_order=True) if group else [((), rows)]
    for key, part in keyed:
        cells = part.filter(pl.col("n") > 0).to_dicts()
        held = [c for c in cells if c["suppressed"]]
        if not held:
            continue

        def safe(chosen: list[dict]) -> bool:
            return sum_safe([c["n"] for c in chosen], min_n, [c["top2"] for c in chosen])

        origin = [h["month"] for h in held]

        def distance(c: dict, origin: list[dt.date] = origin) -> tuple:
            return min(abs((c["month"] - m).days) for m in origin), c["n"], c["month"]

        for c in sorted((c for c in cells if not c["suppressed"]), key=distance):
            if safe(held):
                break
            held.append(c)
            partners.append((*tuple(key), c["month"]))
    if not partners:
        return rows
    extra = pl.DataFrame(partners, schema=[*group, "month"], orient="row").with_columns(
        pl.lit(True).alias("__partner"))
    rows = rows.join(extra, on=[*group, "month"], how="left", nulls_equal=True)
    return withhold(rows, pl.col("__partner").fill_null(False)).drop("__partner")


def span_withheld(frame: pl.DataFrame, group: list[str], first: dt.date, last: dt.date,
                  min_n: int, filters: Mapping[str, Collection | None],
                  months: pl.DataFrame | None = None) -> set[tuple]:
    """The groups (tuples of ``group``'s values) whose total over the months ``first`` …
    ``last`` would give back months their monthly series withholds (:func:`monthly`): the
    partition rule of :mod:`metrics.ranking_protection` — a span shows a group's total only
    if it holds none of its withheld months, or all of them while their sum pins none down
    (two or more, the count of each not fixed by its mark, the top-2 ratings not none or
    all of them). ``months``: :func:`monthly` of the same arguments, if the caller has it."""
    from metrics.open_data import span_gives_away, sum_safe

    rows = monthly(frame, group, min_n, filters) if months is None else months
    held = rows.filter(pl.col("suppressed") & (pl.col("n") > 0))
    out = set()
    for key, part in held.group_by(group, maintain_order=True) if group else [((), held)]:
        safe = sum_safe(part["n"].to_list(), min_n, part["top2"].to_list())
        if span_gives_away(part["month"].to_list(), safe, first, last):
            out.add(tuple(key))
    return out


def chosen(frame: pl.DataFrame, filters: Mapping[str, Collection | None]) -> pl.DataFrame:
    """The ratings the ``filters`` choose (column → wanted values, None: all)."""
    for column, wanted in filters.items():
        if wanted is not None:
            frame = frame.filter(pl.col(column).is_in(list(wanted)))
    return frame


def comments(
    engine: Engine,
    limit: int = 50,
    *,
    service_id: int | None = None,
    location_id: int | None = None,
    channel: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    ags: Tenants = None,
) -> pl.DataFrame:
    """The newest comments of municipality ``ags`` (None: SERVICEPULS_AGS) for display,
    with month (not day), service, location, channel, topic and the rating they came with.

    Comments were scrubbed of e-mail addresses, IBANs and phone numbers on import; they are
    scrubbed again here, so comments stored before a pattern was improved are shown with
    today's patterns."""
    f = Feedback.__table__.c
    query = select(f.submitted_on, f.service_id, f.location_id, f.channel, f.topic, f.rating,
                   f.comment).where(tenant_filter(Feedback, ags), f.comment.is_not(None),
                                    f.comment != "")
    for column, value in ((f.service_id, service_id), (f.location_id, location_id),
                          (f.channel, channel)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(f.submitted_on >= since)
    if until is not None:
        query = query.where(f.submitted_on <= until)
    query = query.order_by(f.submitted_on.desc(), f.id.desc()).limit(max(0, limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    schema = {k: v for k, v in _FRAME_SCHEMA.items() if k != "month"} | {"comment": pl.String}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.select(pl.col("submitted_on").dt.truncate("1mo").alias("month"),
                        "service_id", "location_id", "channel", "topic", "rating",
                        scrub(pl.col("comment")).alias("comment"))

