"""Several municipalities in one store: every read sees one of them.

Two sample cities with the same service and location codes and the same case numbers
(``2024-00000001`` …) but other data (seeds) go into one store (``mixed``: A, then B) and each
into a store of its own (``solo_a``, ``solo_b``). Whatever a person or a program sees of A
in the mixed store — every loader of metrics, every KPI, every page, the open-data export —
must equal what the store holding only A gives, and the same for B. A forgotten tenant filter
mixes B's rows into A's numbers and fails these comparisons; ``test_every_statement_filters_
on_the_municipality`` also catches it at the cursor, statement by statement.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import event, text

from connectors.db import get_engine
from connectors.settings import Settings
from connectors.tenants import TENANT_TABLES, check_ags, tenants
from dashboard.cli import main
from metrics import quality
from metrics.appointments import load_appointments
from metrics.catalogue import KPIS
from metrics.cube import load_cube
from metrics.funnel import load_funnel
from metrics.kpis import compute
from metrics.satisfaction import comments, load_feedback
from tests.conftest import STORES, _postgres_database, import_dir

A, B = "05999001", "05170024"  # A is the default (SERVICEPULS_AGS unset)
CASES = 1_500


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two sample cities: same codes and case numbers, other data."""
    from sample_data import generate

    return {ags: generate(tmp_path_factory.mktemp(f"city{ags}"), cases=CASES, seed=seed,
                          months=14).out_dir
            for ags, seed in ((A, 11), (B, 12))}


@contextmanager
def _store(kind: str, folder: Path, pg_reason: str | None) -> Iterator[Settings]:
    if kind == "sqlite":
        yield Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                       pseudonymisation_key="test-key")
        return
    with _postgres_database(pg_reason) as url:
        yield Settings(data_dir=folder, database_url=url, pseudonymisation_key="test-key")


@pytest.fixture(scope="module", params=STORES)
def stores(request: pytest.FixtureRequest, cities: dict[str, Path], pg_reason: str | None,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Settings]]:
    """``mixed`` (A then B), ``solo_a`` and ``solo_b``, on SQLite or PostgreSQL."""
    with ExitStack() as stack:
        out = {}
        for name in ("mixed", "solo_a", "solo_b"):
            folder = tmp_path_factory.mktemp(name)
            # the pilots and costs files of the sample city (same codes in both cities)
            for extra in ("pilotprojekte.toml", "kosten.toml"):
                shutil.copy(cities[A] / extra, folder / extra)
            out[name] = stack.enter_context(_store(request.param, folder, pg_reason))
        for name, ags in (("mixed", A), ("mixed", B), ("solo_a", A), ("solo_b", B)):
            results = import_dir(cities[ags], out[name].model_copy(update={"ags": ags}))
            assert all(not r.skipped for r in results)
        yield out


def _frames_equal(left: pl.DataFrame, right: pl.DataFrame, what: str) -> None:
    assert left.height > 0 or right.height == 0, what
    assert left.equals(right), f"{what} differs:\n{left}\n{right}"


def _by_code(cube, frame: pl.DataFrame) -> pl.DataFrame:  # noqa: ANN001 - metrics Cube
    """Ids differ between stores (B's come after A's in the mixed one): codes instead."""
    if "service_id" in frame.columns:
        frame = frame.join(cube.services.select("service_id", pl.col("code").alias("svc")),
                           on="service_id", how="left").drop("service_id")
    if "location_id" in frame.columns:
        frame = frame.join(cube.locations.select("location_id", pl.col("code").alias("loc")),
                           on="location_id", how="left").drop("location_id")
    return frame.sort(frame.columns, nulls_last=True)


