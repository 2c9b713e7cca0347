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
