"""``servicepuls notify`` against a real SMTP server (aiosmtpd) on 127.0.0.1, run through
click's CliRunner on the small store of test_publish (SQLite and PostgreSQL).

By hand, for the summary: the latest month is Feb 2026 — digital take-up 9 of 15 = 60,0 %
(Jan 5 of 19 = 26,3 %, so +33,7 Pp.); median processing time Feb 3 days (seven cases of
1 day, eight of 3 → rank 8), Jan 4 days → -25,0 %; follow-up rate Feb 1 of 15 = 6,7 %.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from connectors.db import get_engine
from connectors.settings import Settings
from dashboard.cli import main
from dashboard.formatting import fmt_change, fmt_value
from dashboard.notify import SourceStatus, reminder_message
from metrics.cube import load_cube
from metrics.overview import tiles
from tests.test_publish import fill_store

NB = "\u00a0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        msg = message_from_bytes(envelope.original_content or envelope.content,
                                 policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"geheim")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=inbox.authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def delivery(folder: Path, name: str, days_ago: int) -> dt.datetime:
    """A delivered export file, last modified ``days_ago`` days before now."""
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / name
    f.write_text("Vorgangsnummer;Leistung\n", encoding="utf-8")
    when = dt.datetime.now() - dt.timedelta(days=days_ago)
    os.utime(f, (when.timestamp(), when.timestamp()))
    return when


def sources_toml(tmp_path: Path, meldewesen_days: int, kfz_days: int) -> tuple[Path, dt.date]:
    stale = delivery(tmp_path / "exporte" / "meldewesen", "vorgaenge_2026-01.csv",
                     meldewesen_days)
    delivery(tmp_path / "exporte" / "kfz", "kfz.csv", kfz_days)
    path = tmp_path / "sources.toml"
    path.write_text("""
[[source]]
name = "Meldewesen"
path = "exporte/meldewesen"
pattern = "vorgaenge*.csv"
expected_every_days = 31

[[source]]
name = "Kfz-Zulassung"
path = "exporte/kfz"
expected_every_days = 31

[[source]]
name = "Hundesteuer"
path = "exporte/kfz"
pattern = "gibt-es-nicht*.csv"
""", encoding="utf-8")
    return path, stale.date()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch, smtp) -> tuple[Settings, Inbox]:  # noqa: ANN001
    """The small store (SQLite and PostgreSQL) and the environment of a configured city."""
    return _env(settings, monkeypatch, smtp)


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp) -> tuple[Settings, Inbox]:  # noqa: ANN001
    """The same on SQLite only: for the errors of the mail setup, which no store changes."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'store.db'}",
                        pseudonymisation_key="test-key")
    return _env(settings, monkeypatch, smtp)


def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch, smtp) -> tuple[Settings, Inbox]:  # noqa: ANN001
    fill_store(settings)
    inbox, port = smtp
    for name in Settings.model_fields:
        monkeypatch.delenv(f"SERVICEPULS_{name.upper()}", raising=False)
    for key, value in {"DATABASE_URL": settings.db_url, "DATA_DIR": str(settings.data_dir),
                       "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                       "SMTP_STARTTLS": "false", "MAIL_FROM": "servicepuls@kleinstadt.de",
                       "MAIL_TO": "amt10@kleinstadt.de, it@kleinstadt.de",
                       "PUBLISHER": "Stadt Kleinstadt"}.items():
        monkeypatch.setenv(f"SERVICEPULS_{key}", value)
    return settings, inbox


def run(*args: str):  # noqa: ANN201 - click Result
    return CliRunner().invoke(main, ["notify", *args])


def test_summary_and_reminder_for_a_stale_source(env, tmp_path: Path) -> None:  # noqa: ANN001
    settings, inbox = env
    sources, stale_on = sources_toml(tmp_path, meldewesen_days=40, kfz_days=2)
    result = run("--sources", str(sources))
    assert result.exit_code == 0, result.output
    assert "2 Mail(s) gesendet an amt10@kleinstadt.de, it@kleinstadt.de" in result.output
    assert "nicht geprüft: Hundesteuer" in result.output  # no expected_every_days

    (sender, rcpts, summary), (_, _, reminder) = inbox.messages
    assert sender == "servicepuls@kleinstadt.de"
    assert rcpts == ["amt10@kleinstadt.de", "it@kleinstadt.de"]
    assert summary["Subject"] == "Servicepuls Stadt Kleinstadt: Kennzahlen für Feb 2026"
    assert summary["To"] == "amt10@kleinstadt.de, it@kleinstadt.de"
    body = summary.get_content()
    assert summary.get_content_charset() == "utf-8"
    assert f"- Digitale Nutzungsquote: 60,0{NB}% (Feb 2026, n = 15 Vorgänge)" in body
    assert f"ggü. Vormonat (Jan 2026): +33,7{NB}Pp." in body
    assert f"- Bearbeitungszeit (Median): 3{NB}Tage (Eingangskohorte Feb 2026" in body
    assert f"ggü. Vormonat (Jan 2026): -25,0{NB}%" in body
    # every tile as the metrics compute it
    for tile in tiles(load_cube(get_engine(settings)), min_n=settings.min_n):
        assert f"- {tile.kpi.label_de}: {fmt_value(tile.kpi, tile.value, tile.suppressed, 5)}" \
            in body
        assert fmt_change(tile.change_month, tile.change_unit) in body
    imported = dt.date(2026, 3, 2)
    days = (dt.date.today() - imported).days
    assert f"- handmade: letzter erfolgreicher Import am 02.03.2026 (vor {days} Tagen)" in body

    assert reminder["Subject"] == ("Servicepuls Stadt Kleinstadt: Erinnerung – 1 Quelle(n) "
                                   "ohne neue Lieferung")
    text = reminder.get_content()
    assert (f"- Meldewesen: letzte Lieferung am {stale_on:%d.%m.%Y}, vor 40 Tagen (erwartet "
            f"alle 31 Tage) — {tmp_path / 'exporte' / 'meldewesen'}") in text
    assert "Kfz-Zulassung" not in text and "Hundesteuer" not in text


