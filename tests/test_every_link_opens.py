"""Every page opens for any filter link a person may send: periods at every grain, services
(one never online, one with no case at the chosen offices), locations, channels,
departments, German and English — on the 30,000-case sample city, with its pilots file.

Opening every page with random links found two pages that failed with an IndexError
(Leistungen: a service without cases under the filters, 12 of 80 links; Standorte: a
service never online); the links below hold those cases and a seeded random draw like the
one that found them, so a page that breaks for a link fails here, naming the link."""

from __future__ import annotations

import random

import pytest
from streamlit.testing.v1 import AppTest

from connectors.settings import Settings
from dashboard.navigation import PAGES
from sample_data.city import LOCATIONS, SERVICES
from sample_data.pilots import write_pilots
from tests.test_dashboard_overview import APP, TIMEOUT, as_link, use_store

CHANNELS = ["online", "in_person", "phone", "post", "email", "assisted_digital"]
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][10:34]
QUARTERS = [f"{y}-Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)][3:-1]

KNOWN = [
    # the two links that failed: a service never online (L032, online since 9999-12-31) on
    # Standorte; a department without cases at the chosen offices on Leistungen
    {"leistungen": ["L032"]},
    {"raster": "year", "von": "2025", "bis": "2026", "standort": ["BA-NORD", "BA-WEST"],
     "fachbereich": "Bauordnungsamt"},
    # one month, a channel only few cases use, the mobile office alone
    {"raster": "month", "von": "2026-10", "bis": "2026-10", "kanal": ["post"],
     "standort": ["MOBIL"]},
    {"raster": "quarter", "von": "2024-Q4", "bis": "2024-Q4", "leistungen": ["L034"],
     "lang": "en"},
]


def _drawn(seed: int, count: int) -> list[dict]:
    """Random links as the search that found the failures drew them."""
    rng = random.Random(seed)
    departments = sorted({s.department for s in SERVICES})
    out = []
    for _ in range(count):
        grain = rng.choice(["month", "quarter", "year"])
        spans = {"month": MONTHS, "quarter": QUARTERS, "year": ["2024", "2025", "2026"]}[grain]
        first, last = sorted(rng.sample(range(len(spans)), 2))
        query: dict = {"raster": grain, "von": spans[first], "bis": spans[last]}
        if rng.random() < 0.5:
            query["leistungen"] = rng.sample([s.code for s in SERVICES], rng.choice([1, 2, 3]))
        if rng.random() < 0.5:
            query["standort"] = rng.sample([loc.code for loc in LOCATIONS], rng.choice([1, 2]))
        if rng.random() < 0.3:
            query["kanal"] = rng.sample(CHANNELS, rng.choice([1, 2]))
        if rng.random() < 0.2:
            query["fachbereich"] = rng.choice(departments)
        if rng.random() < 0.2:
            query["lang"] = "en"
        out.append(query)
    return out


LINKS = KNOWN + _drawn(4, 4)


@pytest.fixture(scope="module")
def city(sample_store: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("pilots")
    return Settings(data_dir=sample_store.data_dir, database_url=sample_store.db_url,
                    pilots_file=write_pilots(folder))


@pytest.mark.parametrize("link", LINKS, ids=[f"link{i}" for i in range(len(LINKS))])
def test_every_page_opens_for_the_link(monkeypatch: pytest.MonkeyPatch, city: Settings,
                                       link: dict) -> None:
    use_store(monkeypatch, city)
    monkeypatch.setenv("SERVICEPULS_PILOTS_FILE", str(city.pilots_file))
    for file, *_ in PAGES:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for key, value in link.items():
            at.query_params[key] = value
        as_link(at, file).run()
        assert not at.exception, (file, link, [e.message for e in at.exception])
        assert at.title, (file, link)  # the page got as far as its title
