"""Pilot evaluation: hand-made cubes with hand-computed differences-in-differences, the sample
city's pilot recovered within its interval, placebos, the council sentence word for word, and
a simulation showing the month bootstrap is honest where binomial errors are not."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from connectors.db import get_engine
from connectors.settings import Settings
from metrics.catalogue import KPIS
from metrics.cube import (
    _DURATION_SCHEMA,
    _LOCATION_SCHEMA,
    _SERVICE_SCHEMA,
    Cube,
    load_cube,
)
from metrics.pilots import (
    Cell,
    Effect,
    Pilot,
    binomial_interval,
    bootstrap_interval,
    method_note,
    pilot_effect,
    sentence,
    t_quantile,
)
from sample_data.city import PILOT
from tests.conftest import import_dir

NBSP = "\u00a0"
BEFORE = [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
AFTER = [dt.date(2025, 4, 1), dt.date(2025, 5, 1), dt.date(2025, 6, 1)]
START = dt.date(2025, 4, 1)
PILOT_LOC, CONTROL_LOCS, MOBILE, OTHER_OFFICE = 2, (3, 4), 5, 6
SERVICE, OTHER_SERVICE = 1, 9

# --- hand-made cube -------------------------------------------------------------------------


def _cube(cells: dict[int, tuple[list[int], list[int]]], cases: int = 100) -> Cube:
    """``cells``: location → (digital cases per month before, per month after) of SERVICE,
    ``cases`` cases per month each. The mobile office (same service) and another office
    (another service only) must never enter the default control group."""
    rows = []

    def add(month: dt.date, service: int, location: int, n: int, digital: int) -> None:
        for channel, count in (("online", digital), ("in_person", n - digital)):
            rows.append({"month": month, "service_id": service, "location_id": location,
                         "channel": channel, "cases": count, "completed": count,
                         "completed_with_follow_up": 0, "open": 0,
                         "digital": count if channel == "online" else 0})

    for location, (before, after) in cells.items():
        for month, digital in zip(BEFORE + AFTER, before + after, strict=True):
            add(month, SERVICE, location, cases, digital)
    for month in BEFORE + AFTER:
        add(month, SERVICE, MOBILE, 100, 90 if month >= START else 0)  # would wreck the DiD
        add(month, OTHER_SERVICE, OTHER_OFFICE, 100, 50)
    volume = pl.DataFrame(rows, schema={
        "month": pl.Date, "service_id": pl.Int64, "location_id": pl.Int64, "channel": pl.String,
        "cases": pl.Int64, "completed": pl.Int64, "completed_with_follow_up": pl.Int64,
        "open": pl.Int64, "digital": pl.Int64})
    locations = pl.DataFrame({
        "location_id": [PILOT_LOC, *CONTROL_LOCS, MOBILE, OTHER_OFFICE],
        "code": ["P", "C1", "C2", "MOBIL", "X"],
        "kind": ["office", "office", "office", "mobile", "office"]})
    services = pl.DataFrame({"service_id": [SERVICE, OTHER_SERVICE], "code": ["S1", "S9"]})
    return Cube(volume=volume, durations=pl.DataFrame(), services=services, locations=locations)


def _pilot(**changes: object) -> Pilot:
    return dataclasses.replace(
        Pilot(name="Test", service_ids=(SERVICE,), location_ids=(PILOT_LOC,), start=START),
        **changes)


# pilot 20 % → 40 %, control 20 % → 25 %: (40 − 20) − (25 − 20) = 15,0 pp. Months vary, the
# pooled shares are exact (60/300, 120/300; control 120/600, 150/600).
WORKS = {PILOT_LOC: ([18, 20, 22], [38, 40, 42]),
         3: ([19, 20, 21], [24, 26, 25]), 4: ([21, 20, 19], [26, 24, 25])}
NOTHING = {PILOT_LOC: ([18, 20, 22], [24, 25, 26]),
           3: ([19, 20, 21], [24, 26, 25]), 4: ([21, 20, 19], [26, 24, 25])}


def test_hand_made_effect() -> None:
    effect = pilot_effect(_cube(WORKS), _pilot())
    assert effect.reason is None
    assert effect.control_location_ids == CONTROL_LOCS  # not the mobile office, not X
    shares = {k: c.share for k, c in effect.cells.items()}
    assert shares == pytest.approx({"pilot_before": 0.20, "pilot_after": 0.40,
                                    "control_before": 0.20, "control_after": 0.25})
    assert {k: (c.cases, c.months) for k, c in effect.cells.items()} == {
        "pilot_before": (300, 3), "pilot_after": (300, 3),
        "control_before": (600, 3), "control_after": (600, 3)}
    assert effect.effect_pp == pytest.approx(15.0)
    assert 0 < effect.low_pp < 15.0 < effect.high_pp < 30
    assert effect.significant
    assert sentence(effect).startswith(
        f"Die Nutzungsquote stieg durch den Piloten um 15,0{NBSP}Prozentpunkte (95{NBSP}"
        "%-Intervall ")
    assert pilot_effect(_cube(WORKS), _pilot()) == effect  # seeded: same data, same interval


def test_interval_comes_from_month_to_month_variation() -> None:
    """Identical months: nothing to resample, the interval collapses onto the estimate."""
    flat = {PILOT_LOC: ([20] * 3, [40] * 3), 3: ([20] * 3, [25] * 3), 4: ([20] * 3, [25] * 3)}
    effect = pilot_effect(_cube(flat), _pilot())
    assert (effect.low_pp, effect.effect_pp, effect.high_pp) == pytest.approx((15, 15, 15))


def test_hand_made_no_effect() -> None:
    effect = pilot_effect(_cube(NOTHING), _pilot())
    assert effect.effect_pp == pytest.approx(0.0, abs=1e-9)
    assert effect.low_pp < 0 < effect.high_pp and not effect.significant
    assert sentence(effect).startswith(
        f"Keine sichere Wirkung des Piloten auf die Nutzungsquote: geschätzt ±0,0{NBSP}"
        "Prozentpunkte")


def test_transition_month_and_explicit_periods() -> None:
    """A start within a month drops that month; explicit baseline/follow-up are honoured."""
    effect = pilot_effect(_cube(WORKS), _pilot(start=dt.date(2025, 3, 15),
                                               followup_end=dt.date(2025, 5, 31)))
    assert (effect.pilot_before.first, effect.pilot_before.last) == (BEFORE[0], BEFORE[1])
    assert (effect.pilot_after.first, effect.pilot_after.last) == (AFTER[0], AFTER[1])
    assert effect.reason == "too_few_months"  # 2 + 2 months cannot carry a month bootstrap


@pytest.mark.parametrize(("cases", "kwargs", "reason", "de"), [
    (5, {}, "too_few_cases", "Keine Schätzung möglich: beim Piloten vor dem Start gibt es nur "
     "15 Vorgänge (mindestens 30 nötig)."),
    (100, {"baseline_start": dt.date(2025, 2, 1)}, "too_few_months",
     "Keine Schätzung möglich: vor dem Start gibt es nur 2 Monate mit Vorgängen beim Piloten "
     "und in der Vergleichsgruppe (mindestens 3 nötig)."),
])
def test_too_small_gives_no_estimate(cases: int, kwargs: dict, reason: str, de: str) -> None:
    small = {PILOT_LOC: ([1, 1, 1], [2, 2, 2]), 3: ([1, 1, 1], [1, 1, 1])}
    effect = pilot_effect(_cube(small if cases < 30 else WORKS, cases=cases), _pilot(**kwargs))
    assert effect.reason == reason
    assert (effect.effect_pp, effect.low_pp, effect.high_pp) == (None, None, None)
    assert sentence(effect) == de
    assert sentence(effect, "en").startswith("No estimate: only ")


@pytest.mark.parametrize(("pilot", "message"), [
    (_pilot(control_location_ids=(PILOT_LOC, 3)), "overlaps the pilot"),
    (_pilot(kpi="processing_days_median"), "ratio of the volume cube"),
    (_pilot(baseline_end=dt.date(2025, 5, 1)), "must end before the follow-up"),
])
def test_invalid_pilots_are_refused(pilot: Pilot, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pilot_effect(_cube(WORKS), pilot)


def test_control_by_other_services() -> None:
    """A comparable service instead of comparable offices: S9 at X is the control group."""
    effect = pilot_effect(_cube(WORKS), _pilot(control_service_ids=(OTHER_SERVICE,),
                                               control_location_ids=(OTHER_OFFICE,)))
    # pilot 20 % → 40 %, S9 stays at 50 %: (40 − 20) − (50 − 50) = 20,0 pp
    assert effect.effect_pp == pytest.approx(20.0)
    assert effect.control_before.share == effect.control_after.share == 0.5


# --- the cells beside the Überblick ---------------------------------------------------------


def _store_like(cube: Cube, extra: list[tuple[dt.date, int, int, int, int]] = ()) -> Cube:
    """The hand-made cube with the master data a store has (names, online dates, kinds), so
    the Überblick's protection can run on it; ``extra``: (month, service, location, cases,
    digital) rows added or replacing the hand-made ones."""
    volume = cube.volume
    for month, service, location, n, digital in extra:
        volume = volume.filter(~((pl.col("month") == month) & (pl.col("service_id") == service)
                                 & (pl.col("location_id") == location)))
        volume = pl.concat([volume, pl.DataFrame([
            {"month": month, "service_id": service, "location_id": location,
             "channel": channel, "cases": count, "completed": count,
             "completed_with_follow_up": 0, "open": 0,
             "digital": count if channel == "online" else 0}
            for channel, count in (("online", digital), ("in_person", n - digital))],
            schema=volume.schema)])
    services = cube.services.with_columns(name=pl.col("code")).with_columns(
        [pl.lit(None, dtype=kind).alias(column) for column, kind in _SERVICE_SCHEMA.items()
         if column not in ("service_id", "code", "name")]).select(list(_SERVICE_SCHEMA))
    locations = cube.locations.with_columns(name=pl.col("code")).with_columns(
        [pl.lit(None, dtype=kind).alias(column) for column, kind in _LOCATION_SCHEMA.items()
         if column not in ("location_id", "code", "name", "kind")]).select(
        list(_LOCATION_SCHEMA))
    return cube.replace(volume=volume, services=services.cast(_SERVICE_SCHEMA),
                        locations=locations.cast(_LOCATION_SCHEMA),
                        durations=pl.DataFrame(schema=_DURATION_SCHEMA))


def _cells(effect: Effect) -> dict[str, tuple[int, int, int]]:
    return {k: (c.numerator, c.cases, c.months) for k, c in effect.cells.items()}


def test_a_small_month_of_the_pilot_is_left_out_of_both_groups() -> None:
    """Jan 2025 of the pilot (S1 at P) rests on 3 cases, 1 digital: the Überblick filtered
    to S1 at P shows "< 5" for it and 20/100, 22/100 for Feb and Mar. A before cell of
    Jan–Mar (43/203) minus those would give Jan back (1/3) — so Jan is left out of both
    groups: pilot before 42/200 = 21 %, after 120/300 = 40 %, control before (Feb–Mar of C1
    and C2) 80/400 = 20 %, after 150/600 = 25 %: (40 − 21) − (25 − 20) = 14,0 pp."""
    cube = _store_like(_cube(WORKS), [(BEFORE[0], SERVICE, PILOT_LOC, 3, 1)])
    open_ = pilot_effect(cube, _pilot(), min_months=2)
    assert _cells(open_)["pilot_before"] == (43, 203, 3) and open_.left_out == ()
    effect = pilot_effect(cube, _pilot(), min_months=2, protect_min_n=5)
    assert effect.left_out == (BEFORE[0],)
    assert _cells(effect) == {"pilot_before": (42, 200, 2), "pilot_after": (120, 300, 3),
                              "control_before": (80, 400, 2),
                              "control_after": (150, 600, 3)}
    assert effect.effect_pp == pytest.approx(14.0)
    assert effect.paired_months == (2, 3)
    # with the default three months per period, two are too few: no estimate, and why
    short = pilot_effect(cube, _pilot(), protect_min_n=5)
    assert short.reason == "too_few_months" and short.effect_pp is None
    assert sentence(short) == (
        "Keine Schätzung möglich: vor dem Start gibt es nur 2 Monate mit Vorgängen beim "
        "Piloten und in der Vergleichsgruppe (mindestens 3 nötig; 1 Monat zum Schutz kleiner "
        "Zahlen ausgelassen).")


def test_a_month_withheld_to_protect_another_service_is_left_out() -> None:
    """S9 has 2 cases at P in Feb 2025: that month's ranking at P withholds S9 ("< 5") and
    S1 beside it (its only partner), so the Überblick filtered to S1 at P withholds Feb
    ("geschützt"). A before cell of Jan–Mar (60/300) minus Jan (18/100) and Mar (22/100)
    would give S1's Feb (20/100) back, and P's Feb total (102) minus that S9's 2 — so Feb is
    left out: before 40/200 = 20 %, control 80/400 = 20 %, the effect stays 15,0 pp."""
    cube = _store_like(_cube(WORKS), [(BEFORE[1], OTHER_SERVICE, PILOT_LOC, 2, 1)])
    assert _cells(pilot_effect(cube, _pilot()))["pilot_before"] == (60, 300, 3)
    effect = pilot_effect(cube, _pilot(), min_months=2, protect_min_n=5)
    assert effect.left_out == (BEFORE[1],)
    assert _cells(effect)["pilot_before"] == (40, 200, 2)
    assert _cells(effect)["control_before"] == (80, 400, 2)
    assert effect.effect_pp == pytest.approx(15.0)


def test_nothing_is_left_out_where_the_ueberblick_withholds_nothing() -> None:
    effect = pilot_effect(_store_like(_cube(WORKS)), _pilot(), protect_min_n=5)
    assert effect.left_out == () and effect == dataclasses.replace(
        pilot_effect(_store_like(_cube(WORKS)), _pilot()), protect_min_n=5)


# --- the sentence, word for word ------------------------------------------------------------


def _effect(est: float, low: float, high: float) -> Effect:
    cell = Cell(numerator=100, cases=1000, months=12)
    return Effect(pilot=_pilot(), kpi=KPIS["digital_take_up"], pilot_before=cell,
                  pilot_after=cell, control_before=cell, control_after=cell,
                  control_location_ids=CONTROL_LOCS, control_service_ids=(SERVICE,),
                  effect_pp=est, low_pp=low, high_pp=high)


@pytest.mark.parametrize(("values", "lang", "expected"), [
    ((12.34, 9.8, 14.71), "de", "Die Nutzungsquote stieg durch den Piloten um "
     "12,3\u00a0Prozentpunkte (95\u00a0%-Intervall 9,8 bis 14,7)."),
    ((-3.1, -5.0, -1.24), "de", "Die Nutzungsquote sank durch den Piloten um "
     "3,1\u00a0Prozentpunkte (95\u00a0%-Intervall 1,2 bis 5,0)."),
    ((1.2, -2.3, 4.7), "de", "Keine sichere Wirkung des Piloten auf die Nutzungsquote: "
     "geschätzt +1,2\u00a0Prozentpunkte, das 95\u00a0%-Intervall von -2,3 bis +4,7 schließt "
     "null ein."),
    ((1234.5, 1000.0, 1500.0), "de", "Die Nutzungsquote stieg durch den Piloten um "
     "1.234,5\u00a0Prozentpunkte (95\u00a0%-Intervall 1.000,0 bis 1.500,0)."),
    ((12.34, 9.8, 14.71), "en", "The pilot raised digital take-up by 12.3 percentage points "
     "(95% interval 9.8 to 14.7)."),
    ((1.2, -2.3, 4.7), "en", "No reliable effect of the pilot on digital take-up: estimated "
     "+1.2 percentage points, the 95% interval from -2.3 to +4.7 includes zero."),
])
def test_sentence(values: tuple[float, float, float], lang: str, expected: str) -> None:
    assert sentence(_effect(*values), lang) == expected


def test_method_note_names_the_method() -> None:
    note = method_note(_effect(12.34, 9.8, 14.71))
    assert "Differenz-von-Differenzen" in note and "Bootstrap über Monate" in note


# --- is the interval honest? ----------------------------------------------------------------


def test_t_quantile_matches_tables() -> None:
    for df, t in ((1, 12.706), (4, 2.776), (9, 2.262), (13, 2.160), (30, 2.042), (5000, 1.960)):
        assert t_quantile(0.975, df) == pytest.approx(t, abs=2e-3)


def test_month_bootstrap_covers_where_binomial_does_not() -> None:
    """Placebo data (true effect 0) with 2 pp of month-to-month noise per group, 10 + 14
    months, ~400 pilot and ~700 control cases a month: the binomial interval, blind to month
    noise, misses far more often than 5 %; the month bootstrap keeps close to 95 %."""
    rng = np.random.default_rng(7)
    runs, month_hits, binomial_hits = 200, 0, 0
    for run in range(runs):
        periods = []
        for months in (10, 14):
            common = rng.normal(0, 0.02, months)
            arrays = []
            for base, size in ((0.15, 400), (0.18, 700)):
                share = np.clip(base + common + rng.normal(0, 0.02, months), 0.01, 0.99)
                n = rng.poisson(size, months)
                arrays += [rng.binomial(n, share).astype(float), n.astype(float)]
            periods.append(tuple(arrays))
        _, low, high = bootstrap_interval(*periods, replicates=500, seed=run)
        month_hits += low <= 0 <= high
        cells = [Cell(int(p[i].sum()), int(p[i + 1].sum()), 0)
                 for i in (0, 2) for p in periods]  # pilot before/after, control before/after
        low, high = binomial_interval(cells)
        binomial_hits += low <= 0 <= high
    assert month_hits / runs >= 0.91
    assert binomial_hits / runs <= 0.87


# --- the sample city ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Cube:
    """150,000 cases: at the session's 30,000 the pilot is recovered too (11,1 pp, interval
    4,9 to 17,2), but an interval of ±6 pp tests little; here it is about ±2 pp."""
    from sample_data import generate

    folder: Path = tmp_path_factory.mktemp("pilot_city")
    export = generate(folder / "export", cases=150_000)
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                        pseudonymisation_key="test-key")
    import_dir(export.out_dir, settings)
    return load_cube(get_engine(settings))


def _ids(frame: pl.DataFrame, codes: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    by_code = dict(zip(frame["code"], frame[frame.columns[0]], strict=True))
    return tuple(by_code[c] for c in codes)


def _city_pilot(cube: Cube, **changes: object) -> Pilot:
    return Pilot(name=PILOT.name, service_ids=_ids(cube.services, PILOT.service_codes),
                 location_ids=_ids(cube.locations, PILOT.location_codes), start=PILOT.start,
                 **changes)


def test_sample_city_pilot_is_recovered(city: Cube) -> None:
    effect = pilot_effect(city, _city_pilot(city))
    assert effect.control_location_ids == _ids(city.locations, ["BA-MITTE", "BA-SUED", "BA-OST"])
    assert effect.pilot_before.months == 10 and effect.pilot_after.months == 14
    assert effect.low_pp <= PILOT.lift_pp <= effect.high_pp
    assert abs(effect.effect_pp - PILOT.lift_pp) <= 4.0
    assert effect.high_pp - effect.low_pp < 6.0
    assert sentence(effect).startswith("Die Nutzungsquote stieg durch den Piloten um ")
    # the Überblick filtered to either group withholds no month a cell would give back (its
    # withheld months' sums are safe): the dashboard's evaluation is the same
    protected = pilot_effect(city, _city_pilot(city), protect_min_n=5)
    assert protected.left_out == ()
    assert dataclasses.replace(protected, protect_min_n=None) == effect


@pytest.mark.parametrize("placebo", ["earlier start", "other services", "other office"])
def test_sample_city_placebos_show_no_effect(city: Cube, placebo: str) -> None:
    pilot = _city_pilot(city)
    if placebo == "earlier start":  # within the baseline only: 5 months before, 5 after
        pilot = dataclasses.replace(pilot, start=dt.date(2025, 4, 1),
                                    followup_end=dt.date(2025, 8, 1))
    elif placebo == "other services":  # district services the pilot did not touch
        pilot = dataclasses.replace(
            pilot, service_ids=_ids(city.services, ["L005", "L006", "L013", "L031"]))
    else:  # the pilot's services at an office without the pilot
        pilot = dataclasses.replace(
            pilot, location_ids=_ids(city.locations, ["BA-SUED"]),
            control_location_ids=_ids(city.locations, ["BA-MITTE", "BA-OST"]))
    effect = pilot_effect(city, pilot)
    assert effect.low_pp <= 0 <= effect.high_pp
    assert abs(effect.effect_pp) < 3.0
    assert sentence(effect).startswith("Keine sichere Wirkung")
