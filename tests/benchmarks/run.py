"""``make bench``: import and cube timings against the goals of the bulk-load issue.

For each size in ``BENCH_SIZES`` (default ``1000000``; e.g. ``1000000,10000000``) the sample
city's case export is generated once (cached under ``data/bench/cases-<n>-seed<seed>/``) and
measured, each measurement in its own subprocess so peak RSS is that run's own:

* the floor: polars parsing the same CSV, every column as text;
* importing it into a fresh SQLite file and a fresh PostgreSQL database, with the share of
  reading, mapping and writing;
* the full cube rebuild (``metrics.cube.load_cube``) on both stores, next to DuckDB and a
  straightforward pandas groupby computing the same aggregation from the same rows (a
  Parquet export of the SQLite store's ``cases``; the export is not timed);
* every dashboard page (``dashboard/views/``) through Streamlit's ``AppTest`` against each
  store once it holds the cases and the sample city's other exports: *cold* is the page's
  first run in a fresh process (empty ``st.cache_*``; the modules are imported before the
  clock starts, as in a running server after an import), *warm* a second session opening it
  in the same process, *rerun* that session running again.

Prints a table and writes ``BENCHMARKS.md``. PostgreSQL: ``BENCH_POSTGRES_URL`` or
``SERVICEPULS_TEST_POSTGRES_URL`` (default the local test server); unreachable → that row
says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOALS = {"sqlite": 250_000, "postgresql": 300_000}  # rows/s
RSS_GOAL_MB = 2048
CUBE_GOAL = 1.5  # × DuckDB's time
PAGE_GOALS = {"cold": 3.0, "warm": 0.5}  # seconds per page run
APP = ROOT / "dashboard" / "app.py"
MASTER = ("leistungen.csv", "standorte.csv")


# --- measurements (run in a child process each) -------------------------------------------

def _settings(url: str, folder: Path):  # noqa: ANN202
    from connectors.settings import Settings

    return Settings(data_dir=folder, database_url=url, pseudonymisation_key="bench")


def measure_parse(csv: str) -> dict:
    """polars cannot decode Windows-1252; utf8-lossy replaces its umlauts, the floor."""
    import polars as pl

    t, cpu = time.perf_counter(), time.process_time()
    frame = pl.read_csv(csv, separator=";", encoding="utf8-lossy", infer_schema=False)
    return {"seconds": time.perf_counter() - t, "rows": frame.height,
            "cpu_seconds": time.process_time() - cpu}


def measure_read(csv: str) -> dict:
    """The import's reader alone (decode, parse, only the mapped columns, batches of 100,000
    rows as polars frames): the part of the import the polars parse is a floor for."""
    from connectors.profiles import profile_for
    from connectors.readers import read_csv_batches

    path = Path(csv)
    profile = profile_for(path)
    required, optional = profile.headers()
    t, cpu = time.perf_counter(), time.process_time()
    rows = sum(b.frame.height + len(b.malformed) for b in read_csv_batches(
        path, encoding=profile.read.encoding, delimiter=profile.read.delimiter,
        skip_rows=profile.read.skip_rows, batch_rows=profile.read.batch_rows,
        required_headers=required, optional_headers=optional, missing=profile.read.missing))
    return {"seconds": time.perf_counter() - t, "rows": rows,
            "cpu_seconds": time.process_time() - cpu}


def measure_import(folder: str, url: str) -> dict:
    import connectors.importer as importer
    from connectors.profiles import profile_for
    from connectors.writers.cases import CaseWriter

    stages = dict(read=0.0, map=0.0, add=0.0, finish=0.0, cube=0.0)
    cube_cpu = [0.0]  # CPU seconds of this process in the cube's maintenance

    def timed(name: str, fn):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] += time.perf_counter() - t
                if name == "cube":
                    cube_cpu[0] += time.process_time() - c
        return wrapper

    def timed_batches(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        it = iter(batches(*args, **kwargs))
        while True:
            t = time.perf_counter()
            try:
                batch = next(it)
            except StopIteration:
                return
            finally:
                stages["read"] += time.perf_counter() - t
            yield batch

    batches = importer._batches
    importer._batches = timed_batches
    importer.map_batch = timed("map", importer.map_batch)
    CaseWriter.add = timed("add", CaseWriter.add)
    CaseWriter.finish = timed("finish", CaseWriter.finish)
    if hasattr(CaseWriter, "settle"):  # first row per case number, contradicting repeats
        CaseWriter.settle = timed("finish", CaseWriter.settle)
    try:  # the persisted cube, maintained inside CaseWriter.finish where it exists
        import connectors.cube as cube

        cube.rebuild = timed("cube", cube.rebuild)
        cube.refresh = timed("cube", cube.refresh)
    except (ImportError, AttributeError):
        pass
    base = Path(folder)
    settings = _settings(url, Path(tempfile.gettempdir()))
    for name in MASTER:
        importer.import_file(base / name, profile_for(base / name), settings)
    cases = base / "vorgaenge.csv"
    stages.update(dict.fromkeys(stages, 0.0))  # the case file only, not the master data
    cube_cpu[0] = 0.0
    t, cpu = time.perf_counter(), time.process_time()
    result = importer.import_file(cases, profile_for(cases), settings, force=True)
    seconds = time.perf_counter() - t
    stages["finish"] -= stages["cube"]  # finish without the cube maintenance inside it
    return {"seconds": seconds, "rows": result.rows_read, "stages": stages,
            "cpu_seconds": time.process_time() - cpu,  # this process only, not the server
            "cube_cpu_seconds": cube_cpu[0],
            "counts": [result.inserted, result.updated, result.duplicate, result.rejected]}


def measure_cube(url: str) -> dict:
    """The persisted cube: its full rebuild from every case (``connectors.cube.rebuild``, what
    an import into an empty store or ``servicepuls db rebuild-cube`` pays), ``load_cube``
    reading it, and the refresh of the newest month's keys (what a monthly delivery pays)."""
    import polars as pl

    from connectors import cube as persisted
    from connectors.db import get_engine
    from metrics.cube import load_cube

    settings = _settings(url, Path(tempfile.gettempdir()))
    engine = get_engine(settings)
    t = time.perf_counter()
    with engine.begin() as conn:
        persisted.rebuild(conn)
    seconds = time.perf_counter() - t
    t = time.perf_counter()
    cube = load_cube(engine)
    load_seconds = time.perf_counter() - t
    newest = cube.volume.filter(pl.col("month") == pl.col("month").max())
    keys = {(settings.ags, m, s)
            for m, s in newest.select("month", "service_id").unique().iter_rows()}
    t = time.perf_counter()
    with engine.begin() as conn:
        persisted.lock(conn)
        persisted.refresh(conn, keys)
    return {"seconds": seconds, "load_seconds": load_seconds,
            "refresh_seconds": time.perf_counter() - t, "refresh_keys": len(keys),
            "refresh_cases": int(newest["cases"].sum()),
            "check": [int(cube.volume["cases"].sum()), cube.volume.height,
                      cube.durations.height]}


