"""Cost per transaction and staff hours freed, from configured cost and effort per channel.

The city writes what a transaction costs and how long staff work on it, per channel, in a
TOML file (``SERVICEPULS_COSTS_FILE``, default ``<data_dir>/kosten.toml``); services may
differ (by service number or LeiKa key)::

    [channel.online]               # Kanal: online, in_person, phone, post, email, video,
    cost_eur = 4.10                #        assisted_digital, fax, other
    minutes = 5                    # Bearbeitungsminuten je Vorgang

    [channel.in_person]
    cost_eur = 19.80
    minutes = 20

    [[service]]                    # abweichende Werte einer Leistung (optional)
    code = "L001"                  # Leistungsnummer — oder leika_key = "99102013104000"
    [service.channel.in_person]
    cost_eur = 27.50               # nur, was abweicht; der Rest kommt vom Kanal
    minutes = 25

Definitions (GOV.UK service manual, DOMAIN.md):

- **Cost per transaction** = Σ (transactions × cost per transaction of their service and
  channel) / Σ transactions, over the chosen months (GOV.UK: the last 12). Transactions of a
  channel without a cost rate count in neither sum and are reported (``cases_without_cost``).
- **Staff hours freed** = Σ digital transactions × (minutes per in-person transaction −
  minutes per digital transaction) / 60, per service with its own minutes — relative to a
  baseline in which every digital transaction had been handled in person. Digital is the
  ``online`` channel only; assisted digital is not digital and frees nothing.

Both rest on transaction counts, so a value resting on fewer than ``min_n`` transactions
(digital ones for the hours) is withheld like every other KPI.

:func:`load_costs` checks the whole file and raises :class:`CostConfigError` with every
problem at once (unknown channel or service, negative or missing numbers, unknown keys).
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from connectors.errors import ServicepulsError
from connectors.settings import Settings
from connectors.store import DIGITAL_CHANNELS, Channel
from metrics.cube import Cube
from metrics.disclosure import guard_selection
from metrics.facts import volume_facts

log = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "kosten.toml"
CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)
BASELINE = Channel.IN_PERSON.value  # the all-in-person baseline of staff hours freed
DIGITAL = Channel.ONLINE.value
REQUIRED_CHANNELS = (DIGITAL, BASELINE)
_RATE_KEYS = ("cost_eur", "minutes")

SUMMARY_SCHEMA = {"cases": pl.Int64, "cases_without_cost": pl.Int64, "cost_eur": pl.Float64,
                  "cost_per_transaction": pl.Float64, "digital": pl.Int64,
                  "hours_freed": pl.Float64, "suppressed": pl.Boolean,
                  "hours_suppressed": pl.Boolean}


class CostConfigError(ServicepulsError):
    """The cost file is invalid; ``problems`` lists every problem found in one pass."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} Fehler in der Kostendatei:\n{listing}", file=file,
                         fix="Datei korrigieren (Format: README, Abschnitt Kosten) und die "
                         "Seite neu laden.")


@dataclass(frozen=True)
class Rate:
    cost_eur: float | None
    minutes: float | None


@dataclass(frozen=True)
class CostConfig:
    channels: dict[str, Rate]  # channel → default rate
    services: dict[int, dict[str, Rate]]  # service_id → channel → override (partial)

    def rate(self, service_id: int, channel: str) -> Rate:
        """The rate of a service's channel: its override, filled from the channel default."""
        default = self.channels.get(channel, Rate(None, None))
        own = self.services.get(service_id, {}).get(channel)
        if own is None:
            return default
        return Rate(own.cost_eur if own.cost_eur is not None else default.cost_eur,
                    own.minutes if own.minutes is not None else default.minutes)

    def rates(self, service_ids: Iterable[int]) -> pl.DataFrame:
        """service_id, channel, cost_eur, minutes for every service × channel."""
        rows = [(s, c, self.rate(s, c).cost_eur, self.rate(s, c).minutes)
                for s in service_ids for c in CHANNELS]
        return pl.DataFrame(rows, schema={"service_id": pl.Int64, "channel": pl.String,
                                          "cost_eur": pl.Float64, "minutes": pl.Float64},
                            orient="row")