def _loaders(engine, ags: str) -> dict[str, pl.DataFrame]:  # noqa: ANN001
    """Everything metrics reads from the store for one municipality, by code."""
    cube = load_cube(engine, ags)
    facts = load_appointments(engine, ags)
    out = {f"cube.{name}": getattr(cube, name) for name in
           ("volume", "durations", "usage", "standards", "waits", "open_cases")}
    out |= {
        "cube.services": cube.services.drop("service_id"),
        "cube.locations": cube.locations.drop("location_id"),
        "appointments.lead": facts.lead, "appointments.waits": facts.waits,
        "funnel": load_funnel(engine, ags), "feedback": load_feedback(engine, ags),
        "comments": comments(engine, 10_000, ags=ags),
        "quality.runs": quality.import_runs(engine, ags=ags).select(
            "source", "profile", "file_name", "status", "rows_read", "rows_inserted",
            "rows_rejected"),
        "quality.reasons": quality.rejected_by_reason(engine, ags=ags),
        "quality.rejected": quality.rejected_rows(engine, ags=ags).drop("import_run_id"),
        "quality.freshness": quality.freshness(engine, ags=ags).select("source", "runs",
                                                                          "failed_runs"),
        "quality.coverage": quality.coverage_gaps(cube).drop("service_id"),
    }
    for kpi, definition in KPIS.items():
        if definition.computed_by is not None:  # funnel, satisfaction …: their frames above
            continue
        if definition.cube == "open_cases":  # a snapshot: no months
            out[f"kpi.{kpi}"] = compute(kpi, cube, (), min_n=5)
        else:
            out[f"kpi.{kpi}"] = compute(kpi, cube, ("period", "service_id"), min_n=5,
                                        grain="month")
    return {name: _by_code(cube, frame) for name, frame in out.items()}


@pytest.mark.parametrize(("ags", "solo"), [(A, "solo_a"), (B, "solo_b")])
def test_every_metric_of_a_municipality_equals_its_own_store(stores, ags, solo) -> None:  # noqa: ANN001
    mixed = _loaders(get_engine(stores["mixed"]), ags)
    alone = _loaders(get_engine(stores[solo]), ags)
    assert mixed.keys() == alone.keys()
    for name in mixed:
        _frames_equal(mixed[name], alone[name], name)
    # the data is real and the two cities differ (else the comparison proves nothing)
    assert mixed["cube.volume"]["cases"].sum() == CASES
    other = _loaders(get_engine(stores["mixed"]), B if ags == A else A)
    assert not other["cube.volume"].equals(mixed["cube.volume"])
    assert load_cube(get_engine(stores["mixed"]), ags).as_of == \
        load_cube(get_engine(stores[solo]), ags).as_of


def test_same_codes_and_case_numbers_do_not_clash(stores) -> None:  # noqa: ANN001
    engine = get_engine(stores["mixed"])
    assert tenants(engine) == sorted([A, B])
    assert tenants(get_engine(stores["solo_b"])) == [B]
    with engine.connect() as conn:
        per = dict(conn.execute(text("SELECT ags, count(*) FROM cases GROUP BY ags")).all())
        assert per == {A: CASES, B: CASES}
        codes = {ags: set(conn.execute(text("SELECT code FROM services WHERE ags = :a"),
                                       {"a": ags}).scalars()) for ags in (A, B)}
        assert codes[A] == codes[B] and len(codes[A]) > 10  # every code twice
        # the same case numbers give the same hash, and two rows that never dedupe
        shared = conn.execute(text(
            "SELECT count(*) FROM cases a JOIN cases b ON a.case_key = b.case_key "
            "AND a.source = b.source WHERE a.ags = :a AND b.ags = :b"), {"a": A, "b": B}
        ).scalar_one()
        assert shared > CASES // 2


def test_tenant_grain_and_totals_across_municipalities(stores) -> None:  # noqa: ANN001
    """``tenant`` is a grain of the engine: per municipality the values of each one's own
    cube, and the total over both is Σ numerator / Σ denominator."""
    engine = get_engine(stores["mixed"])
    both = load_cube(engine, [A, B])
    for kpi in ("digital_take_up", "follow_up_rate", "processing_days_median"):
        grained = compute(kpi, both, ("tenant", "month"), min_n=1)
        for ags in (A, B):
            own = compute(kpi, load_cube(engine, ags), ("month",), min_n=1)
            mine = grained.filter(pl.col("tenant") == ags).drop("tenant")
            _frames_equal(mine.select(own.columns), own, f"{kpi} {ags}")
    take_up = compute("digital_take_up", both, ("tenant",), min_n=1)
    total = compute("digital_take_up", both, (), min_n=1).row(0, named=True)
    assert total["numerator"] == take_up["numerator"].sum()
    assert total["n"] == take_up["n"].sum() == 2 * CASES - _not_online_yet(both)
    assert total["value"] == pytest.approx(take_up["numerator"].sum() / take_up["n"].sum())


