"""Free-text scrubbing: personal data out, everything a comment needs to be understood in."""

from __future__ import annotations

import polars as pl
import pytest

from connectors.scrub import scrub, scrub_text

# markers: e-mail, bank account (IBAN), telephone
E, B, T = "[E-Mail entfernt]", "[IBAN entfernt]", "[Telefonnummer entfernt]"

CASES = [
    # e-mail addresses
    ("Bitte an max.mustermann@example.de antworten", f"Bitte an {E} antworten"),
    ("Kontakt: erika_m+stadt@mail.example-provider.com.", f"Kontakt: {E}."),
    ("E-Mail: Jörg.Müller@web.de", f"E-Mail: {E}"),
    ("schreibt an max(at)example.de", f"schreibt an {E}"),
    ("max [at] example [dot] de", E),
    # IBANs, with and without spaces
    ("IBAN DE89 3704 0044 0532 0130 00 bitte erstatten", f"IBAN {B} bitte erstatten"),
    ("Erstattung auf DE89370400440532013000.", f"Erstattung auf {B}."),
    ("de89 3704 0044 0532 0130 00", B),
    ("NL91 ABNA 0417 1643 00 (Konto in NL)", f"{B} (Konto in NL)"),
    # German phone formats
    ("Rückruf unter 0211 123456", f"Rückruf unter {T}"),
    ("Tel. +49 211 1234567, ab 10 Uhr", f"Tel. {T}, ab 10 Uhr"),
    ("Handy 0171/1234567", f"Handy {T}"),
    ("mobil: 01711234567!", f"mobil: {T}!"),
    ("(0211) 12 34 56", T),
    ("0211-123456 oder 0049 211 123456", f"{T} oder {T}"),
    ("+49 (0)211 1234567", T),
    ("Zentrale 02841/201-0", f"Zentrale {T}"),
    ("Kundennummer 12345678", f"Kundennummer {T}"),
    # all at once
    ("Mail: a.b@c.de, Tel. 0211 123456, IBAN DE89 3704 0044 0532 0130 00",
     f"Mail: {E}, Tel. {T}, IBAN {B}"),
    # what must stay
    ("Termin am 31.12.2025 um 10:30 Uhr", "Termin am 31.12.2025 um 10:30 Uhr"),
    ("Gebühr 1.234,50 € statt 0,50 €", "Gebühr 1.234,50 € statt 0,50 €"),
    ("Wohne in 47441 Moers, Homberger Str. 12", "Wohne in 47441 Moers, Homberger Str. 12"),
    ("12 Fälle in 3 Wochen", "12 Fälle in 3 Wochen"),
    ("am 01.02.2026 10 Uhr, Wartenummer 045", "am 01.02.2026 10 Uhr, Wartenummer 045"),
    ("2025-12-31 und 2026 bis 2027", "2025-12-31 und 2026 bis 2027"),
    ("Öffnungszeiten 08:00-12:00, Raum 0.12", "Öffnungszeiten 08:00-12:00, Raum 0.12"),
    ("sehr zufrieden @Team Bürgeramt", "sehr zufrieden @Team Bürgeramt"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:30] for c in CASES])
def test_scrub(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


def test_scrub_is_vectorised_and_keeps_nulls() -> None:
    frame = pl.DataFrame({"c": ["a@b.de", None, "ok"]})
    assert frame.select(scrub(pl.col("c"))).to_series().to_list() == [
        "[E-Mail entfernt]", None, "ok"]
    assert scrub_text(None) is None