def costs_path(settings: Settings, ags: str | None = None) -> Path:
    """The file of municipality ``ags`` (default ``SERVICEPULS_AGS``): ``SERVICEPULS_COSTS_FILE``
    (``{ags}`` replaced), else ``<data_dir>/<ags>/kosten.toml`` if it exists, else
    ``<data_dir>/kosten.toml`` (:meth:`connectors.settings.Settings.tenant_file`)."""
    return settings.tenant_file(settings.costs_file, DEFAULT_FILE_NAME, ags)


# --- checks: every rule adds its problems, all are collected -------------------------------


def _hint(value: str, known: Sequence[str], otherwise: str) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f"meinten Sie '{close[0]}'?" if close else otherwise


def _rate(key: str, value: object, problems: list[str], *, complete: bool) -> Rate:
    if not isinstance(value, dict):
        problems.append(f"{key}: ein Abschnitt mit cost_eur und minutes erwartet — z. B. "
                        f"[{key}] mit cost_eur = 4.10 und minutes = 5")
        return Rate(None, None)
    for extra in sorted(set(value) - set(_RATE_KEYS)):
        problems.append(f"{key}.{extra}: unbekannter Schlüssel — erlaubt: cost_eur, minutes")
    numbers: dict[str, float | None] = {}
    for name in _RATE_KEYS:
        raw = value.get(name)
        if raw is None:
            if complete:
                problems.append(f"{key}.{name}: fehlt — eine Zahl ≥ 0 angeben")
            numbers[name] = None
        elif isinstance(raw, bool) or not isinstance(raw, int | float) or math.isnan(raw):
            problems.append(f"{key}.{name} = {raw!r}: keine Zahl — mit Punkt schreiben, "
                            "z. B. 4.10")
            numbers[name] = None
        elif raw < 0:
            problems.append(f"{key}.{name} = {raw}: darf nicht negativ sein")
            numbers[name] = None
        else:
            numbers[name] = float(raw)
    if not complete and not value:
        problems.append(f"{key}: leer — cost_eur oder minutes angeben")
    return Rate(numbers["cost_eur"], numbers["minutes"])


def _channels(key: str, section: object, problems: list[str], *, complete: bool
              ) -> dict[str, Rate]:
    if not isinstance(section, dict):
        problems.append(f"{key}: ein Abschnitt je Kanal erwartet, z. B. [{key}.online]")
        return {}
    out = {}
    for channel, value in section.items():
        if channel not in CHANNELS:
            problems.append(f"{key}.{channel}: unbekannter Kanal — "
                            f"{_hint(channel, CHANNELS, 'erlaubt: ' + ', '.join(CHANNELS))}")
            continue
        out[channel] = _rate(f"{key}.{channel}", value, problems, complete=complete)
    return out


def _service_ids(entry: dict, where: str, services: pl.DataFrame, problems: list[str]
                 ) -> list[int]:
    code, leika = entry.get("code"), entry.get("leika_key")
    if (code is None) == (leika is None):
        problems.append(f"{where}: genau eines von code (Leistungsnummer) oder leika_key "
                        "angeben")
        return []
    column, value = ("code", code) if code is not None else ("leika_key", leika)
    if not isinstance(value, str):
        problems.append(f"{where}.{column} = {value!r}: als Text in Anführungszeichen angeben")
        return []
    ids = services.filter(pl.col(column) == value)["service_id"].to_list()
    if not ids:
        known = [v for v in services[column].to_list() if v]
        word = "Leistungsnummer" if column == "code" else "LeiKa-Schlüssel"
        problems.append(f"{where}.{column} = '{value}': keine bekannte Leistung — "
                        f"{_hint(value, known, word + ' aus den Stammdaten angeben')}")
    return ids