def _not_online_yet(cube) -> int:  # noqa: ANN001
    """Cases of services not online at the time (take-up leaves them out)."""
    from metrics.facts import online_only

    return int(cube.volume["cases"].sum() - online_only(cube)[0]["cases"].sum())


def test_open_data_export_of_a_municipality_equals_its_own_store(stores, tmp_path) -> None:  # noqa: ANN001
    runner = CliRunner()
    written = {}
    for name, store, args in (("mixed", stores["mixed"], ["--ags", B]),
                              ("solo", stores["solo_b"], [])):
        env = {"SERVICEPULS_DATABASE_URL": store.db_url,
               "SERVICEPULS_DATA_DIR": str(store.data_dir),
               "SERVICEPULS_AGS": B if name == "solo" else A,
               "SERVICEPULS_PSEUDONYMISATION_KEY": "test-key"}
        out = tmp_path / name
        done = runner.invoke(main, ["publish", "--out", str(out), *args], env=env)
        assert done.exit_code == 0, done.output
        written[name] = {p.name: p.read_bytes() for p in out.iterdir()
                         if p.suffix in (".csv", ".json")}
    assert written["mixed"].keys() == written["solo"].keys() and len(written["solo"]) > 2
    for name, content in written["solo"].items():
        assert written["mixed"][name] == content, name


def test_ags_is_checked() -> None:
    assert check_ags(" 05170024 ") == "05170024"
    with pytest.raises(Exception, match="kein Amtlicher Gemeindeschlüssel") as info:
        check_ags("5170024")
    assert "führende Null" in str(info.value)
    done = CliRunner().invoke(main, ["import", "--ags", "0517002X", __file__])
    assert done.exit_code == 2 and "kein Amtlicher Gemeindeschlüssel" in done.output


# --- the guard: no statement on a tenant table without the AGS -----------------------------

# Statements that read a tenant table across municipalities on purpose: which ones exist
# (the sidebar's choice), and the cube's watermark (is max(cases.id) what the cube saw).
_ACROSS = (re.compile(r"SELECT DISTINCT \w+\.ags"), re.compile(r"max\(cases\.id\)"))
_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.I)


def unscoped(statement: str) -> list[str]:
    """The tenant tables ``statement`` reads without a condition on their ``ags``."""
    if any(p.search(statement) for p in _ACROSS):
        return []
    missing = []
    for table, alias in _TABLE.findall(statement):
        if table.lower() not in TENANT_TABLES:
            continue
        names = {table, alias} - {"", "WHERE", "GROUP", "ORDER", "JOIN", "LEFT", "ON"}
        if not any(re.search(rf"\b{re.escape(n)}\.ags\s*(=|IN\b)", statement, re.I)
                   for n in names):
            missing.append(table)
    return missing


def test_the_guard_sees_a_forgotten_filter() -> None:
    assert unscoped("SELECT cube_volume.month FROM cube_volume WHERE cube_volume.ags = ?") == []
    assert unscoped("SELECT a.x FROM appointments AS a WHERE a.ags IN (?, ?)") == []
    assert unscoped("SELECT cube_volume.month FROM cube_volume") == ["cube_volume"]
    assert unscoped("SELECT s.x FROM services s JOIN cases c ON c.service_id = s.id "
                    "WHERE s.ags = ?") == ["cases"]
    assert unscoped("SELECT alembic_version.version_num FROM alembic_version") == []


@contextmanager
def statements(engine) -> Iterator[list[str]]:  # noqa: ANN001
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


PAGES = ["views/overview.py", "views/services.py", "views/locations.py",
         "views/satisfaction.py", "views/pilots.py", "views/quality.py", "views/reports.py"]


def test_every_statement_filters_on_the_municipality(stores, monkeypatch) -> None:  # noqa: ANN001
    """Every loader, the CLI's report, publish and notify inputs, and every page of the
    dashboard: each statement that touches a tenant table carries its AGS."""
    from dashboard.notify import build
    from dashboard.report.content import load_inputs
    from tests.test_dashboard_overview import open_page, use_store

    settings = stores["mixed"]
    engine = get_engine(settings)
    with statements(engine) as seen:
        _loaders(engine, B)
        load_inputs(settings.model_copy(update={"ags": B}))
        import datetime as dt

        build(settings.model_copy(update={"ags": B}), engine, summary=True, reminders=False,
              sources_file=None, today=dt.date(2026, 11, 3))
        use_store(monkeypatch, settings)
        for page in PAGES:
            open_page(page, link=True, ags=B)
    assert len(seen) > 40
    bad = {s: unscoped(s) for s in seen if unscoped(s)}
    assert not bad, "statements without the municipality:\n" + "\n".join(bad)


