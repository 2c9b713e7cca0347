"""One error shape for the whole product.

Every message says what was wrong, where (file, row, column) and what to do, so a user at a
terminal or in the dashboard can fix the input without reading code.
"""

from __future__ import annotations


class ServicepulsError(Exception):
    """Root of every error the product raises on purpose."""

    def __init__(
        self,
        what: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
        source: str | None = None,
    ) -> None:
        self.what = what
        self.file = file
        self.source = source  # a database or web API instead of a file (no secrets in it)
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        where = []
        if self.source:
            where.append(f"Quelle {self.source}")
        if self.file:
            where.append(f"Datei {self.file}")
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column:
            where.append(f"Spalte '{self.column}'")
        text = f"{', '.join(where)}: {self.what}" if where else self.what
        if self.fix:
            text += f" — Lösung: {self.fix}"
        return text


class ProfileError(ServicepulsError):
    """A source profile is invalid; ``problems`` lists every problem found in one pass."""

    def __init__(self, file: str, problems: list[str], *, where: str = "im Quellprofil",
                 fix: str = "Profil korrigieren und den Import erneut starten.") -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} Fehler {where}:\n{listing}", file=file, fix=fix)


class InputFileError(ServicepulsError):
    """A whole input file cannot be read (encoding, delimiter, missing column …)."""


class RejectedFileError(ServicepulsError):
    """The source's policy is ``fail_file`` and at least one row failed validation."""


class SourceError(ServicepulsError):
    """A configured database or web API cannot be read: unreachable, refused, HTTP error,
    a failing query, a missing secret. Messages never contain the secret itself."""


class StoreError(ServicepulsError):
    """The store is missing, outdated or unreachable."""
