"""Master data of the fictional city "Musterstadt": its services, its locations and its pilot.

This is what a municipality would know about itself (and export as ``leistungen.csv`` and
``standorte.csv``). How citizens *use* the services — volumes, seasons, channels, processing
times — lives in :mod:`sample_data.behaviour`, so the master data stays plain and readable.

The LeiKa keys below are ILLUSTRATIVE: 14-digit strings in the shape of LeiKa keys (federal
keys start with ``99``), not looked-up catalogue entries. Do not use them as real references.
The AGS ``05999001`` is fictional as well (``05`` = NRW, district ``999`` does not exist).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

AGS = "05999001"
CITY = "Musterstadt"

# Location kinds as the city's export spells them (``Art``).
KIND_OFFICE = "Bürgeramt"
KIND_MOBILE = "Mobiles Bürgeramt"
KIND_VIRTUAL = "Videoberatung"


@dataclass(frozen=True)
class Service:
    """A Leistung as the city's master data lists it; ``online_since`` None = never online."""

    code: str
    name: str
    leika_key: str
    department: str
    ozg_service: str
    online_since: dt.date | None
    target_days: int | None = None  # Bearbeitungsziel: the city's own target in calendar days


@dataclass(frozen=True)
class Location:
    """A Standort; the virtual video office has no district and no coordinates."""

    code: str
    name: str
    district: str | None
    kind: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Pilot:
    """A pilot with a known true effect, so the dashboard's evaluation can be checked."""

    name: str
    service_codes: tuple[str, ...]
    location_codes: tuple[str, ...]
    start: dt.date
    lift_pp: float


def _d(text: str | None) -> dt.date | None:
    return None if text is None else dt.datetime.strptime(text, "%d.%m.%Y").date()


_BS, _OA, _SVA, _STA = "Bürgerservice", "Ordnungsamt", "Straßenverkehrsamt", "Standesamt"
_ST, _SO, _UA, _JA = "Steueramt", "Sozialamt", "Umweltamt", "Jugendamt"
_BAU, _ABH = "Bauordnungsamt", "Ausländerbehörde"

# code, name, LeiKa key (illustrative), Fachbereich, OZG-Leistung, online since
_SERVICE_ROWS: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("L001", "Personalausweis beantragen", "99102013104000", _BS, "Personalausweis", "01.11.2023"),
    ("L002", "Reisepass beantragen", "99102014104000", _BS, "Reisepass", "01.11.2023"),
    ("L003", "Wohnsitz anmelden", "99115001001000", _BS, "Wohnsitzanmeldung", "15.03.2023"),
    ("L004", "Wohnsitz ummelden", "99115001002000", _BS, "Wohnsitzanmeldung", "15.03.2023"),
    ("L005", "Meldebescheinigung", "99115003012000", _BS, "Meldebescheinigung", "01.06.2021"),
    ("L006", "Melderegisterauskunft", "99115004012000", _BS, "Melderegisterauskunft", "01.01.2020"),
    ("L007", "Kfz-Zulassung", "99036012261000", _SVA, "Fahrzeugzulassung", "01.09.2023"),
    ("L008", "Kfz-Abmeldung", "99036012262000", _SVA, "Fahrzeugzulassung", "01.09.2023"),
    ("L009", "Führerschein umtauschen", "99086007102000", _SVA, "Führerschein", "01.05.2026"),
    ("L010", "Hundesteuer anmelden", "99024005001000", _ST, "Hundesteuer", "01.02.2022"),
    ("L011", "Hundesteuer abmelden", "99024005002000", _ST, "Hundesteuer", "01.07.2025"),
    ("L012", "Grundsteuer – Änderung anzeigen", "99024003053000", _ST, "Grundsteuer", "01.01.2024"),
    ("L013", "Führungszeugnis beantragen", "99039003001000", _BS, "Führungszeugnis", "01.01.2020"),
    ("L014", "Sperrmüll anmelden", "99001003012000", _UA, "Abfallentsorgung", "01.04.2019"),
    ("L015", "Eheschließung anmelden", "99062006001000", _STA, "Eheschließung", None),
    ("L016", "Geburtsurkunde beantragen", "99062011001000", _STA,
     "Personenstandsurkunde", "01.10.2022"),
    ("L017", "Sterbeurkunde beantragen", "99062011002000", _STA,
     "Personenstandsurkunde", "01.10.2022"),
    ("L018", "Wohngeld beantragen", "99107005001000", _SO, "Wohngeld", "15.01.2026"),
    ("L019", "Gewerbeanmeldung", "99050012104000", _OA, "Gewerbemeldung", "01.07.2022"),
    ("L020", "Gewerbeabmeldung", "99050012105000", _OA, "Gewerbemeldung", "01.04.2026"),
    ("L021", "Bewohnerparkausweis", "99036007002000", _SVA, "Bewohnerparken", "01.03.2025"),
    ("L022", "Anwohnerparken – Besucherparkausweis", "99036007003000", _SVA,
     "Bewohnerparken", "01.03.2025"),
    ("L023", "Parkausweis für Menschen mit Behinderung", "99036008001000", _SVA,
     "Parkerleichterung für Menschen mit Behinderung", None),
    ("L024", "Fundsache melden", "99050007001000", _OA, "Fundsachen", "01.06.2025"),
    ("L025", "Elterngeld beantragen", "99041001001000", _JA, "Elterngeld", "01.01.2022"),
    ("L026", "Kita-Platz anmelden", "99060010001000", _JA, "Kinderbetreuung", "01.02.2025"),
    ("L027", "Baugenehmigung beantragen", "99011003001000", _BAU, "Baugenehmigung", "01.01.2024"),
    ("L028", "Briefwahl beantragen", "99128001005000", _BS, "Briefwahl", "01.01.2019"),
    ("L029", "Beglaubigung", "99001001012000", _BS, "Amtliche Beglaubigung", None),
    ("L030", "Aufenthaltstitel verlängern", "99009009001000", _ABH, "Aufenthaltstitel", None),
    ("L031", "Wohnsitz abmelden", "99115002001000", _BS, "Wohnsitzabmeldung", "01.06.2021"),
    ("L032", "Kinderreisepass beantragen", "99102015104000", _BS, "Reisepass", None),
    ("L033", "Sondernutzungserlaubnis beantragen", "99050015001000", _OA,
     "Sondernutzungserlaubnis", "01.09.2024"),
    ("L034", "Zweitwohnungsteuer anmelden", "99024007001000", _ST,
     "Zweitwohnungsteuer", "01.01.2026"),
    ("L035", "Baumfällgenehmigung beantragen", "99010004001000", _UA, "Baumschutz", "01.03.2024"),
)  # fmt: skip