# --- the dashboard: one municipality at a time ---------------------------------------------

_TIME = re.compile(r"\d\d\.\d\d\.\d{4},? \d\d:\d\d|\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?\S*")


def _main_area(at, store: Settings) -> list[str]:  # noqa: ANN001 - AppTest
    """What the main area shows, import times (the stores were filled seconds apart) and
    the store's folder masked."""
    out = []
    for node in at.main:
        for kind in ("metric", "dataframe", "markdown", "caption", "info", "warning",
                     "error", "table"):
            for el in getattr(node, kind, []):
                value = el.value
                value = value.to_csv() if hasattr(value, "to_csv") else str(value)
                if kind == "metric":
                    value = f"{el.label}={value} {el.delta}"
                value = value.replace(str(store.data_dir), "<data_dir>").replace(
                    get_engine(store).url.render_as_string(hide_password=True), "<store>")
                out.append(f"{kind}:{_TIME.sub('<t>', value)}")
    return out


@pytest.mark.parametrize("page", [p for p in PAGES if p != "views/quality.py"])
def test_each_page_of_a_municipality_equals_its_own_store(stores, monkeypatch, page) -> None:  # noqa: ANN001
    """B chosen by ``?ags=`` in the mixed store shows what the store of B alone shows."""
    from tests.test_dashboard_overview import open_page, use_store

    use_store(monkeypatch, stores["mixed"])
    mixed = open_page(page, link=True, ags=B)
    assert [s.label for s in mixed.sidebar.selectbox if s.label == "Kommune"] == ["Kommune"]
    use_store(monkeypatch, stores["solo_b"])
    monkeypatch.setenv("SERVICEPULS_AGS", B)
    alone = open_page(page, link=True)
    assert not [s for s in alone.sidebar.selectbox if s.label == "Kommune"]
    shown = _main_area(mixed, stores["mixed"])
    assert len(shown) >= 3
    assert shown == _main_area(alone, stores["solo_b"])


def test_the_sidebar_chooses_the_municipality(stores, monkeypatch) -> None:  # noqa: ANN001
    from tests.test_dashboard_overview import open_page, use_store

    use_store(monkeypatch, stores["mixed"])
    at = open_page("views/overview.py")
    choice = next(s for s in at.sidebar.selectbox if s.label == "Kommune")
    assert (choice.options, choice.value) == ([B, f"Musterstadt ({A})"], A)  # by AGS
    first = [m.value for m in at.metric]
    choice.set_value(B).run()
    assert not at.exception
    assert at.query_params["ags"] == B
    assert [m.value for m in at.metric] != first
    use_store(monkeypatch, stores["solo_b"])
    monkeypatch.setenv("SERVICEPULS_AGS", B)
    assert [m.value for m in at.metric] == [m.value for m in open_page(
        "views/overview.py").metric]


def test_settings_files_per_municipality(tmp_path) -> None:  # noqa: ANN001
    """Pilots, targets and costs: ``<data_dir>/<ags>/<file>`` wins over ``<data_dir>/<file>``,
    and a configured path's ``{ags}`` is the municipality's."""
    from metrics.costs import costs_path
    from metrics.pilot_config import pilots_path
    from metrics.target_config import targets_path

    settings = Settings(data_dir=tmp_path)
    (tmp_path / B).mkdir()
    (tmp_path / B / "zielwerte.toml").write_text("", encoding="utf-8")
    assert targets_path(settings) == tmp_path / "zielwerte.toml"  # A has no own file
    assert targets_path(settings, A) == tmp_path / "zielwerte.toml"
    assert targets_path(settings, B) == tmp_path / B / "zielwerte.toml"
    assert pilots_path(settings, B) == tmp_path / "pilotprojekte.toml"
    assert costs_path(settings.model_copy(update={"ags": B})) == tmp_path / "kosten.toml"
    configured = settings.model_copy(update={"costs_file": tmp_path / "k-{ags}.toml"})
    assert costs_path(configured, B) == tmp_path / f"k-{B}.toml"
    assert costs_path(configured) == tmp_path / f"k-{A}.toml"


