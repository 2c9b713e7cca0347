"""How Musterstadt's citizens use the services: the parameters of the sample generator.

Kept apart from the master data in :mod:`sample_data.city` because these numbers are the
*assumed truth* behind the sample export — volumes, seasons, online take-up, channel mix,
processing times, follow-ups — and tests check that the generated CSV shows them again.
They are chosen to be plausible for a city of ~300,000 people, not measured anywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sample_data.city import LOCATIONS, SERVICES

logger = logging.getLogger(__name__)

# Eingangskanal values in the export, in the order the generator indexes them.
CHANNELS: tuple[str, ...] = (
    "Online-Antrag",  # 0 online, the city's own form
    "OZG-Portal",  # 1 online, via the state portal
    "Vor Ort",  # 2 in person
    "Schalter",  # 3 in person (older label of the same thing)
    "Telefon",  # 4
    "Post",  # 5
    "E-Mail",  # 6
    "Videoberatung",  # 7
    "Vor Ort digital erfasst",  # 8 assisted digital: staff fill the online form
)
ONLINE_CHANNELS = (0, 1)
IN_PERSON_CHANNELS = (2, 3, 8)  # same-day completion is possible here
ANYTIME_CHANNELS = (0, 1, 6)  # received 24/7, not only in office hours

# Per channel: probability of at least one follow-up, and processing-time factor.
CHANNEL_FOLLOW_UP = (0.12, 0.12, 0.035, 0.035, 0.10, 0.19, 0.15, 0.06, 0.035)
CHANNEL_DURATION = (0.8, 0.85, 1.0, 1.0, 1.1, 1.5, 1.2, 1.0, 0.95)

# Offline channel mixes: weights of (in person, phone, post, e-mail, video, assisted digital).
# Assisted digital only exists while the service has an online form.
OFFLINE_MIX: dict[str, tuple[float, float, float, float, float, float]] = {
    "counter": (0.94, 0.0, 0.01, 0.01, 0.0, 0.04),  # needs presence, no video
    "video": (0.86, 0.0, 0.02, 0.03, 0.04, 0.05),  # mostly in person, some video advice
    "office": (0.55, 0.03, 0.20, 0.15, 0.02, 0.05),
    "paper": (0.30, 0.03, 0.40, 0.17, 0.04, 0.06),
    "light": (0.40, 0.22, 0.14, 0.16, 0.03, 0.05),
}

# Seasonal factor by calendar month (Jan … Dec).
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1.0, 1.0, 1.05, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.05, 1.0, 0.8),
    # ID cards and passports before the summer holidays
    "travel": (0.75, 0.8, 1.0, 1.15, 1.35, 1.4, 1.15, 0.9, 0.85, 0.85, 0.8, 0.7),
    "moving": (0.9, 0.85, 0.95, 1.0, 1.0, 1.05, 1.1, 1.2, 1.25, 1.15, 0.9, 0.7),
    "vehicle": (0.9, 1.0, 1.3, 1.25, 1.1, 1.0, 0.95, 0.9, 0.95, 1.0, 0.9, 0.7),
    "garden": (0.7, 0.8, 1.2, 1.35, 1.3, 1.1, 1.0, 0.95, 1.0, 1.1, 0.9, 0.6),
    "yearstart": (1.6, 1.3, 1.1, 1.0, 0.9, 0.85, 0.8, 0.85, 0.95, 1.0, 0.95, 0.7),
    "wedding": (1.1, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.7),
    "election": (0.1,) * 12,  # plus the election months below
}
# Postal-vote requests: Bundestagswahl 23.02.2025, NRW Kommunalwahl 14.09.2025 (+ run-off).
ELECTION_MONTHS: dict[tuple[int, int], float] = {
    (2025, 1): 4.0,
    (2025, 2): 7.0,
    (2025, 8): 5.0,
    (2025, 9): 7.0,
}


def season_factor(profile: str, year: int, month: int) -> float:
    """Relative monthly volume of a service with this seasonal profile."""
    if profile == "election" and (year, month) in ELECTION_MONTHS:
        return ELECTION_MONTHS[(year, month)]
    return SEASONS[profile][month - 1]


@dataclass(frozen=True)
class ServiceBehaviour:
    """Usage parameters of one service (see the table below for the meaning of each field)."""

    volume: float  # relative yearly volume
    season: str  # key of SEASONS
    take_up: float  # mature online share this service reaches (before location effects)
    portal: float  # share of online cases arriving via the state OZG portal
    mix: str  # key of OFFLINE_MIX
    central: bool  # handled only at BA-MITTE (Rathaus) instead of the resident's district
    mobile: bool  # also offered by the mobile office
    median_days: float  # median processing days (when not done on the spot)
    spread: float  # log-normal sigma of processing days
    same_day: bool  # done on the spot when the citizen is present
    follow_up: float  # factor on the channel's follow-up probability
    reject: float  # share rejected


_B = ServiceBehaviour
# web = portal share, centr = central, sd = spread, same = same_day, fu = follow_up
# fmt: off
BEHAVIOUR: dict[str, ServiceBehaviour] = {
    #          vol   season       take   web  mix        centr  mobile days sd   same   fu   rej
    "L001": _B(10.0, "travel",    0.004, 0.0, "counter", False, True,  21, 0.2, False, 0.8, 0.005),
    "L002": _B(5.0,  "travel",    0.005, 0.0, "counter", False, True,  24, 0.2, False, 0.8, 0.005),
    "L003": _B(7.0,  "moving",    0.18,  0.3, "counter", False, True,  2,  0.5, True,  1.0, 0.005),
    "L004": _B(8.0,  "moving",    0.22,  0.3, "counter", False, True,  2,  0.5, True,  1.0, 0.005),
    "L005": _B(5.0,  "flat",      0.45,  0.0, "video",   False, True,  1,  0.4, True,  0.3, 0.002),
    "L006": _B(3.0,  "flat",      0.60,  0.2, "light",   False, False, 2,  0.5, True,  0.5, 0.02),
    "L007": _B(7.0,  "vehicle",   0.12,  0.6, "counter", True,  False, 3,  0.5, True,  1.2, 0.01),
    "L008": _B(4.0,  "vehicle",   0.25,  0.6, "counter", True,  False, 1,  0.4, True,  0.6, 0.005),
    "L009": _B(2.0,  "flat",      0.30,  0.5, "video",   True,  False, 28, 0.3, False, 1.0, 0.01),
    "L010": _B(1.2,  "yearstart", 0.50,  0.0, "office",  True,  False, 10, 0.4, False, 0.8, 0.01),
    "L011": _B(0.8,  "flat",      0.45,  0.0, "office",  True,  False, 8,  0.4, False, 0.6, 0.005),
    "L012": _B(1.5,  "yearstart", 0.35,  0.5, "paper",   True,  False, 30, 0.5, False, 1.2, 0.03),
    "L013": _B(3.0,  "flat",      0.70,  0.8, "counter", False, True,  10, 0.3, False, 0.5, 0.002),
    "L014": _B(8.0,  "garden",    0.80,  0.0, "light",   True,  False, 14, 0.4, False, 0.4, 0.01),
    "L015": _B(0.6,  "wedding",   0.0,   0.0, "office",  True,  False, 21, 0.4, False, 1.5, 0.01),
    "L016": _B(2.0,  "flat",      0.55,  0.3, "office",  True,  False, 4,  0.5, True,  0.6, 0.005),
    "L017": _B(1.5,  "flat",      0.40,  0.3, "office",  True,  False, 4,  0.5, True,  0.6, 0.005),
    "L018": _B(2.0,  "flat",      0.35,  0.7, "paper",   True,  False, 45, 0.5, False, 2.2, 0.12),
    "L019": _B(1.5,  "yearstart", 0.55,  0.6, "office",  True,  False, 3,  0.5, True,  1.2, 0.02),
    "L020": _B(1.0,  "yearstart", 0.50,  0.6, "office",  True,  False, 3,  0.5, True,  0.8, 0.01),
    "L021": _B(3.0,  "flat",      0.85,  0.0, "light",   True,  False, 3,  0.5, True,  0.6, 0.04),
    "L022": _B(1.5,  "flat",      0.75,  0.0, "light",   True,  False, 2,  0.5, True,  0.5, 0.03),
    "L023": _B(0.5,  "flat",      0.0,   0.0, "paper",   True,  False, 14, 0.4, False, 1.5, 0.06),
    "L024": _B(1.0,  "flat",      0.60,  0.0, "light",   True,  False, 1,  0.5, True,  0.3, 0.005),
    "L025": _B(1.5,  "flat",      0.45,  0.9, "paper",   True,  False, 25, 0.4, False, 1.8, 0.03),
    "L026": _B(1.5,  "yearstart", 0.70,  0.0, "office",  True,  False, 60, 0.5, False, 0.8, 0.15),
    "L027": _B(0.6,  "flat",      0.40,  0.8, "paper",   True,  False, 75, 0.5, False, 2.5, 0.08),
    "L028": _B(4.0,  "election",  0.65,  0.0, "light",   False, True,  3,  0.4, True,  0.3, 0.005),
    "L029": _B(2.5,  "flat",      0.0,   0.0, "counter", False, True,  0,  0.3, True,  0.2, 0.005),
    "L030": _B(2.5,  "flat",      0.0,   0.0, "office",  True,  False, 40, 0.6, False, 2.5, 0.03),
    "L031": _B(1.0,  "moving",    0.50,  0.3, "video",   False, False, 2,  0.5, True,  0.6, 0.005),
    "L032": _B(1.2,  "travel",    0.0,   0.0, "counter", False, True,  0,  0.3, True,  0.4, 0.005),
    "L033": _B(0.6,  "garden",    0.50,  0.5, "office",  True,  False, 14, 0.5, False, 1.2, 0.05),
    "L034": _B(0.4,  "yearstart", 0.30,  0.0, "paper",   True,  False, 20, 0.5, False, 1.0, 0.02),
    "L035": _B(0.5,  "garden",    0.55,  0.0, "office",  True,  False, 30, 0.5, False, 1.2, 0.20),
}
# fmt: on


@dataclass(frozen=True)
class LocationBehaviour:
    """Share of the city's district cases, online offset in pp, share labelled 'Vor Ort'."""

    weight: float
    online_offset_pp: float
    vor_ort_label: float  # the rest of the in-person cases is labelled "Schalter"


