"""metrics.cube.remember: work every filtered view of one cube repeats is done once per cube —
and never carried over to another cube (a new import, a window, a filter) — and the
Standorte page's protection, which leans on it, gives the same rows whichever way it is
reached (fresh cube, after other periods, after other pages' views)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.cube import _DURATION_SCHEMA, Cube, remember
from metrics.facts import volume_facts
from metrics.service_view import windowed


def _cube(cases: int = 10) -> Cube:
    volume = pl.DataFrame({
        "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)], "service_id": [1, 1],
        "location_id": [1, 2], "channel": ["online", "in_person"], "cases": [cases, 4],
        "digital": [cases, 0], "completed": [cases, 4], "completed_with_follow_up": [0, 1],
        "open": [0, 0]})
    services = pl.DataFrame({"service_id": [1], "online_since": [None]},
                            schema={"service_id": pl.Int64, "online_since": pl.Date})
    return Cube(volume=volume, durations=pl.DataFrame(schema=_DURATION_SCHEMA),
                services=services, locations=pl.DataFrame())


def test_once_per_cube_and_key() -> None:
    cube, calls = _cube(), []

    def make() -> int:
        calls.append(1)
        return len(calls)

    assert remember(cube, ("x", 1), make) == 1
    assert remember(cube, ("x", 1), make) == 1  # kept
    assert remember(cube, ("x", 2), make) == 2  # another key
    # a cube made from it (a new import's, a window, a filter) starts afresh
    other = cube.replace(volume=cube.volume.head(1))
    assert remember(other, ("x", 1), make) == 3
    assert remember(cube, ("x", 1), make) == 1


def test_keep_bounds_a_kind_oldest_first() -> None:
    cube = _cube()
    for i in range(5):
        remember(cube, ("w", i), lambda i=i: i, keep=2)
    remember(cube, ("other",), lambda: "kept", keep=2)
    assert list(cube.__dict__["_remembered"]) == [("w", 3), ("w", 4), ("other",)]
    assert remember(cube, ("w", 0), lambda: "again", keep=2) == "again"  # dropped: recomputed


def test_windows_and_facts_are_the_cubes_own() -> None:
    cube = _cube()
    first = windowed(cube, dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    assert windowed(cube, dt.date(2026, 1, 1), dt.date(2026, 1, 1)) is first
    assert first.volume["cases"].to_list() == [10]
    facts = volume_facts(cube, "month")
    assert volume_facts(cube, "month") is facts
    assert facts["cases"].sum() == 14
    # the same numbers in another cube are not taken from this one's memory
    assert volume_facts(_cube(cases=20), "month")["cases"].sum() == 24
    assert windowed(_cube(cases=20), dt.date(2026, 1, 1), dt.date(2026, 1, 1)).volume[
        "cases"].to_list() == [20]


def test_standorte_rows_are_the_same_however_reached(sample_store) -> None:  # noqa: ANN001
    """The sample city (30,000 cases): the Standorte rows of the last 12 months, computed on a
    cube that served other periods, a service filter and the Überblick's pools first, equal
    those of a fresh cube — and the protection is at work there (MOBIL and VIDEO
    "geschützt")."""
    from connectors.db import get_engine
    from dashboard.data.locations import _location_take_up
    from metrics.cube import load_cube
    from metrics.headline import month_pool

    take_up = _location_take_up.__wrapped__  # the loader without Streamlit's cache
    used = load_cube(get_engine(sample_store))
    months = used.months
    take_up(used, "u", "v", months[-6], months[-1], None, 5, None)
    take_up(used, "u", "v", months[-12], months[-1], None, 5, (1, 2, 3))
    month_pool(used, "digital_take_up", locations=[1], min_n=5)
    again = take_up(used, "u", "v", months[-12], months[-1], None, 5, None)
    fresh = take_up(load_cube(get_engine(sample_store)), "u", "v", months[-12], months[-1],
                    None, 5, None)
    assert again[0].equals(fresh[0]) and again[1] == fresh[1]
    held = fresh[0].filter(pl.col("protected"))["location_id"].to_list()
    codes = dict(zip(used.locations["location_id"], used.locations["code"], strict=True))
    assert sorted(codes[i] for i in held) == ["MOBIL", "VIDEO"]
