"""The sample city's pilot file ``pilotprojekte.toml``, written from :data:`city.PILOT`.

What a pilot lead in Musterstadt would write down: the pilot's services and offices, its
start, the hoped-for lift (Zielwert) and the Maßnahmen with their dates — the video tutorial
going online at the start and flyers in the offices a month later. The control group is left
to the default (every other office with cases of the same services).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from sample_data.city import PILOT

logger = logging.getLogger(__name__)

FILE_NAME = "pilotprojekte.toml"
TARGET_PP = 10.0
DESCRIPTION = (
    "Eine Videoanleitung erklärt Schritt für Schritt die Online-Anmeldung und -Ummeldung der "
    "Wohnung; die Bürgerämter Nord und West weisen am Schalter und mit Flyern darauf hin."
)


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(value, ensure_ascii=False)


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _add_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def write_pilots(out_dir: Path) -> Path:
    """Write ``pilotprojekte.toml`` into ``out_dir`` (created if missing); return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    interventions = [(PILOT.start, "Videoanleitung online"),
                     (_add_month(PILOT.start), "Flyer in den Bürgerämtern")]
    lines = [
        "# Pilotprojekte der Musterstadt (Format: siehe README, Abschnitt Pilotprojekte)",
        "",
        "[[pilot]]",
        f"name = {_string(PILOT.name)}",
        f"description = {_string(DESCRIPTION)}",
        f'start = "{PILOT.start.isoformat()}"',
        f"services = {_strings(PILOT.service_codes)}",
        f"locations = {_strings(PILOT.location_codes)}",
        f"target_pp = {TARGET_PP:g}",
        "# Vergleichsgruppe: alle übrigen Bürgerämter (control_locations nicht gesetzt)",
    ]
    for day, label in interventions:
        lines += ["", "[[pilot.intervention]]", f'date = "{day.isoformat()}"',
                  f"label = {_string(label)}"]
    path = out_dir / FILE_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logger.info("wrote %s", path)
    return path
