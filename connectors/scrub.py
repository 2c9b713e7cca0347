"""Remove personal data from free text before it is stored (data minimisation).

E-mail addresses, IBANs and phone numbers are replaced by a marker; the rest of a comment
stays readable. Patterns err on the side of removing: a long digit group is treated as a
phone number even if it was something else.
"""

from __future__ import annotations

import polars as pl

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# IBAN: two letters, two check digits, 11–30 alphanumerics, optionally in groups of four
IBAN = r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b"
# phone: optional +49 / 0049 / (0…), then at least 6 digits with spaces, slashes, dashes
PHONE = r"(?:\+|\b00)?\(?\d[\d\s/()\-]{5,}\d"

MARKERS = {"email": "[E-Mail entfernt]", "iban": "[IBAN entfernt]",
           "phone": "[Telefonnummer entfernt]"}


def scrub(text: pl.Expr) -> pl.Expr:
    """Vectorised: e-mail first (it contains digits), then IBAN, then phone numbers."""
    return (text.str.replace_all(EMAIL, MARKERS["email"])
            .str.replace_all(IBAN, MARKERS["iban"])
            .str.replace_all(PHONE, MARKERS["phone"]))