def test_no_reminder_when_everything_is_fresh(env, tmp_path: Path) -> None:  # noqa: ANN001
    _, inbox = env
    sources, _ = sources_toml(tmp_path, meldewesen_days=31, kfz_days=0)
    result = run("--sources", str(sources))
    assert result.exit_code == 0, result.output
    assert "Alle 2 Quellen mit erwartetem Lieferabstand sind aktuell." in result.output
    assert [m["Subject"] for _, _, m in inbox.messages] == [
        "Servicepuls Stadt Kleinstadt: Kennzahlen für Feb 2026"]


def test_only_reminders_with_login(env, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    _, inbox = env
    monkeypatch.setenv("SERVICEPULS_SMTP_USER", "servicepuls")
    monkeypatch.setenv("SERVICEPULS_SMTP_PASSWORD", "geheim")
    sources, _ = sources_toml(tmp_path, meldewesen_days=45, kfz_days=60)
    result = run("--no-summary", "--sources", str(sources))
    assert result.exit_code == 0, result.output
    assert inbox.logins == [(b"servicepuls", b"geheim")]
    (_, _, reminder), = inbox.messages
    assert "2 Quelle(n)" in reminder["Subject"]
    text = reminder.get_content()
    assert text.index("Kfz-Zulassung") < text.index("Meldewesen")
    assert "geheim" not in result.output


def test_dry_run_prints_and_sends_nothing(sqlite_env, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    _, inbox = sqlite_env
    monkeypatch.delenv("SERVICEPULS_SMTP_HOST")  # not needed to look at the mails
    sources, _ = sources_toml(tmp_path, meldewesen_days=40, kfz_days=2)
    result = run("--dry-run", "--sources", str(sources))
    assert result.exit_code == 0, result.output
    assert "Betreff: Servicepuls Stadt Kleinstadt: Kennzahlen für Feb 2026" in result.output
    assert f"Digitale Nutzungsquote: 60,0{NB}%" in result.output
    assert "Meldewesen: letzte Lieferung am" in result.output
    assert "2 Mail(s) nicht gesendet (--dry-run)" in result.output
    assert inbox.messages == []


def test_missing_smtp_configuration_says_how_to_fix_it(sqlite_env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("SERVICEPULS_SMTP_HOST")
    monkeypatch.delenv("SERVICEPULS_MAIL_TO")
    result = run("--no-reminders")
    assert result.exit_code == 2
    assert "Mailversand ist nicht eingerichtet: SERVICEPULS_SMTP_HOST, SERVICEPULS_MAIL_TO " \
        "fehlen" in result.output
    assert "--dry-run" in result.output


def test_unreachable_server_is_a_clear_error(sqlite_env, monkeypatch) -> None:  # noqa: ANN001
    _, inbox = sqlite_env
    monkeypatch.setenv("SERVICEPULS_SMTP_PORT", str(free_port()))  # nobody listens there
    result = run("--no-reminders")
    assert result.exit_code == 2
    assert "nicht erreichbar" in result.output and "SERVICEPULS_SMTP_PORT" in result.output
    assert inbox.messages == []


def test_starttls_refused_by_the_server(sqlite_env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SERVICEPULS_SMTP_STARTTLS", "true")  # the test server has no TLS
    result = run("--no-reminders")
    assert result.exit_code == 2
    assert "kann kein STARTTLS" in result.output


def test_reminder_for_a_source_that_never_delivered() -> None:
    subject, body = reminder_message(
        [SourceStatus("Gewerbe", "/srv/gewerbe", 7, None, None)], publisher="X")
    assert subject == "Servicepuls X: Erinnerung – 1 Quelle(n) ohne neue Lieferung"
    assert "- Gewerbe: noch keine Lieferung (erwartet alle 7 Tage) — /srv/gewerbe" in body
    _, english = reminder_message(
        [SourceStatus("Gewerbe", "/srv/gewerbe", 7, dt.datetime(2026, 1, 31, 8), 40)],
        publisher="X", lang="en")
    assert "- Gewerbe: last delivery on Jan 31, 2026, 40 days ago (expected every 7 days)" \
        in english