def read_costs(text: str, services: pl.DataFrame, file: str = DEFAULT_FILE_NAME
               ) -> CostConfig:
    """Parse and check a cost file against the master data (``cube.services``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CostConfigError(file, [f"kein gültiges TOML: {exc}"]) from exc
    problems = [f"{k}: unbekannter Abschnitt — erlaubt: [channel.<kanal>], [[service]]"
                for k in sorted(set(data) - {"channel", "service"})]
    channels = _channels("channel", data.get("channel", {}), problems, complete=True)
    for needed in REQUIRED_CHANNELS:
        if needed not in channels:
            problems.append(f"channel.{needed}: fehlt — [channel.{needed}] mit cost_eur und "
                            "minutes anlegen (Grundlage der freigewordenen Arbeitsstunden)")
    overrides: dict[int, dict[str, Rate]] = {}
    entries = data.get("service", [])
    if not isinstance(entries, list):
        problems.append("service: als [[service]] schreiben (eine Tabelle je Leistung)")
        entries = []
    for i, entry in enumerate(entries):
        where = f"service[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: als [[service]] mit code und [service.channel.<kanal>]")
            continue
        for extra in sorted(set(entry) - {"code", "leika_key", "channel"}):
            problems.append(f"{where}.{extra}: unbekannter Schlüssel — erlaubt: code, "
                            "leika_key, channel")
        ids = _service_ids(entry, where, services, problems)
        rates = _channels(f"{where}.channel", entry.get("channel", {}), problems,
                          complete=False)
        if not rates and "channel" not in entry:
            problems.append(f"{where}.channel: fehlt — [service.channel.<kanal>] mit den "
                            "abweichenden Werten anlegen")
        for service_id in ids:
            if service_id in overrides:
                problems.append(f"{where}: die Leistung steht schon weiter oben — Einträge "
                                "zusammenführen")
            overrides[service_id] = rates
    if problems:
        raise CostConfigError(file, problems)
    log.info("cost file %s: %d channels, %d services with own values", file, len(channels),
             len(overrides))
    return CostConfig(channels=channels, services=overrides)


def load_costs(path: Path, services: pl.DataFrame) -> CostConfig:
    """The cost configuration of the file at ``path`` (format: module docstring)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CostConfigError(str(path), [f"keine UTF-8-Datei ({exc.reason}) — als UTF-8 "
                                          "speichern"]) from exc
    return read_costs(text, services, str(path))


# --- the KPIs ------------------------------------------------------------------------------


def cost_facts(cube: Cube, config: CostConfig) -> pl.DataFrame:
    """Monthly volume of every source (``volume_facts``) with each row's cost rate and the
    minutes it saved against the in-person baseline (digital rows only)."""
    facts = volume_facts(cube, "month").select(
        pl.col("period").alias("month"), "service_id", "location_id", "channel", "cases",
        "digital")
    ids = cube.services["service_id"].to_list()
    rates = config.rates(ids)
    baseline = rates.filter(pl.col("channel") == BASELINE).select(
        "service_id", pl.col("minutes").alias("baseline_minutes"))
    digital = rates.filter(pl.col("channel") == DIGITAL).select(
        "service_id", pl.col("minutes").alias("digital_minutes"))
    saved = (pl.col("baseline_minutes") - pl.col("digital_minutes")).fill_null(0.0)
    return (facts.join(rates, on=["service_id", "channel"], how="left")
            .join(baseline, on="service_id", how="left")
            .join(digital, on="service_id", how="left")
            .with_columns(
                priced=pl.when(pl.col("cost_eur").is_not_null()).then(pl.col("cases"))
                .otherwise(0),
                cost_total=(pl.col("cases") * pl.col("cost_eur")).fill_null(0.0),
                minutes_saved=pl.when(pl.col("channel").is_in(list(DIGITAL_CHANNELS)))
                .then(pl.col("digital") * saved).otherwise(0.0),
            ))


