"""Supply-side digitalisation (Angebotsquote): which services are offered online at all,
and which end to end — by count of services and weighted by their transactions.

Two ways a store can know it, used in this order:
- stage attributes (as in Canada's inventory): ``online_application`` = Y/N, and the stages
  ``STAGES`` each Y, N or NA (not applicable). Offered online: the application stage is
  online. End to end: every applicable stage is online (NA counts as not applicable), the
  application stage included. Services whose application stage is NA (information
  services) are outside the denominator.
- ``online_since`` of the master data (as the sample city has): offered online when the
  date lies on or before the period's end, not offered when it lies later or the master
  data say "nie" (:data:`connectors.store.NEVER_ONLINE`); without a date it is unknown and
  outside the denominator (like an application stage NA). End to end is then unknown.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.cube import Cube
from metrics.facts import volume_facts
from metrics.kpis import service_attributes
from metrics.periods import Grain

STAGES = ("online_account_registration", "online_authentication", "online_application",
          "online_decision", "online_issuance", "online_feedback")


def offer_flags(cube: Cube, as_of: dt.date) -> pl.DataFrame:
    """service_id, online (bool or null = unknown / not applicable), end_to_end."""
    services = service_attributes(cube)
    if "online_application" in services.columns:
        stages = [s for s in STAGES if s in services.columns]
        app = pl.col("online_application")
        applicable = app.is_in(["Y", "N"])
        e2e = pl.all_horizontal([pl.col(s).is_in(["Y", "NA"]) | pl.col(s).is_null()
                                 for s in stages]) & (app == "Y")
        return services.select(
            "service_id",
            pl.when(applicable).then(app == "Y").alias("online"),
            pl.when(applicable).then(e2e).alias("end_to_end"),
        )
    return services.select(
        "service_id",
        (pl.col("online_since") <= as_of).alias("online"),  # null date → null: unknown
        pl.lit(None, pl.Boolean).alias("end_to_end"),
    )


def supply_side(
    cube: Cube,
    period: dt.date,
    *,
    grain: Grain = "year",
    fiscal_start_month: int = 1,
    services: list[int] | None = None,
) -> dict[str, float | int | None]:
    """Shares for the services with transactions in ``period`` (or the given ones)."""
    facts = volume_facts(cube, grain, fiscal_start_month).filter(pl.col("period") == period)
    volume = facts.group_by("service_id").agg(pl.col("cases").sum().alias("volume"))
    if services is not None:
        volume = volume.filter(pl.col("service_id").is_in(services))
    end = facts["period"].max() if facts.height else period
    flags = volume.join(offer_flags(cube, _period_end(end, grain)), on="service_id",
                        how="left")
    out: dict[str, float | int | None] = {"services": flags.height}
    for name in ("online", "end_to_end"):
        known = flags.filter(pl.col(name).is_not_null())
        yes = known.filter(pl.col(name))
        out[f"{name}_services"] = yes.height
        out[f"{name}_known"] = known.height
        out[f"{name}_share"] = yes.height / known.height if known.height else None
        weight = known["volume"].sum()
        out[f"{name}_volume_share"] = yes["volume"].sum() / weight if weight else None
        # the measures of the catalogue's supply KPIs (metrics.catalogue, cube "supply")
        out[f"{name}_services_known"] = known.height
        out[f"{name}_volume"] = int(yes["volume"].sum())
        out[f"{name}_volume_known"] = int(weight)
    return out


def _period_end(start: dt.date, grain: Grain) -> dt.date:
    from metrics.periods import period_end

    return pl.select(period_end(pl.lit(start), grain)).item()


# --- over a span of months, for the Leistungen page -------------------------------------------

VARIANTS = ("online", "end_to_end")
SPAN_SCHEMA = {"kpi": pl.String, "variant": pl.String, "weighted": pl.Boolean,
               "numerator": pl.Int64, "denominator": pl.Int64, "value": pl.Float64,
               "services": pl.Int64, "known": pl.Int64}


def kpi_id(variant: str, weighted: bool) -> str:
    """The catalogue's id: ``online_offer_share``, ``end_to_end_offer_share_by_volume`` …"""
    return f"{variant}_offer_share" + ("_by_volume" if weighted else "")


