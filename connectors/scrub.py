"""Remove personal data from free text before it is stored (data minimisation).

E-mail addresses, IBANs and phone numbers are replaced by a marker; the rest of a comment
stays readable. The patterns err on the side of removing (a run of seven or more digits is
taken for a phone number even if it was a customer or case number — free IDs must not be
stored either), but they leave what a comment needs to be understood: dates ("31.12.2025"),
times ("10:30"), amounts ("1.234,50 €"), postcodes ("47441 Moers") and small counts.

German phone numbers start with ``0`` (area code or mobile prefix) or with a country code
(``+49``, ``0049``); that is what tells "0211 123456" from "2025 10" in "31.12.2025 10 Uhr".
The patterns run in polars' (Rust) regex engine, which has no look-around.
"""

from __future__ import annotations

import polars as pl

# local part, then "@" or the spelled-out "(at)" / "[at]", then a domain with a TLD
_AT = r"\s?(?:@|\(at\)|\[at\])\s?"
_DOT = r"(?:\.|\s?(?:\(dot\)|\[dot\])\s?)"
EMAIL = (r"(?i)[a-z0-9._%+\-äöüß]+" + _AT + r"[a-z0-9\-äöü]+(?:" + _DOT
         + r"[a-z0-9\-äöü]+)*" + _DOT + r"[a-z]{2,}\b")
# IBAN: country letters, two check digits, 11–30 alphanumerics, optionally in groups of four
IBAN = r"\b(?:[A-Z]{2}|[a-z]{2})\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b"
_SUBSCRIBER = r"(?:\d{3,}|\d{2}[ \-]\d{2})(?:[ \-]?\d+)*"  # 123456, 12 34 56, 201-0
PHONE = "|".join([
    # +49 211 1234567, +49 (0)211 1234567, 0049 171 1234567, +492111234567
    r"(?:\+|\b00)[1-9]\d{0,2}[ \-]?(?:\(0\)[ \-]?)?\d{2,5}[ /\-]?" + _SUBSCRIBER,
    # (0211) 123456
    r"\(0\d{2,5}\)[ \-]?" + _SUBSCRIBER,
    # 0211 123456, 0171/1234567, 0211-12 34 56, 01711234567
    r"\b0\d{2,5}[ /\-]?" + _SUBSCRIBER,
    # any other run of 7 or more digits (a local number, a customer or case number)
    r"\b\d{7,}\b",
])

MARKERS = {"email": "[E-Mail entfernt]", "iban": "[IBAN entfernt]",
           "phone": "[Telefonnummer entfernt]"}


def scrub(text: pl.Expr) -> pl.Expr:
    """Vectorised: e-mail first (it may contain digits), then IBAN (its digit groups would
    otherwise look like a phone number), then phone numbers."""
    return (text.str.replace_all(EMAIL, MARKERS["email"])
            .str.replace_all(IBAN, MARKERS["iban"])
            .str.replace_all(PHONE, MARKERS["phone"]))


def scrub_text(value: str | None) -> str | None:
    """One string, for callers outside a frame (e.g. a comment shown on a page)."""
    if value is None:
        return None
    return pl.select(scrub(pl.lit(value, pl.String))).item()
