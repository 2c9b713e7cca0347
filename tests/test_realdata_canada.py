"""Real data: the Government of Canada Service Inventory (../shared/realdata, never edited).

Imported through the shipped profiles, the digital take-up for fiscal year 2023-2024 must
come out exactly as the published counts imply — per service, per department (owner_org),
across services with coverage, and for a subset chosen by a service attribute. The expected
values are computed here straight from the CSV with the csv module, independently of the
product's readers, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict

import polars as pl
import pytest

from connectors.db import get_engine
from connectors.importer import import_file
from connectors.profiles import profiles_for
from metrics.cube import load_cube
from metrics.facts import coverage, volume_facts
from metrics.kpis import compute, service_attributes
from tests.conftest import REALDATA

SI = REALDATA / "canada-service-inventory" / "si_2024.csv"
FY = dt.date(2023, 4, 1)
THRESHOLD = 10_000


def _num(value: str) -> int:
    return 0 if value in ("NA", "ND", "") else int(value)


@pytest.fixture(scope="module")
def published() -> list[dict]:
    if not SI.exists():
        pytest.fail(f"real data missing at {SI} (../shared/realdata is part of the checkout)")
    with SI.open(encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r["fiscal_yr"] == "2023-2024"]


@pytest.fixture(scope="module")
def canada(module_settings):  # noqa: ANN001, ANN201
    results = [import_file(SI, p, module_settings) for p in profiles_for(SI)]
    assert [r.profile for r in results] == ["canada-service-inventory"] * 2
    services, usage = results
    assert (services.rows_read, services.inserted, services.duplicate) == (1721, 1716, 5)
    assert usage.rejected == 0
    return load_cube(get_engine(module_settings))


def _fy(cube, by, **kw):  # noqa: ANN001, ANN202
    out = compute("digital_take_up", cube, ("period", *by), grain="fiscal_year",
                  fiscal_start_month=4, **kw)
    return out.filter(pl.col("period") == FY)


def test_take_up_across_services(canada, published) -> None:  # noqa: ANN001
    online = sum(_num(r["num_applications_online"]) for r in published)
    total = sum(_num(r["num_applications_total"]) for r in published)
    row = _fy(canada, ()).row(0, named=True)
    assert (row["numerator"], row["n"]) == (online, total) == (267_041_901, 408_057_075)
    assert row["value"] == pytest.approx(online / total)
    cov = coverage(volume_facts(canada, "fiscal_year", 4).filter(pl.col("period") == FY),
                   canada.services, []).row(0, named=True)
    with_data = len({r["service_id"] for r in published if _num(r["num_applications_total"])})
    assert (cov["services_with_data"], cov["services_total"]) == (with_data, 1716)


def test_take_up_per_service(canada, published) -> None:  # noqa: ANN001
    ids = dict(zip(canada.services["code"], canada.services["service_id"], strict=True))
    expected = {ids[r["service_id"]]: (_num(r["num_applications_online"]),
                                       _num(r["num_applications_total"])) for r in published}
    got = {r["service_id"]: (r["numerator"], r["n"])
           for r in _fy(canada, ("service_id",)).to_dicts()}
    # a service whose every channel is NA/ND has no record, hence no row and no value
    assert got == {k: v for k, v in expected.items() if k in got}
    assert all(v == (0, 0) for k, v in expected.items() if k not in got)
    assert all(r["value"] is None for r in _fy(canada, ("service_id",)).to_dicts()
               if r["n"] == 0)


def test_take_up_per_department(canada, published) -> None:  # noqa: ANN001
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in published:
        expected[r["owner_org"]][0] += _num(r["num_applications_online"])
        expected[r["owner_org"]][1] += _num(r["num_applications_total"])
    got = {r["department"]: [r["numerator"], r["n"]]
           for r in _fy(canada, ("department",)).to_dicts()}
    assert got == {k: v for k, v in expected.items() if k in got}
    assert len(got) >= 70


def test_take_up_of_external_services_above_a_volume_threshold(canada, published) -> None:  # noqa: ANN001
    chosen = [r for r in published if "EXTERN" in r["service_scope"].split(",")
              and _num(r["num_applications_total"]) >= THRESHOLD]
    online = sum(_num(r["num_applications_online"]) for r in chosen)
    total = sum(_num(r["num_applications_total"]) for r in chosen)
    external = service_attributes(canada).filter(
        pl.col("scope").str.split(",").list.contains("EXTERN"))["service_id"].to_list()
    volumes = _fy(canada, ("service_id",), services=external)
    large = volumes.filter(pl.col("n") >= THRESHOLD)["service_id"].to_list()
    row = _fy(canada, (), services=large).row(0, named=True)
    assert len(large) == len(chosen) > 100
    assert (row["numerator"], row["n"]) == (online, total)


def test_reimport_skips_and_changes_nothing(canada, module_settings) -> None:  # noqa: ANN001
    again = [import_file(SI, p, module_settings) for p in profiles_for(SI)]
    assert all(r.skipped for r in again)
    forced = import_file(SI, profiles_for(SI)[1], module_settings, force=True)
    assert (forced.inserted, forced.updated) == (0, 0)
    assert forced.duplicate == forced.rows_read == 5992


SS = SI.with_name("ss_2024.csv")


@pytest.fixture(scope="module")
def standards_published() -> list[dict]:
    with SS.open(encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r["fiscal_yr"] == "2023-2024"]


@pytest.fixture(scope="module")
def standards(canada, module_settings):  # noqa: ANN001, ANN201
    (result,) = [import_file(SS, p, module_settings) for p in profiles_for(SS)]
    assert (result.rows_read, result.inserted, result.rejected) == (2341, 2331, 10)
    return load_cube(get_engine(module_settings))


def _valid(r: dict) -> bool:
    """Rows the importer keeps with figures: both volumes, meeting <= total, an id (the
    publisher writes a missing id as NA — one row, quarantined by the importer)."""
    return (r["volume_meeting_target"] != "" and r["total_volume"] != ""
            and r["service_standard_id"] not in ("", "NA", "ND")
            and int(r["volume_meeting_target"]) <= int(r["total_volume"]))


def test_share_within_standard_across_and_per_service(standards, standards_published) -> None:  # noqa: ANN001
    rows = [r for r in standards_published if _valid(r)]
    meeting = sum(int(r["volume_meeting_target"]) for r in rows)
    total = sum(int(r["total_volume"]) for r in rows)
    got = compute("within_standard", standards, ("period",), grain="fiscal_year",
                  fiscal_start_month=4).filter(pl.col("period") == FY).row(0, named=True)
    assert (got["numerator"], got["n"]) == (meeting, total)
    assert got["value"] == pytest.approx(0.9495, abs=1e-4)
    per_service: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        per_service[r["service_id"]][0] += int(r["volume_meeting_target"])
        per_service[r["service_id"]][1] += int(r["total_volume"])
    ids = dict(zip(standards.services["service_id"], standards.services["code"], strict=True))
    by_service = compute("within_standard", standards, ("period", "service_id"),
                         grain="fiscal_year", fiscal_start_month=4).filter(pl.col("period") == FY)
    assert {ids[r["service_id"]]: [r["numerator"], r["n"]] for r in by_service.to_dicts()} \
        == dict(per_service)
    zero = by_service.filter(pl.col("n") == 0)
    assert zero.height > 0 and zero["value"].null_count() == zero.height  # no value, not 0 %


def test_supply_side_digitalisation(canada, published) -> None:  # noqa: ANN001
    """Angebotsquote FY 2023-2024: offered online = application stage Y (of Y/N), end to
    end = every stage Y or NA with the application Y; by count and by applications."""
    from metrics.supply import STAGES, supply_side

    stages = {"online_account_registration": "os_account_registration",
              "online_authentication": "os_authentication", "online_application":
              "os_application", "online_decision": "os_decision", "online_issuance":
              "os_issuance", "online_feedback": "os_issue_resolution_feedback"}
    assert set(stages) == set(STAGES)
    # the importer keeps each service's last row of the file as its master data
    last = {}
    with SI.open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            last[r["service_id"]] = r
    has_data = [r["service_id"] for r in published]  # services with records in the year
    known = [s for s in has_data if last[s]["os_application"] in ("Y", "N")]
    online = [s for s in known if last[s]["os_application"] == "Y"]
    e2e = [s for s in online if all(last[s][c] in ("Y", "NA") for c in stages.values())]
    volume = {r["service_id"]: _num(r["num_applications_total"]) for r in published}
    got = supply_side(canada, FY, grain="fiscal_year", fiscal_start_month=4)
    # services whose channels are all NA/ND have no usage record and so no volume row
    with_records = {r["service_id"] for r in published
                    if any(r[c] not in ("NA", "ND", "") for c in (
                        "num_applications_online", "num_applications_by_phone",
                        "num_applications_in_person", "num_applications_by_mail",
                        "num_applications_by_email", "num_applications_by_fax",
                        "num_applications_by_other"))}
    known = [s for s in known if s in with_records]
    online = [s for s in online if s in with_records]
    e2e = [s for s in e2e if s in with_records]
    assert (got["online_services"], got["online_known"]) == (len(online), len(known))
    assert got["end_to_end_services"] == len(e2e) > 0
    assert got["online_volume_share"] == pytest.approx(
        sum(volume[s] for s in online) / sum(volume[s] for s in known))
    assert got["end_to_end_volume_share"] == pytest.approx(
        sum(volume[s] for s in e2e) / sum(volume[s] for s in known))