# Bearbeitungsziel (Tage): the processing target the city set itself per service, in calendar
# days from receipt to completion — what the master data's column "Bearbeitungsziel (Tage)"
# says (Personalausweis: 4 weeks incl. the Bundesdruckerei; Baugenehmigung: 3 months …).
TARGET_DAYS: dict[str, int] = {
    "L001": 28, "L002": 30, "L003": 3, "L004": 3, "L005": 2, "L006": 5, "L007": 5, "L008": 3,
    "L009": 42, "L010": 14, "L011": 14, "L012": 60, "L013": 14, "L014": 21, "L015": 28,
    "L016": 7, "L017": 7, "L018": 60, "L019": 5, "L020": 5, "L021": 7, "L022": 5, "L023": 21,
    "L024": 3, "L025": 28, "L026": 90, "L027": 90, "L028": 5, "L029": 1, "L030": 56,
    "L031": 3, "L032": 1, "L033": 21, "L034": 28, "L035": 42,
}

SERVICES: tuple[Service, ...] = tuple(
    Service(code, name, key, dept, ozg, _d(since), TARGET_DAYS.get(code))
    for code, name, key, dept, ozg, since in _SERVICE_ROWS
)

LOCATIONS: tuple[Location, ...] = (
    Location("BA-MITTE", "Bürgeramt Mitte (Rathaus)", "Mitte", KIND_OFFICE, 51.4556, 7.0116),
    Location("BA-NORD", "Bürgeramt Nord", "Nord", KIND_OFFICE, 51.4891, 7.0042),
    Location("BA-SUED", "Bürgeramt Süd", "Süd", KIND_OFFICE, 51.4127, 7.0203),
    Location("BA-OST", "Bürgeramt Ost", "Ost", KIND_OFFICE, 51.4512, 7.0768),
    Location("BA-WEST", "Bürgeramt West", "West", KIND_OFFICE, 51.4598, 6.9435),
    Location("MOBIL", "Mobiles Bürgeramt", "Mitte", KIND_MOBILE, 51.4560, 7.0125),
    Location("VIDEO", "Videoberatung", None, KIND_VIRTUAL, None, None),
)

PILOT = Pilot(
    name="Online-Ummeldung mit Videoanleitung",
    service_codes=("L003", "L004"),
    location_codes=("BA-NORD", "BA-WEST"),
    start=dt.date(2025, 9, 1),
    lift_pp=12.0,
)

SERVICE_BY_CODE: dict[str, Service] = {s.code: s for s in SERVICES}
LOCATION_BY_CODE: dict[str, Location] = {loc.code: loc for loc in LOCATIONS}
