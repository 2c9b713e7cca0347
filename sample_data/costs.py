"""The sample city's cost file ``kosten.toml``: what a transaction costs and how many staff
minutes it takes, per channel, with a few services that differ.

Full cost per transaction in euro (staff time at about 1,20 € a minute including overheads,
plus postage, card readers and portal fees; no start-up cost), in the shape of the KGSt's
workplace cost rates. Made-up but plausible figures for a German city; the format is
documented in :mod:`metrics.costs`.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_NAME = "kosten.toml"

# channel → (euro per transaction, staff minutes per transaction)
CHANNEL_RATES: dict[str, tuple[float, int]] = {
    "online": (9.80, 7),
    "in_person": (24.50, 20),
    "assisted_digital": (19.60, 16),
    "phone": (14.70, 12),
    "post": (22.10, 17),
    "email": (15.90, 13),
    "video": (23.30, 19),
    "fax": (21.00, 17),
    "other": (24.50, 20),
}
# (key, value, channel, euro, minutes, comment): services whose effort differs
SERVICE_RATES: tuple[tuple[str, str, str, float, int, str], ...] = (
    ("code", "L001", "in_person", 32.00, 26, "Personalausweis: Fingerabdrücke, Foto prüfen"),
    ("code", "L007", "online", 6.50, 4, "i-Kfz: Zulassung vollautomatisch"),
    ("code", "L007", "in_person", 28.00, 23, ""),
    ("leika_key", "99011003001000", "online", 380.00, 300, "Baugenehmigung (LeiKa-Schlüssel)"),
    ("leika_key", "99011003001000", "in_person", 430.00, 340, ""),
)


def write_costs(out_dir: Path) -> Path:
    """Write ``kosten.toml`` into ``out_dir`` (created if missing); return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# Kosten und Aufwand je Vorgang der Musterstadt (Format: README, Abschnitt Kosten)",
             "# cost_eur: Vollkosten je Vorgang in Euro (ohne Anlaufkosten); minutes: "
             "Bearbeitungsminuten"]
    for channel, (euro, minutes) in CHANNEL_RATES.items():
        lines += ["", f"[channel.{channel}]", f"cost_eur = {euro:.2f}", f"minutes = {minutes}"]
    last = None
    for key, value, channel, euro, minutes, comment in SERVICE_RATES:
        if (key, value) != last:
            note = f"  # {comment}" if comment else ""
            lines += ["", "[[service]]", f'{key} = "{value}"{note}']
            last = (key, value)
        lines += [f"[service.channel.{channel}]", f"cost_eur = {euro:.2f}",
                  f"minutes = {minutes}"]
    path = out_dir / FILE_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logger.info("wrote %s", path)
    return path