def export_parquet(sqlite_file: str, parquet: str) -> dict:
    """The SQLite store's cases as typed Parquet, streamed (not timed for any engine)."""
    import sqlite3

    import polars as pl
    import pyarrow.parquet as pq

    cols = ["service_id", "location_id", "channel", "received_at", "completed_at", "status",
            "follow_up_count"]
    schema = {"service_id": pl.Int64, "location_id": pl.Int64, "channel": pl.String,
              "received_at": pl.String, "completed_at": pl.String, "status": pl.String,
              "follow_up_count": pl.Int64}
    con = sqlite3.connect(sqlite_file)
    cur = con.execute(f"SELECT {', '.join(cols)} FROM cases")
    writer = None
    while rows := cur.fetchmany(500_000):
        frame = pl.DataFrame(rows, schema=schema, orient="row").with_columns(
            pl.col("received_at", "completed_at").str.to_datetime("%Y-%m-%d %H:%M:%S%.f"))
        table = frame.to_arrow()
        writer = writer or pq.ParquetWriter(parquet, table.schema)
        writer.write_table(table)
    if writer:
        writer.close()
    return {"seconds": 0.0}


_DUCKDB_SQL = """
WITH c AS (SELECT date_trunc('month', received_at)::DATE AS month, service_id, location_id,
                  channel, status, follow_up_count, received_at, completed_at
           FROM read_parquet(?))
SELECT month, service_id, location_id, channel, count(*) AS cases,
       count(*) FILTER (status = 'completed') AS completed,
       count(*) FILTER (status = 'completed' AND follow_up_count > 0) AS completed_with_follow_up,
       count(*) FILTER (status = 'open') AS open
FROM c GROUP BY ALL
"""
_DUCKDB_DAYS = """
SELECT date_trunc('month', received_at)::DATE AS month, service_id, location_id, channel,
       date_diff('day', received_at::DATE, completed_at::DATE) AS days, count(*) AS cases
FROM read_parquet(?) WHERE status = 'completed' AND completed_at IS NOT NULL GROUP BY ALL
"""


