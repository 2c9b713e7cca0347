"""SQLite and PostgreSQL give the same numbers — compared directly, not only each against the
same hand-computed values: the committed sample export (sample_data/examples: cases, monthly
statistics, portal funnel, appointments, survey; 2,000 cases) imported into both, then every
frame the metrics read from the store and every engine KPI by month and service, by location
and channel, and per fiscal year starting in April.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from connectors.db import get_engine
from connectors.settings import Settings
from metrics.appointments import load_appointments
from metrics.catalogue import CATALOGUE
from metrics.cube import Cube, load_cube
from metrics.funnel import load_funnel
from metrics.kpis import compute
from metrics.satisfaction import load_feedback
from tests.conftest import import_dir

EXAMPLES = Path(__file__).parents[1] / "sample_data" / "examples"
ENGINE_KPIS = [k.id for k in CATALOGUE if k.computed_by is None]


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, pg_reason: str | None):  # noqa: ANN201
    """The sample export in a SQLite and in a PostgreSQL store (both kept for the module)."""
    from tests.conftest import _postgres_database

    folder = tmp_path_factory.mktemp("parity")
    sqlite = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                      pseudonymisation_key="test-key")
    with _postgres_database(pg_reason) as url:
        postgres = Settings(data_dir=folder, database_url=url, pseudonymisation_key="test-key")
        for settings in (sqlite, postgres):
            import_dir(EXAMPLES, settings)
        yield sqlite, postgres


@pytest.fixture(scope="module")
def cubes(stores) -> tuple[Cube, Cube]:  # noqa: ANN001
    return tuple(load_cube(get_engine(s)) for s in stores)


@pytest.mark.postgres
@pytest.mark.parametrize("frame", ["volume", "durations", "services", "locations", "usage",
                                   "standards", "waits", "open_cases"])
def test_the_cube_is_the_same_on_both_stores(cubes, frame: str) -> None:  # noqa: ANN001
    lite, pg = (getattr(c, frame) for c in cubes)
    assert lite.height > 0 or frame in ("standards", "waits")
    assert_frame_equal(_sorted(lite), _sorted(pg))
    assert cubes[0].as_of == cubes[1].as_of


@pytest.mark.postgres
@pytest.mark.parametrize("load", [load_funnel, load_feedback,
                                  lambda e: load_appointments(e).lead,
                                  lambda e: load_appointments(e).waits],
                         ids=["funnel", "feedback", "appointment_lead", "appointment_waits"])
def test_the_other_loaders_are_the_same_on_both_stores(stores, load) -> None:  # noqa: ANN001
    lite, pg = (load(get_engine(s)) for s in stores)
    assert lite.height > 0
    assert_frame_equal(_sorted(lite), _sorted(pg))


@pytest.mark.postgres
@pytest.mark.parametrize("kpi", ENGINE_KPIS)
def test_every_engine_kpi_is_the_same_on_both_stores(cubes, kpi: str) -> None:  # noqa: ANN001
    if kpi.startswith("open_case_age"):  # a snapshot: no months
        views = [((), {}), (("service_id",), {}), (("location_id",), {})]
    else:
        views = [(("period", "service_id"), {"grain": "month"}),
                 (("period", "location_id", "channel"), {"grain": "quarter"}),
                 (("period",), {"grain": "fiscal_year", "fiscal_start_month": 4})]
    for by, kw in views:
        lite, pg = (compute(kpi, c, by, min_n=5, **kw) for c in cubes)
        assert lite.height > 0, (kpi, by)
        assert_frame_equal(lite, pg)
