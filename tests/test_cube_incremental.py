"""The persisted cube, kept in step by each import, equals a full rebuild from the cases after
every step of a realistic sequence — and the KPIs read from it are the ones computed by hand.

Kleinstadt master data (L1 Wohnsitz anmelden, online since 2020; L2 Hundesteuer, no online
date; offices A and V) and five case files of the same Fachverfahren:

1. ``vorgaenge.csv`` — the Kleinstadt export (Jan, Feb; 8 valid cases, see test_metrics.py)
2. ``vorgaenge_2.csv`` — new months: V-20 L1 online Mar 2 d, V-21 L1 in person Mar open,
   V-22 L2 video Mar 3 d (1 follow-up), V-23 L1 online Apr open
3. ``vorgaenge_3.csv`` — corrections: V-4 open → completed 23.01 (3 d); V-3 completed
   16.01 → 12.01 (10 d → 6 d); V-7 service L2 → L1 (Feb); V-21 received 03.03 → 27.02 (Mar →
   Feb); V-1 unchanged
4. ``vorgaenge_3.csv`` again (skipped), then forced (all duplicates: nothing touched)
5. ``vorgaenge_4.csv`` — V-30 L2 post Apr 5 d, and three rows rejected (unknown service, 31
   April, completed before received)
6. ``vorgaenge_5.csv`` — fails inside its transaction after the cube was refreshed

The store then holds, by month of receipt (channel, processing days or open):

    Jan  V-1 L1 online 2   V-2 L1 in person 0   V-3 L1 post 6 (2 follow-ups)
         V-4 L1 online 3   V-5 L2 assisted 2 (1 follow-up)
    Feb  V-6 L2 video 0    V-7 L1 e-mail 10     V-8 L1 online withdrawn   V-21 L1 open (27.02)
    Mar  V-20 L1 online 2  V-22 L2 video 3 (1 follow-up)
    Apr  V-23 L1 online open (01.04)   V-30 L2 post 5 (15.04 → 20.04)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, func, insert, select, text, update

import connectors.cube as cube_mod
from connectors.db import get_engine, upgrade
from connectors.importer import import_file
from connectors.profiles import profile_for
from connectors.store import (
    Case,
    CubeDuration,
    CubeOpen,
    CubeVolume,
    ImportRun,
    Service,
)
from dashboard.cli import main
from metrics.cube import load_cube
from metrics.kpis import compute
from tests.conftest import KLEINSTADT, import_dir

JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))
HEADER = ("Vorgangsnummer;Leistung;Standort;Eingangskanal;Eingang am;Abgeschlossen am;Status;"
          "Anzahl Nachforderungen")
FILES = {
    "vorgaenge_2.csv": [
        "V-20;L1;A;Online-Antrag;02.03.2026 09:00;04.03.2026 09:00;abgeschlossen;0",
        "V-21;L1;A;Vor Ort;03.03.2026 09:00;;in Bearbeitung;0",
        "V-22;L2;V;Videoberatung;10.03.2026 09:00;13.03.2026 09:00;abgeschlossen;1",
        "V-23;L1;A;Online-Antrag;01.04.2026 08:00;;in Bearbeitung;0",
    ],
    "vorgaenge_3.csv": [
        "V-4;L1;A;OZG-Portal;20.01.2026 22:15;23.01.2026 09:00;abgeschlossen;0",
        "V-3;L1;A;Post;06.01.2026 08:00;12.01.2026 12:00;abgeschlossen;2",
        "V-7;L1;A;E-Mail;03.02.2026 09:00;13.02.2026 09:00;abgeschlossen;0",
        "V-21;L1;A;Vor Ort;27.02.2026 09:00;;in Bearbeitung;0",
        "V-1;L1;A;Online-Antrag;05.01.2026 10:00;07.01.2026 09:00;abgeschlossen;0",
    ],
    "vorgaenge_4.csv": [
        "V-30;L2;A;Post;15.04.2026 09:00;20.04.2026 09:00;abgeschlossen;0",
        "V-31;X999;A;Post;15.04.2026 09:00;;in Bearbeitung;0",
        "V-32;L1;A;Post;31.04.2026 09:00;;in Bearbeitung;0",
        "V-33;L1;A;Post;16.04.2026 09:00;15.04.2026 09:00;abgeschlossen;0",
    ],
    "vorgaenge_5.csv": [
        "V-40;L1;A;Online-Antrag;04.05.2026 09:00;;in Bearbeitung;0",
        "V-1;L2;V;Online-Antrag;05.01.2026 10:00;07.01.2026 09:00;abgeschlossen;0",
    ],
}
TABLES = (CubeVolume, CubeDuration, CubeOpen)


def _write(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes("\r\n".join([HEADER, *FILES[name], ""]).encode("windows-1252"))
    return path


def _import(path: Path, settings, **kw):  # noqa: ANN001, ANN003, ANN202
    return import_file(path, profile_for(path), settings, **kw)


def _frames(conn: Connection) -> dict[str, pl.DataFrame]:
    """Every cube table without its surrogate id, sorted by all columns."""
    out = {}
    for model in TABLES:
        cols = [c for c in model.__table__.c if c.name != "id"]
        rows = [tuple(r) for r in conn.execute(select(*cols))]
        frame = pl.DataFrame(rows, schema=[c.name for c in cols], orient="row",
                             infer_schema_length=None)
        out[model.__tablename__] = frame.sort(frame.columns, nulls_last=True)
    return out


def assert_cube_equals_rebuild(settings) -> dict[str, pl.DataFrame]:  # noqa: ANN001
    """The incrementally kept cube against a full rebuild from the cases (rolled back)."""
    engine = get_engine(settings)
    with engine.connect() as conn:
        kept = _frames(conn)
        assert cube_mod.is_current(conn)
    with engine.connect() as conn:
        cube_mod.rebuild(conn)
        rebuilt = _frames(conn)
        conn.rollback()
    for name, frame in kept.items():
        assert frame.equals(rebuilt[name]), f"{name} differs from a rebuild:\n{frame}\n" \
                                            f"{rebuilt[name]}"
    return kept


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list:
    """What the case writer asked of the cube: ("refresh", keys) or ("rebuild", None)."""
    seen: list = []
    refresh, rebuild = cube_mod.refresh, cube_mod.rebuild

    def spy_refresh(conn, keys):  # noqa: ANN001, ANN202
        keys = set(keys)
        seen.append(("refresh", keys))
        return refresh(conn, keys)

    def spy_rebuild(conn):  # noqa: ANN001, ANN202
        seen.append(("rebuild", None))
        return rebuild(conn)

    monkeypatch.setattr(cube_mod, "refresh", spy_refresh)
    monkeypatch.setattr(cube_mod, "rebuild", spy_rebuild)
    return seen


def test_incremental_cube_equals_rebuild_through_a_sequence_of_imports(
        settings, tmp_path: Path, calls: list, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    for name in ("leistungen.csv", "standorte.csv"):
        _import(KLEINSTADT / name, settings)
    first = _import(KLEINSTADT / "vorgaenge.csv", settings)
    assert (first.inserted, first.rejected) == (8, 4)
    assert calls == [("rebuild", None)]  # an empty table: the cube is built whole
    assert_cube_equals_rebuild(settings)
    services = {r["code"]: r["service_id"] for r in load_cube(get_engine(settings))
                .services.to_dicts()}
    l1, l2 = services["L1"], services["L2"]

    def keys(*pairs: tuple[dt.date, int]) -> set:
        return {(settings.ags, month, service) for month, service in pairs}

    # 2. new months: only their keys
    calls.clear()
    second = _import(_write(tmp_path, "vorgaenge_2.csv"), settings)
    assert second.inserted == 4
    assert calls == [("refresh", keys((MAR, l1), (MAR, l2), (APR, l1)))]
    assert_cube_equals_rebuild(settings)

    # 3. corrections: the old and the new key of every changed case, nothing for V-1
    calls.clear()
    third = _import(_write(tmp_path, "vorgaenge_3.csv"), settings)
    assert (third.updated, third.duplicate) == (4, 1)
    assert calls == [("refresh", keys((JAN, l1), (FEB, l2), (FEB, l1), (MAR, l1)))]
    kept = assert_cube_equals_rebuild(settings)

    # 4. the same file again is skipped; forced, every row is a duplicate: nothing touched
    calls.clear()
    assert _import(tmp_path / "vorgaenge_3.csv", settings).skipped
    forced = _import(tmp_path / "vorgaenge_3.csv", settings, force=True)
    assert (forced.inserted, forced.updated, forced.duplicate) == (0, 0, 5)
    assert calls == [("refresh", set())]
    with get_engine(settings).connect() as conn:
        assert all(f.equals(kept[n]) for n, f in _frames(conn).items())

    # 5. rejected rows touch nothing; the valid one its key
    calls.clear()
    fifth = _import(_write(tmp_path, "vorgaenge_4.csv"), settings)
    assert (fifth.inserted, fifth.rejected) == (1, 3)
    assert calls == [("refresh", keys((APR, l2)))]
    kept = assert_cube_equals_rebuild(settings)

    # 6. a failure after the cube was refreshed rolls back cube and cases together
    refresh = cube_mod.refresh

    def refresh_then_fail(conn, keys):  # noqa: ANN001, ANN202
        refresh(conn, keys)
        raise RuntimeError("Datenträger voll")

    monkeypatch.setattr(cube_mod, "refresh", refresh_then_fail)
    with pytest.raises(RuntimeError, match="Datenträger voll"):
        _import(_write(tmp_path, "vorgaenge_5.csv"), settings)
    engine = get_engine(settings)
    with engine.connect() as conn:
        assert conn.execute(select(ImportRun.status).order_by(ImportRun.id.desc())
                            .limit(1)).scalar_one() == "failed"
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == 13
        assert all(f.equals(kept[n]) for n, f in _frames(conn).items())
    assert_cube_equals_rebuild(settings)

    _assert_hand_computed_kpis(load_cube(engine), l1, l2)


def _assert_hand_computed_kpis(cube, l1: int, l2: int) -> None:  # noqa: ANN001
    assert cube.months == [JAN, FEB, MAR, APR]

    def monthly(kpi: str) -> dict:
        return {r["month"]: (pytest.approx(r["value"]), r["n"])
                for r in compute(kpi, cube).to_dicts()}

    # online: Jan V-1, V-4 of 5; Feb V-8 of 4 (V-6, V-7, V-8, V-21); Mar V-20 of 2; Apr V-23 of 2
    assert monthly("digital_take_up") == {JAN: (0.4, 5), FEB: (0.25, 4), MAR: (0.5, 2),
                                          APR: (0.5, 2)}
    # completed days: Jan 0,2,2,3,6 (median rank 3 → 2, P90 rank 5 → 6); Feb 0,10; Mar 2,3;
    # Apr 5
    assert monthly("processing_days_median") == {JAN: (2.0, 5), FEB: (0.0, 2), MAR: (2.0, 2),
                                                 APR: (5.0, 1)}
    assert monthly("processing_days_p90") == {JAN: (6.0, 5), FEB: (10.0, 2), MAR: (3.0, 2),
                                              APR: (5.0, 1)}
    # completed with a follow-up: Jan V-3, V-5 of 5; Mar V-22 of 2
    assert monthly("follow_up_rate") == {JAN: (0.4, 5), FEB: (0.0, 2), MAR: (0.5, 2),
                                         APR: (0.0, 1)}
    by_service = {r["service_id"]: (r["numerator"], r["n"])
                  for r in compute("digital_take_up", cube, ("service_id",)).to_dicts()}
    assert by_service == {l1: (5, 9), l2: (0, 4)}
    # newest date: V-30 completed 20.04.2026; open V-23 (01.04) 19 days, V-21 (27.02) 52 days
    assert cube.as_of == dt.date(2026, 4, 20)
    for kpi, value in (("open_case_age_median", 19), ("open_case_age_p90", 52)):
        row = compute(kpi, cube, ()).row(0, named=True)
        assert (row["value"], row["n"]) == (value, 2)


def test_cases_written_around_the_import_are_noticed(kleinstadt, tmp_path: Path,
                                                     calls: list) -> None:  # noqa: ANN001
    """A case inserted by hand (or a store from before the cube) leaves the cube behind:
    the next load_cube rebuilds it; an import after another such insert rebuilds whole."""
    engine = get_engine(kleinstadt)
    with engine.begin() as conn:
        run = conn.execute(select(func.max(ImportRun.id))).scalar_one()
        l1 = conn.execute(select(func.min(Case.service_id))).scalar_one()
        extra = {"ags": kleinstadt.ags, "source": "von-hand", "service_id": l1,
                 "location_id": None,
                 "channel": "online", "received_at": dt.datetime(2026, 2, 20, 9),
                 "completed_at": None, "status": "open", "follow_up_count": 0,
                 "import_run_id": run}
        conn.execute(insert(Case), [{**extra, "case_key": "k1"}])
    calls.clear()
    cube = load_cube(engine)
    assert calls == [("rebuild", None)]
    assert int(cube.volume.filter(pl.col("month") == FEB)["cases"].sum()) == 4  # 3 + 1
    assert_cube_equals_rebuild(kleinstadt)

    with engine.begin() as conn:
        conn.execute(insert(Case), [{**extra, "case_key": "k2"}])
    calls.clear()
    _import(_write(tmp_path, "vorgaenge_2.csv"), kleinstadt)
    assert calls == [("rebuild", None)]
    assert_cube_equals_rebuild(kleinstadt)


def test_store_from_before_the_cube_and_the_rebuild_command(
        settings, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A store with cases at migration 0005 upgrades to an empty cube; ``db upgrade`` fills
    it, and ``db rebuild-cube`` repairs a cube changed around the import."""
    upgrade(settings, "0005")
    engine = get_engine(settings)
    with engine.begin() as conn:
        conn.execute(insert(Service).values(code="L1", name="Wohnsitz anmelden"))
        # columns of 0005 only (the model has later ones: ags, rows_skipped)
        conn.execute(text(
            "INSERT INTO import_runs (source, profile, file_name, file_sha256, started_at, "
            "status, rows_read, rows_inserted, rows_updated, rows_duplicate, rows_rejected) "
            "VALUES ('s', 'p', 'f.csv', 'x', '2026-01-01 00:00:00', 'succeeded', 2, 2, 0, 0, "
            "0)"))
        service = conn.execute(select(func.max(Service.id))).scalar_one()
        run = conn.execute(select(func.max(ImportRun.id))).scalar_one()
        received = dt.datetime(2026, 1, 5, 10)
        conn.execute(insert(Case), [
            {"source": "s", "case_key": key, "service_id": service, "location_id": None,
             "channel": "online", "received_at": received, "completed_at": completed,
             "status": status, "follow_up_count": 0, "import_run_id": run}
            for key, completed, status in (("k1", dt.datetime(2026, 1, 9, 10), "completed"),
                                           ("k2", None, "open"))])
    env = {"SERVICEPULS_DATABASE_URL": settings.db_url,
           "SERVICEPULS_DATA_DIR": str(settings.data_dir),
           "SERVICEPULS_PSEUDONYMISATION_KEY": "test-key"}
    runner = CliRunner()
    done = runner.invoke(main, ["db", "upgrade"], env=env)
    assert done.exit_code == 0, done.output
    assert "Kennzahlen-Würfel aus allen Vorgängen neu berechnet" in done.output
    with engine.connect() as conn:
        assert conn.execute(select(CubeVolume.cases, CubeVolume.completed, CubeVolume.open)
                            ).all() == [(2, 1, 1)]
        assert conn.execute(select(CubeDuration.days, CubeDuration.cases)).all() == [(4, 1)]
    again = runner.invoke(main, ["db", "upgrade"], env=env)
    assert "Würfel" not in again.output  # current: nothing to do

    # a case changed around the import is not noticed (same max id) …
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.case_key == "k2").values(
            status="completed", completed_at=dt.datetime(2026, 1, 6, 8)))
    with engine.connect() as conn:
        assert cube_mod.is_current(conn)
    # … until the repair command rebuilds it
    repaired = runner.invoke(main, ["db", "rebuild-cube"], env=env)
    assert repaired.exit_code == 0, repaired.output
    assert "Kennzahlen-Würfel neu berechnet" in repaired.output
    with engine.connect() as conn:
        assert conn.execute(select(CubeVolume.cases, CubeVolume.completed, CubeVolume.open)
                            ).all() == [(2, 2, 0)]
        assert sorted(conn.execute(select(CubeDuration.days, CubeDuration.cases)).all()) == [
            (1, 1), (4, 1)]
    # and the upgraded store takes a normal import, kept incrementally from here
    assert import_dir(KLEINSTADT, settings)[-1].inserted == 8
    assert_cube_equals_rebuild(settings)