def measure_duckdb(parquet: str) -> dict:
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    # Arrow out, as polars frames would be made from (no conversion to Python objects).
    volume = con.execute(_DUCKDB_SQL, [parquet]).to_arrow_table()
    durations = con.execute(_DUCKDB_DAYS, [parquet]).to_arrow_table()
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "check": [int(volume["cases"].to_numpy().sum()),
                                          volume.num_rows, durations.num_rows]}


def measure_pandas(parquet: str) -> dict:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_parquet(parquet)
    df["month"] = df["received_at"].dt.to_period("M").dt.to_timestamp()
    dims = ["month", "service_id", "location_id", "channel"]
    completed = df["status"] == "completed"
    df = df.assign(completed=completed, open=df["status"] == "open",
                   completed_with_follow_up=completed & (df["follow_up_count"] > 0))
    volume = df.groupby(dims, dropna=False).agg(
        cases=("status", "size"), completed=("completed", "sum"), open=("open", "sum"),
        completed_with_follow_up=("completed_with_follow_up", "sum")).reset_index()
    done = df[completed & df["completed_at"].notna()]
    days = (done["completed_at"].dt.normalize() - done["received_at"].dt.normalize()).dt.days
    durations = done.assign(days=days).groupby([*dims, "days"], dropna=False).size()
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "check": [int(volume["cases"].sum()), len(volume),
                                          len(durations)]}


