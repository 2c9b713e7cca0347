"""Write Musterstadt's citizen survey as LimeSurvey exports it: umfrage.csv + umfrage_codes.csv.

LimeSurvey's CSV export ("Antworten exportieren", answer codes, full question texts as
headers) has one row per completed response and one column per question; the cells hold
answer codes ``A1`` … ``A5`` (``A5`` = sehr zufrieden) or nothing where the question was not
answered. The meaning of the codes is a separate code list. Free text ("Anmerkungen") is what
citizens write — including, now and then, their e-mail address, phone number or IBAN, which
the import must remove before anything is stored.

The assumed truth behind the numbers (tests and the dashboard can find it again): online
users are more satisfied than those at the counter; at the pilot locations satisfaction rises
after the pilot starts; the survey starts slowly (few responses in its first months), and the
mobile office and the video consultation collect few responses, so small cells are common.
Deterministic: the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from pathlib import Path

import numpy as np

from sample_data.city import PILOT, SERVICES
from sample_data.generate import window_start

logger = logging.getLogger(__name__)

SURVEY_FILE, CODES_FILE = "umfrage.csv", "umfrage_codes.csv"
ID, SUBMITTED, SERVICE, LOCATION, CHANNEL, COMMENT = (
    "Antwort-ID", "Datum Abgeschickt", "Leistung", "Standort", "Kanal", "Anmerkungen")
LAST_PAGE, LANGUAGE = "Letzte Seite", "Start-Sprache"  # exported, never mapped
CODES = (("A1", "sehr unzufrieden"), ("A2", "unzufrieden"), ("A3", "teils/teils"),
         ("A4", "zufrieden"), ("A5", "sehr zufrieden"))

# header, topic (canonical), probability that it is answered, effect on the rating
QUESTIONS: tuple[tuple[str, str, float, float], ...] = (
    ("Wie zufrieden sind Sie insgesamt?", "overall", 0.97, 0.0),
    ("Erreichbarkeit", "reachability", 0.80, -0.10),
    ("Abläufe und Wartezeiten", "process_waiting", 0.85, -0.25),
    ("Terminvergabe", "appointments", 0.70, -0.35),
    ("Verständlichkeit", "clarity", 0.80, 0.05),
    ("Zusammenspiel digital/analog", "digital_analog", 0.55, -0.20),
)
# Kanal as the survey asks it: share of responses, effect on satisfaction, where it happens
CHANNELS: dict[str, tuple[float, float]] = {
    "Online": (0.45, 0.30), "Vor Ort": (0.40, 0.0), "Telefon": (0.08, -0.25),
    "Videoberatung": (0.04, 0.15), "E-Mail": (0.03, -0.10),
}
# in-person responses by location: share and effect (Mitte is crowded, the bus is liked)
OFFICES: dict[str, tuple[float, float]] = {
    "BA-MITTE": (0.33, -0.20), "BA-NORD": (0.20, 0.0), "BA-SUED": (0.18, 0.0),
    "BA-OST": (0.14, 0.05), "BA-WEST": (0.12, 0.0), "MOBIL": (0.03, 0.30),
}
BASE, PERSON_SD, ITEM_SD = 3.55, 0.75, 0.55
PILOT_LIFT = 0.35  # at the pilot locations, from the pilot's start
COMMENT_SHARE, PERSONAL_SHARE = 0.18, 0.30  # comments; of those, with personal data

COMMENTS = (
    "Alles schnell erledigt, vielen Dank!", "Sehr freundliche Beratung.",
    "Wartezeit war viel zu lang; über eine Stunde trotz Termin.",
    "Online-Formular hat auf dem Handy nicht funktioniert.",
    "Termin erst in drei Wochen frei.", "Die Videoanleitung war hilfreich.",
    "Gebühr 37,00 € – warum nicht per Karte zahlbar?",
    "Termin am 31.12.2025 um 10:30 Uhr wurde kurzfristig abgesagt.",
    "Nach dem Antrag kam ein Brief, den ich nicht verstanden habe.",
    "Bitte mehr Termine am Samstag.\nUnd längere Öffnungszeiten.",
    "Ich wohne in 45127 Musterstadt und musste 2 Mal kommen.",
    "Telefonisch nie jemanden erreicht.", "Top!", "Das \"Bürgerkonto\" ist umständlich.",
)
PERSONAL = (
    "Bitte melden Sie sich unter {email}.", "Rückruf bitte: {phone}",
    "Erstattung der Gebühr bitte auf {iban}.", "Fragen gern an {email} oder {phone}.",
)
NAMES = ("anna.schmidt", "j.weber", "mehmet.yilmaz", "k.nowak", "lena_fischer")
DOMAINS = ("example.de", "mail.example.org", "example-provider.com")
IBANS = ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000",
         "DE02 1203 0000 0000 2020 51", "DE12 5001 0517 0648 4898 90")
PHONE_FORMATS = ("0211 {a}", "+49 211 {b}", "0171/{b}", "(0201) {a}", "0157-{b}")


def write_survey(out_dir: Path, seed: int = 42, months: int = 24, end: str = "2026-10",
                 responses: int = 6000) -> Path:
    """Write ``umfrage.csv`` and ``umfrage_codes.csv`` into ``out_dir``; return the survey."""
    if responses < 0 or months < 1:
        raise ValueError(f"responses must be >= 0 and months >= 1, got {responses=} {months=}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    first = window_start(end, months)
    month_starts = [_add_months(first, i) for i in range(months)]
    # The survey starts slowly: its first half year collects a fraction of later months.
    ramp = np.array([0.15 + 0.85 * min(1.0, i / 6) for i in range(months)])
    per_month = rng.multinomial(responses, ramp / ramp.sum())
    stamps = sorted(_stamp(rng, start, _add_months(start, 1))
                    for start, n in zip(month_starts, per_month, strict=True) for _ in range(n))
    rows = [_response(rng, i + 1, stamp) for i, stamp in enumerate(stamps)]
    header = [ID, SUBMITTED, LAST_PAGE, LANGUAGE, SERVICE, LOCATION, CHANNEL,
              *(q[0] for q in QUESTIONS), COMMENT]
    path = out_dir / SURVEY_FILE
    _write(path, header, rows)
    _write(out_dir / CODES_FILE, ["Code", "Bedeutung"], [list(c) for c in CODES])
    logger.info("wrote %s survey responses to %s", len(rows), path)
    return path


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _stamp(rng: np.random.Generator, start: dt.date, stop: dt.date) -> dt.datetime:
    day = start + dt.timedelta(days=int(rng.integers((stop - start).days)))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(rng.integers(7 * 60,
                                                                                      22 * 60)))


_SERVICE_WEIGHTS = np.array([1 / (i + 1) ** 0.8 for i in range(len(SERVICES))])


def _response(rng: np.random.Generator, number: int, stamp: dt.datetime) -> list[str]:
    service = SERVICES[rng.choice(len(SERVICES), p=_SERVICE_WEIGHTS / _SERVICE_WEIGHTS.sum())]
    labels = list(CHANNELS)
    channel = labels[rng.choice(len(labels), p=[CHANNELS[c][0] for c in labels])]
    if channel == "Online" and (service.online_since is None
                                or service.online_since > stamp.date()):
        channel = "Vor Ort"  # no online form yet: the citizen came to an office
    location = ""
    if channel == "Vor Ort":
        codes = list(OFFICES)
        location = codes[rng.choice(len(codes), p=[OFFICES[c][0] for c in codes])]
    elif channel == "Videoberatung":
        location = "VIDEO"
    mu = BASE + CHANNELS[channel][1] + OFFICES.get(location, (0, 0.0))[1]
    if location in PILOT.location_codes and stamp.date() >= PILOT.start:
        mu += PILOT_LIFT
    person = mu + rng.normal(0, PERSON_SD)
    answered = rng.random(len(QUESTIONS)) < [q[2] for q in QUESTIONS]
    if not answered.any():
        answered[0] = True  # LimeSurvey exports only responses with at least one answer here
    cells = []
    for (_, _, _, effect), asked in zip(QUESTIONS, answered, strict=True):
        rating = int(np.clip(np.rint(person + effect + rng.normal(0, ITEM_SD)), 1, 5))
        cells.append(f"A{rating}" if asked else "")
    comment = ""
    if rng.random() < COMMENT_SHARE:
        comment = COMMENTS[rng.integers(len(COMMENTS))]
        if rng.random() < PERSONAL_SHARE:
            comment += " " + _personal(rng)
    return [str(number), stamp.strftime("%d.%m.%Y %H:%M"), str(rng.integers(2, 5)), "de",
            service.code, location, channel, *cells, comment]


def _personal(rng: np.random.Generator) -> str:
    digits = "".join(str(d) for d in rng.integers(0, 10, 7))
    phone = PHONE_FORMATS[rng.integers(len(PHONE_FORMATS))].format(
        a=f"{int(digits[0]) or 1}{digits[1:6]}", b=f"{int(digits[0]) or 1}{digits[1:]}")
    email = f"{NAMES[rng.integers(len(NAMES))]}@{DOMAINS[rng.integers(len(DOMAINS))]}"
    return PERSONAL[rng.integers(len(PERSONAL))].format(
        email=email, phone=phone, iban=IBANS[rng.integers(len(IBANS))])


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """``;``, every field quoted (as LimeSurvey does), CRLF, UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
