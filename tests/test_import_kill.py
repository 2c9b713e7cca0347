"""Atomicity with a real kill: a process importing a large file is killed with SIGKILL in
the middle; the store is exactly as before, and the next import succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.importer import import_file
from connectors.profiles import profile_for, resolve_profile
from connectors.store import Case, CubeVolume, ImportRun, RejectedRow
from sample_data import generate
from tests.test_cube_incremental import assert_cube_equals_rebuild


def _counts(settings) -> tuple[int, int, int]:  # noqa: ANN001
    with get_engine(settings).connect() as conn:
        return (conn.execute(select(func.count()).select_from(Case)).scalar_one(),
                conn.execute(select(func.count()).select_from(RejectedRow)).scalar_one(),
                conn.execute(select(func.count()).select_from(CubeVolume)).scalar_one())


CASES = 150_000


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    return generate(tmp_path_factory.mktemp("stadt"), cases=CASES, seed=7)


def test_kill_during_import_leaves_the_store_as_before(settings, export) -> None:  # noqa: ANN001
    for f in (export.services_file, export.locations_file):
        import_file(f, profile_for(f), settings)
    before = _counts(settings)
    env = {**os.environ, "SERVICEPULS_DATABASE_URL": settings.db_url,
           "SERVICEPULS_DATA_DIR": str(settings.data_dir),
           "SERVICEPULS_PSEUDONYMISATION_KEY": "test-key"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", str(export.cases_file)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).parents[1],
    )
    try:
        deadline = time.monotonic() + 60
        running = None
        while time.monotonic() < deadline and running is None:
            time.sleep(0.05)
            with get_engine(settings).connect() as conn:
                running = conn.execute(select(ImportRun.id).where(
                    ImportRun.status == "running")).scalar()
        assert running is not None, "the import never started"
        time.sleep(0.7)  # well into the file (a full import takes several seconds)
        assert proc.poll() is None, "the import finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert _counts(settings) == before  # nothing half-written

    result = import_file(export.cases_file, resolve_profile("musterstadt_vorgaenge"), settings)
    assert result.inserted + result.rejected == CASES and result.rejected == export.bad_rows
    with get_engine(settings).connect() as conn:
        statuses = dict(conn.execute(select(ImportRun.id, ImportRun.status)).all())
    assert statuses[running] == "aborted" and statuses[result.run_id] == "succeeded"
    assert_cube_equals_rebuild(settings)