def _page_env(url: str, data_dir: str) -> None:
    """The store the dashboard opens; nothing else of the caller's configuration."""
    for key in [k for k in os.environ if k.startswith("SERVICEPULS_")]:
        del os.environ[key]
    os.environ.update(SERVICEPULS_DATABASE_URL=url, SERVICEPULS_DATA_DIR=data_dir,
                      SERVICEPULS_PSEUDONYMISATION_KEY="bench",
                      # as `servicepuls dashboard` starts the server (dashboard/cli.py); on,
                      # Streamlit records telemetry of every st.* call of a run
                      STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")


def load_extras(folder: str, url: str, data_dir: str) -> dict:
    """Not timed: the sample city's other exports (survey, statistics, funnel, appointments)
    imported after its cases, and its pilot and cost files in ``data_dir`` — what ``servicepuls
    demo`` sets up, so every page has its data."""
    import shutil

    from connectors.importer import import_file
    from connectors.profiles import profiles_for
    from connectors.records import IMPORT_ORDER

    _page_env(url, data_dir)
    settings = _settings(url, Path(data_dir))
    base = Path(folder)
    plan = [(IMPORT_ORDER[p.source.kind], f, p) for f in sorted(base.iterdir())
            if f.is_file() and f.name not in (*MASTER, "vorgaenge.csv")
            for p in profiles_for(f)]
    for _, f, profile in sorted(plan, key=lambda x: (x[0], str(x[1]))):
        import_file(f, profile, settings)
    for name in ("pilotprojekte.toml", "kosten.toml"):
        if (base / name).exists():
            shutil.copy(base / name, Path(data_dir) / name)
    return {"seconds": 0.0, "files": len(plan)}


def measure_page(url: str, data_dir: str, page: str) -> dict:
    """One page: cold (first run in this fresh process, empty caches), warm (a second session
    opening it, caches filled) and rerun (that session again). Opened as a shared link does
    (``switch_page`` before the first run), so the time is this page's alone."""
    import importlib
    import pkgutil

    _page_env(url, data_dir)
    from streamlit.testing.v1 import AppTest

    import dashboard
    import metrics
    from tests.test_dashboard_overview import as_link

    for pkg in (dashboard, metrics):  # what a running server has imported already
        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if not mod.name.startswith(("dashboard.views", "dashboard.app")):
                try:
                    importlib.import_module(mod.name)
                except Exception:  # noqa: BLE001, S112 - an optional extra; the page will say
                    continue

    components = _components()
    _share_script_cache()

    def opened() -> tuple[AppTest, float, float]:
        at = as_link(AppTest.from_file(str(APP), default_timeout=3600), page)
        at._bidi_component_manager = components  # noqa: SLF001 - see _components
        t, cpu = time.perf_counter(), time.process_time()
        at.run()
        return at, time.perf_counter() - t, time.process_time() - cpu

    at, cold, cold_cpu = opened()
    errors = [e.message for e in at.exception]
    at, warm, _ = opened()
    t = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - t
    errors += [e.message for e in at.exception]
    out = {"cold": cold, "cold_cpu": cold_cpu, "warm": warm, "rerun": rerun}
    if errors:
        out["error"] = errors[0].splitlines()[0][:200]
    return out


def _components():  # noqa: ANN202 - streamlit's BidiComponentManager
    """The installed packages' Streamlit components, discovered once before the clock.

    A server scans every installed package's metadata for components once, when it starts;
    a new ``AppTest`` does it again on its first run (0.2–0.6 s here), which is no part of a
    page's time. Every AppTest of a measurement gets this one registry instead."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def _share_script_cache() -> None:
    """One cache of compiled page scripts for every AppTest of this process, as a server has
    one for all sessions: the cold run compiles the page, later sessions reuse it (a new
    AppTest otherwise compiles it again, 0.1–0.2 s for the overview)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared


def measure_floor() -> dict:
    """AppTest's own cost, the floor under every page's time: a two-element script, opened
    and run the way :func:`measure_page` runs a page."""
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="sp_bench_floor_") as tmp:
        app = Path(tmp) / "app.py"
        app.write_text('import streamlit as st\nst.title("Servicepuls")\nst.write("floor")\n',
                       encoding="utf-8")

        def timed(at: AppTest) -> tuple[float, float]:
            t, cpu = time.perf_counter(), time.process_time()
            at.run()
            return time.perf_counter() - t, time.process_time() - cpu

        components = _components()
        _share_script_cache()

        def opened() -> AppTest:
            at = AppTest.from_file(str(app))
            at._bidi_component_manager = components  # noqa: SLF001 - see _components
            return at

        cold, cold_cpu = timed(opened())
        at = opened()
        warm, _ = timed(at)
        rerun, _ = timed(at)
    return {"cold": cold, "cold_cpu": cold_cpu, "warm": warm, "rerun": rerun}


MEASURES = {"parse": measure_parse, "read": measure_read, "import": measure_import,
            "cube": measure_cube, "export": export_parquet, "duckdb": measure_duckdb,
            "pandas": measure_pandas, "extras": load_extras, "page": measure_page,
            "floor": measure_floor}