def test_each_municipality_shows_its_own_pilots(stores, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    """One pilots file per municipality (``SERVICEPULS_PILOTS_FILE`` with ``{ags}``): the
    pilots page of A and of B in the mixed store each show their own pilot only."""
    from tests.test_dashboard_overview import open_page, use_store

    sample = (stores["mixed"].data_dir / "pilotprojekte.toml").read_text(encoding="utf-8")
    for ags, name in ((A, "Videoanleitung A"), (B, "Flyer B")):
        (tmp_path / ags).mkdir()
        (tmp_path / ags / "pilote.toml").write_text(sample.replace(
            "Online-Ummeldung mit Videoanleitung", name), encoding="utf-8")
    use_store(monkeypatch, stores["mixed"])
    monkeypatch.setenv("SERVICEPULS_PILOTS_FILE", str(tmp_path / "{ags}" / "pilote.toml"))
    for ags, name in ((A, "Videoanleitung A"), (B, "Flyer B")):
        at = open_page("views/pilots.py", link=True, ags=ags)
        assert not at.exception
        assert [s.options for s in at.selectbox if s.key == "pilot"] == [[name]]
        assert name in [h.value for h in at.subheader]


# --- where an import's municipality comes from ----------------------------------------------


def _cases_per_tenant(settings: Settings) -> dict[str, int]:
    with get_engine(settings).connect() as conn:
        return dict(conn.execute(text("SELECT ags, count(*) FROM cases GROUP BY ags")).all())


def test_sources_file_and_profile_name_the_municipality(settings, tmp_path) -> None:  # noqa: ANN001
    """The same Kleinstadt export through two sources of one sources file: one names its
    municipality, the other falls back to SERVICEPULS_AGS; each has its own file state, so a
    second run reads nothing. A profile's own ``[source] ags`` applies when the sources file
    names none."""
    from connectors.profiles import resolve_profile
    from connectors.sources import import_all, load_sources
    from tests.conftest import KLEINSTADT

    shutil.copytree(KLEINSTADT, tmp_path / "export")
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "Kleinstadt"\npath = "export"\nags = "05170024"\n\n'
        '[[source]]\nname = "Musterstadt"\npath = "export"\n', encoding="utf-8")
    sources = load_sources(tmp_path / "sources.toml")
    first = import_all(settings, sources)
    assert [o.error for o in first] == [None] * 6
    assert _cases_per_tenant(settings) == {B: 8, A: 8}
    with get_engine(settings).connect() as conn:
        assert conn.execute(text("SELECT ags, source, count(*) FROM source_files GROUP BY ags, "
                                 "source ORDER BY ags")).all() == [
            (B, "Kleinstadt", 3), (A, "Musterstadt", 3)]
    assert all(o.unchanged for o in import_all(settings, sources))

    from connectors.importer import import_file

    profile = resolve_profile("musterstadt_vorgaenge")
    profile = profile.model_copy(update={"source": profile.source.model_copy(
        update={"ags": "09162000"})})
    third = import_file(KLEINSTADT / "vorgaenge.csv", profile, settings)
    # a municipality without master data of its own: every service is unknown there
    assert (third.inserted, third.rejected) == (0, third.rows_read)
    with get_engine(settings).connect() as conn:
        assert conn.execute(text("SELECT ags FROM import_runs WHERE id = :i"),
                            {"i": third.run_id}).scalar_one() == "09162000"
    # an explicit AGS wins over the profile's (B has this file already: skipped)
    assert import_file(KLEINSTADT / "vorgaenge.csv", profile, settings, ags=B).skipped


def test_import_command_takes_ags(settings, monkeypatch) -> None:  # noqa: ANN001
    from tests.conftest import KLEINSTADT
    from tests.test_dashboard_overview import use_store

    use_store(monkeypatch, settings)
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "test-key")
    done = CliRunner().invoke(main, ["import", str(KLEINSTADT), "--ags", B])
    assert done.exit_code == 0, done.output
    assert _cases_per_tenant(settings) == {B: 8}
    done = CliRunner().invoke(main, ["import", str(KLEINSTADT)])  # the default: A
    assert "8 neu" in done.output
    assert _cases_per_tenant(settings) == {B: 8, A: 8}