def test_two_municipalities_keep_their_own_cube_keys(settings, tmp_path: Path,
                                                     calls: list) -> None:  # noqa: ANN001
    """The same codes and case numbers in two municipalities: each import refreshes only its
    own municipality's keys, the other's cube rows stay as they were, and the kept cube
    equals a rebuild after every step."""
    other = settings.model_copy(update={"ags": "05170024"})
    import_dir(KLEINSTADT, settings)
    _import(_write(tmp_path, "vorgaenge_2.csv"), settings)
    with get_engine(settings).connect() as conn:
        first = _frames(conn)
    calls.clear()
    import_dir(KLEINSTADT, other)
    assert [what for what, _ in calls] == ["refresh"]  # the second one's keys only
    assert {k[0] for k in calls[0][1]} == {"05170024"} and len(calls[0][1]) == 4
    assert_cube_equals_rebuild(settings)
    calls.clear()
    _import(_write(tmp_path, "vorgaenge_3.csv"), other)  # corrections in the second only
    assert [what for what, _ in calls] == ["refresh"]
    assert {k[0] for k in calls[0][1]} == {"05170024"}
    kept = assert_cube_equals_rebuild(settings)
    for name, frame in kept.items():
        assert frame.filter(pl.col("ags") == settings.ags).equals(first[name]), name
    engine = get_engine(settings)
    one, two = load_cube(engine, settings.ags), load_cube(engine, "05170024")
    # the first has V-1 … V-8 and V-20 … V-23 (12 cases), the second the corrected Kleinstadt
    # cases and V-21 (9 cases): V-3, V-4, V-7 corrected, V-21 moved into February
    assert (int(one.volume["cases"].sum()), int(two.volume["cases"].sum())) == (12, 9)
    assert set(one.services["service_id"]).isdisjoint(two.services["service_id"])