def _peak_rss_mb() -> float:
    """This process's own high-water mark. Not getrusage: on Linux its ru_maxrss carries the
    parent's peak over fork and exec, so every child would report the generator's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(name: str, args: list[str]) -> None:
    out = MEASURES[name](*args)
    out["rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


# --- orchestration --------------------------------------------------------------------------

def run(name: str, *args: str) -> dict:
    """One measurement in a fresh interpreter; its own peak RSS comes back with the result."""
    proc = subprocess.run([sys.executable, "-m", "tests.benchmarks.run", "_child", name, *args],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0][:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sample(cases: int, seed: int) -> Path:
    folder = ROOT / "data" / "bench" / f"cases-{cases}-seed{seed}"
    if not (folder / ".complete").exists():
        from sample_data import generate

        print(f"generating {cases:,} cases into {folder} …", flush=True)
        generate(folder, cases=cases, seed=seed)
        (folder / ".complete").touch()
    return folder


def _pg_database(admin_url: str) -> tuple[str | None, str | None]:
    """(url of a fresh database, None) or (None, why PostgreSQL is skipped)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"sp_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001
        return None, f"PostgreSQL not reachable at {admin_url} ({type(exc).__name__})"
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), None


def _drop_pg(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def bench_size(cases: int, seed: int, admin_url: str) -> dict:
    folder = sample(cases, seed)
    res: dict = {"cases": cases, "file_mb": (folder / "vorgaenge.csv").stat().st_size / 1e6}
    res["parse"] = run("parse", str(folder / "vorgaenge.csv"))
    res["read"] = run("read", str(folder / "vorgaenge.csv"))
    res["page_floor"] = run("floor")
    with tempfile.TemporaryDirectory(prefix="sp_bench_") as tmp:
        sqlite_url = f"sqlite:///{tmp}/store.db"
        res["import_sqlite"] = run("import", str(folder), sqlite_url)
        res["cube_sqlite"] = run("cube", sqlite_url)
        parquet = f"{tmp}/cases.parquet"
        run("export", f"{tmp}/store.db", parquet)
        res["duckdb"] = run("duckdb", parquet)
        res["pandas"] = run("pandas", parquet)
        Path(parquet).unlink(missing_ok=True)
        res["pages_sqlite"] = bench_pages(folder, sqlite_url)
    pg_url, reason = _pg_database(admin_url)
    if pg_url is None:
        res["import_postgresql"] = res["cube_postgresql"] = {"skipped": reason}
        res["pages_postgresql"] = {"skipped": reason}
    else:
        try:
            res["import_postgresql"] = run("import", str(folder), pg_url)
            res["cube_postgresql"] = run("cube", pg_url)
            res["pages_postgresql"] = bench_pages(folder, pg_url)
        finally:
            _drop_pg(admin_url, pg_url)
    return res


def pages() -> list[str]:
    """The dashboard's pages in navigation order (``PAGES`` of ``dashboard/app.py``, read
    without running the app)."""
    import ast

    for node in ast.walk(ast.parse(APP.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES":
            return [elt.elts[0].value for elt in node.value.elts]
    return sorted(f"views/{p.name}" for p in (APP.parent / "views").glob("[!_]*.py"))


def bench_pages(folder: Path, url: str) -> dict:
    """Every page against the store at ``url``, each page in its own process."""
    with tempfile.TemporaryDirectory(prefix="sp_bench_pages_") as data_dir:
        extras = run("extras", str(folder), url, data_dir)
        if "error" in extras:
            return {"error": f"loading the other exports: {extras['error']}"}
        return {page: run("page", url, data_dir, page) for page in pages()}


def _machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    import sqlite3

    import polars as pl

    return {"cpu": cpu, "cores": os.cpu_count(),
            "ram_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "python": platform.python_version(), "polars": pl.__version__,
            "sqlite": sqlite3.sqlite_version, "os": platform.platform()}


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000000").split(",") if s]
    seed = int(os.environ.get("BENCH_SEED", "42"))
    admin_url = os.environ.get("BENCH_POSTGRES_URL",
                               os.environ.get("SERVICEPULS_TEST_POSTGRES_URL", PG_DEFAULT))
    started = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    results = [bench_size(n, seed, admin_url) for n in sizes]
    from tests.benchmarks.report import render

    text = render(results, _machine(), started, load_before, os.getloadavg())
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3:])
    else:
        main()