LOCATION_BEHAVIOUR: dict[str, LocationBehaviour] = {
    "BA-MITTE": LocationBehaviour(0.28, 4.0, 0.2),
    "BA-NORD": LocationBehaviour(0.22, -3.0, 0.8),
    "BA-SUED": LocationBehaviour(0.20, 6.0, 0.7),
    "BA-OST": LocationBehaviour(0.16, -6.0, 0.9),
    "BA-WEST": LocationBehaviour(0.14, 0.0, 0.6),
    "MOBIL": LocationBehaviour(0.0, 0.0, 1.0),  # gets MOBILE_SHARE of mobile services
    "VIDEO": LocationBehaviour(0.0, 0.0, 1.0),  # gets the video channel only
}
MOBILE_SHARE = 0.03  # of the cases of services the mobile office offers
CENTRAL_LOCATION = "BA-MITTE"

# Staff pools per Fachbereich for the (never to be imported) Sachbearbeitung column.
STAFF_POOL: dict[str, int] = {"Bürgerservice": 60, "Straßenverkehrsamt": 20}
DEFAULT_STAFF_POOL = 8

# Online take-up: a new online service starts at (1 - RAMP_START) of its mature take-up and
# approaches it with time constant RAMP_MONTHS; the whole city also drifts from TREND_START
# to TREND_END of the mature level across the window (growing digital habits).
RAMP_START = 0.6
RAMP_MONTHS = 8.0
TREND_START, TREND_END = 0.75, 1.1
MAX_ONLINE_SHARE = 0.95
# Location effects scale with how online a service is (no offset for in-person-only ones).
OFFSET_FULL_AT = 0.3