def span_supply(cases: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    """Both supply shares of the services with transactions in a span, by services and by
    transactions (:data:`SPAN_SCHEMA`, one row per variant and weighting; ``value`` is null
    without a denominator). ``cases``: service_id, cases — the span's transactions, every
    source once (:func:`metrics.service_view.ranking`'s count, so the volume shares rest on
    the cells its disclosure control protects); ``flags``: :func:`offer_flags` as of the
    span's end. ``known``: services with transactions whose state is known (coverage)."""
    rows = cases.filter(pl.col("cases") > 0).join(flags, on="service_id", how="left")
    out = []
    for variant in VARIANTS:
        known = rows.filter(pl.col(variant).is_not_null())
        yes = known.filter(pl.col(variant))
        for weighted in (False, True):
            num = int(yes["cases"].sum()) if weighted else yes.height
            den = int(known["cases"].sum()) if weighted else known.height
            out.append((kpi_id(variant, weighted), variant, weighted, num, den,
                        num / den if den else None, rows.height, known.height))
    return pl.DataFrame(out, schema=SPAN_SCHEMA, orient="row")


def offer_groups(flags: pl.DataFrame) -> pl.DataFrame:
    """service_id, group: the services alike in both variants (offered online yes / no /
    unknown × end to end yes / no / unknown). Every volume share's numerator and denominator
    is a sum of whole groups, so a table protected within each group
    (:mod:`metrics.ranking_protection`) is protected for them too."""
    def code(column: str) -> pl.Expr:
        return pl.when(pl.col(column).is_null()).then(pl.lit("?")).when(
            pl.col(column)).then(pl.lit("y")).otherwise(pl.lit("n"))

    return flags.select("service_id", pl.concat_str(code("online"), code("end_to_end"))
                        .alias("group"))


def span_cases(cube: Cube, first: dt.date, last: dt.date, *,
               services: list[int] | None = None,
               locations: list[int] | None = None) -> pl.DataFrame:
    """service_id, cases: the transactions of months ``first`` … ``last`` per service, every
    source once per month (the count :func:`metrics.service_view.ranking` shows)."""
    from metrics.service_view import windowed

    facts = volume_facts(windowed(cube, first, last), "month")
    if locations is not None:
        facts = facts.filter(pl.col("location_id").is_in(locations))
    if services is not None:
        facts = facts.filter(pl.col("service_id").is_in(services))
    return facts.group_by("service_id").agg(pl.col("cases").sum().cast(pl.Int64))


def withhold_volume(shares: pl.DataFrame, groups_withheld: frozenset[str],
                    min_n: int) -> pl.DataFrame:
    """The shares with ``withheld``: "primary" for a share by transactions resting on fewer
    than ``min_n`` of them, "secondary" where a sum it is made of (a group of
    :func:`offer_groups`, ``cases@<group>`` in ``groups_withheld``) must be withheld to
    protect a service's count; null where it is shown. Withheld shares lose their numbers."""
    position = {"online": 0, "end_to_end": 1}
    out = []
    for r in shares.iter_rows(named=True):
        why = None
        if r["weighted"]:
            at = position[r["variant"]]
            hit = [g for g in groups_withheld if g.startswith("cases@")
                   and g.removeprefix("cases@")[at] != "?"]
            if 0 < r["denominator"] < min_n:
                why = "primary"
            elif hit:
                why = "secondary"
        out.append(why)
    gone = pl.col("withheld").is_not_null()
    return shares.with_columns(pl.Series("withheld", out, dtype=pl.String)).with_columns(
        *(pl.when(gone).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("numerator", "denominator", "value")))