def _split_pools(facts: pl.DataFrame, filters: dict[str, list | None], by: Sequence[str],
                 min_n: int) -> pl.DataFrame:
    """Per group of ``by`` (→ ``*by, cost_withheld, hours_withheld``): whether a filter on a
    service, location or channel holds part of that dimension's pool of withheld cells —
    of the transactions with a cost rate (the cost) or of the digital ones (the hours) —
    so that the difference to the unfiltered value would give one away
    (:func:`metrics.disclosure.guard_selection`; the other filters apply)."""
    out = []
    for measure, name in (("priced", "cost_withheld"), ("digital", "hours_withheld")):
        flags = [pl.DataFrame(schema={**{b: facts.schema[b] for b in by}, "withheld": pl.Boolean})]
        for key, wanted in filters.items():
            if wanted is None or min_n <= 1 or key in by:
                continue
            pool = facts
            for other, values in filters.items():
                if other != key and values is not None:
                    pool = pool.filter(pl.col(other).is_in(values))
            cells = pool.group_by(*by, key).agg(pl.col(measure).sum().alias("n"))
            flags.append(guard_selection(cells, key, wanted, list(by), min_n)
                         .select(*by, "withheld"))
        frame = pl.concat(flags)
        out.append(frame.group_by(list(by)).agg(pl.col("withheld").any().alias(name)) if by
                   else frame.select(pl.col("withheld").any().alias(name)))
    if not by:
        return pl.concat(out, how="horizontal")
    return out[0].join(out[1], on=list(by), how="full", coalesce=True)


def cost_summary(
    cube: Cube,
    config: CostConfig,
    by: Sequence[str] = (),
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    services: Iterable[int] | None = None,
    locations: Iterable[int] | None = None,
    channels: Iterable[str] | None = None,
    min_n: int = 1,
) -> pl.DataFrame:
    """Per group of ``by`` (month, service_id, location_id, channel): ``cases`` with a cost
    rate, ``cases_without_cost``, ``cost_eur`` (total), ``cost_per_transaction``,
    ``digital`` transactions, ``hours_freed``; values resting on 1 … min_n−1 transactions
    are withheld (``suppressed`` for the cost, ``hours_suppressed`` for the hours).
    ``channels`` keeps the transactions of those channels only: the hours freed are then
    those of the digital transactions among them (none without ``online``). A filtered
    value is withheld too where the difference to the unfiltered one would give away a
    withheld service, location or channel (:func:`_split_pools`)."""
    facts = cost_facts(cube, config)
    if first is not None:
        facts = facts.filter(pl.col("month") >= first)
    if last is not None:
        facts = facts.filter(pl.col("month") <= last)
    filters = {key: None if wanted is None else list(wanted) for key, wanted in
               (("service_id", services), ("location_id", locations), ("channel", channels))}
    split = _split_pools(facts, filters, by, min_n)
    for key, wanted in filters.items():
        if wanted is not None:
            facts = facts.filter(pl.col(key).is_in(wanted))
    aggs = [pl.col("priced").sum().alias("cases"),
            (pl.col("cases") - pl.col("priced")).sum().alias("cases_without_cost"),
            pl.col("cost_total").sum().alias("cost_eur"),
            pl.col("digital").sum().alias("digital"),
            (pl.col("minutes_saved").sum() / 60).alias("hours_freed")]
    out = facts.group_by(list(by)).agg(aggs).sort(list(by)) if by else facts.select(aggs)
    if by:
        out = out.join(split, on=list(by), how="left")
    else:
        out = out.with_columns(cost_withheld=pl.lit(split["cost_withheld"][0]),
                               hours_withheld=pl.lit(split["hours_withheld"][0]))
    small = (((pl.col("cases") > 0) & (pl.col("cases") < min_n))
             | pl.col("cost_withheld").fill_null(False))
    few_digital = (((pl.col("digital") > 0) & (pl.col("digital") < min_n))
                   | pl.col("hours_withheld").fill_null(False))
    per = pl.when(pl.col("cases") > 0).then(pl.col("cost_eur") / pl.col("cases"))
    return out.with_columns(
        cost_per_transaction=pl.when(small).then(None).otherwise(per),
        cost_eur=pl.when(small).then(None).otherwise(pl.col("cost_eur")),
        hours_freed=pl.when(few_digital).then(None).otherwise(pl.col("hours_freed")),
        cases_without_cost=pl.when((pl.col("cases_without_cost") > 0)
                                   & (pl.col("cases_without_cost") < min_n))
        .then(None).otherwise(pl.col("cases_without_cost")),
        suppressed=small, hours_suppressed=few_digital,
    ).select(*by, *SUMMARY_SCHEMA).cast(SUMMARY_SCHEMA)