# Cases: yearly growth of overall volume; open cases that got stuck; office hours.
VOLUME_GROWTH_PER_YEAR = 0.015
STUCK_SHARE = 0.002
OFFICE_OPENS = 8 * 60
OFFICE_CLOSES = (16 * 60, 16 * 60, 16 * 60, 18 * 60, 12 * 60 + 30, 0, 0)  # Mon … Sun
PHONE_CLOSES, POST_CLOSES = 15 * 60, 12 * 60
# Online receipts by hour of day (relative).
ONLINE_HOURS = (1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4.0, 5.0, 5.5, 5.5,
                5.0, 5.0, 5.0, 5.0, 5.0, 5.5, 6.0, 6.5, 6.0, 5.0, 3.5, 2.0)  # fmt: skip
WEEKEND_ONLINE_WEIGHT = 0.6  # a weekend day/holiday vs a working day, for 24/7 channels


def check_consistency() -> None:
    """Fail early when master data and behaviour tables drift apart."""
    missing = {s.code for s in SERVICES} ^ set(BEHAVIOUR)
    if missing:
        raise ValueError(f"services and BEHAVIOUR differ in: {sorted(missing)}")
    missing = {loc.code for loc in LOCATIONS} ^ set(LOCATION_BEHAVIOUR)
    if missing:
        raise ValueError(f"locations and LOCATION_BEHAVIOUR differ in: {sorted(missing)}")
    for s in SERVICES:
        b = BEHAVIOUR[s.code]
        if (s.online_since is None) != (b.take_up == 0.0):
            raise ValueError(f"{s.code}: take_up must be 0 exactly when never online")


check_consistency()
