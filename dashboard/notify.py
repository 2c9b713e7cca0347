"""``servicepuls notify``: the monthly summary by mail, and reminders for sources that have
not delivered for longer than expected — for a monthly cron job or systemd timer.

Building the messages is pure (tiles, freshness and source states in, subject and body
out); :func:`send` is the only part that talks to the SMTP server. The language is
``SERVICEPULS_LANGUAGE`` (German by default), with German number and date formats.

A source's last delivery is the newest modification time of its files — on disk, or as
``import --all`` recorded it when the folder is not reachable from here.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import polars as pl
from babel.dates import format_date
from sqlalchemy import Engine, MetaData, Table, func, inspect, select

from connectors.errors import ServicepulsError
from connectors.settings import Settings
from connectors.store import SourceFile
from connectors.tenants import tenant_filter
from dashboard.formatting import fmt_change, fmt_month, fmt_number, fmt_percent, fmt_value
from dashboard.i18n import t
from metrics.cube import store_ready
from metrics.overview import Tile, shift_month

log = logging.getLogger(__name__)


class MailError(ServicepulsError):
    """Mail cannot be sent: SMTP not configured, server unreachable, login refused."""


@dataclass(frozen=True)
class SourceStatus:
    name: str
    where: str  # the folder or file; for a database or API source its kind
    expected_every_days: int
    last_delivery: dt.datetime | None  # local time
    days_since: int | None

    @property
    def stale(self) -> bool:
        return self.days_since is None or self.days_since > self.expected_every_days


def fmt_date(day: dt.date, lang: str = "de") -> str:
    """31.12.2025 (de) / Dec 31, 2025 (en)."""
    return format_date(day, "dd.MM.yyyy" if lang == "de" else "medium",
                       locale="de_DE" if lang == "de" else "en")


# --- sources --------------------------------------------------------------------------------


def recorded_deliveries(engine: Engine, ags: str | None = None) -> dict[str, dt.datetime]:
    """Per configured source, what ``import --all`` recorded for municipality ``ags``
    (None: SERVICEPULS_AGS): the newest modification time of a source's files, or when a
    database or API source last moved its cursor."""
    if not store_ready(engine):
        return {}
    f = SourceFile.__table__
    out: dict[str, dt.datetime] = {}
    with engine.connect() as conn:
        for name, ns in conn.execute(select(f.c.source, func.max(f.c.mtime_ns))
                                     .where(tenant_filter(f, ags)).group_by(f.c.source)):
            if ns is not None:
                out[name] = dt.datetime.fromtimestamp(ns / 1e9)
        if inspect(engine).has_table("source_cursors"):
            cursors = Table("source_cursors", MetaData(), autoload_with=conn)
            for name, at in conn.execute(select(cursors.c.source, func.max(
                    cursors.c.updated_at)).where(tenant_filter(cursors, ags))
                    .group_by(cursors.c.source)):
                if at is not None:  # stored in UTC like every importer timestamp
                    out[name] = at.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
    return out


def source_status(sources: Iterable[object], recorded: dict[str, dt.datetime],
                  today: dt.date) -> list[SourceStatus]:
    """The sources with an expected interval (``expected_every_days``), stale ones first,
    with their last delivery: for files the newest modification time on disk or as
    recorded; for database and API sources the recorded pull."""
    out = []
    for s in sources:
        every = getattr(s, "expected_every_days", None)
        if every is None:
            continue
        name = s.name  # type: ignore[attr-defined]
        path = getattr(s, "path", None)
        seen = [dt.datetime.fromtimestamp(f.stat().st_mtime) for f in _files(s)]
        if name in recorded:
            seen.append(recorded[name])
        last = max(seen, default=None)
        days = None if last is None else (today - last.date()).days
        where = str(path.absolute()) if path else getattr(s, "kind", "")
        out.append(SourceStatus(name, where, every, last, days))
    return sorted(out, key=lambda x: (not x.stale, x.name))


def _files(source: object) -> list[Path]:
    path = getattr(source, "path", None)
    if path is None or not hasattr(source, "files"):
        return []
    try:
        return list(source.files()) if path.exists() else []
    except OSError as exc:  # an unreachable share: fall back to what the store recorded
        log.warning("cannot list %s: %s", path, exc)
        return []


# --- messages -------------------------------------------------------------------------------


def _ago(days: int, lang: str) -> str:
    """"heute", "gestern", "vor 40 Tagen"."""
    if days in (0, 1):
        return t(f"mail_ago_{days}", lang)
    return t("mail_ago", lang, days=fmt_number(days, lang, 0))



def _tile_lines(tile: Tile, min_n: int, lang: str) -> list[str]:
    value = fmt_value(tile.kpi, tile.value, tile.suppressed, min_n, lang)
    when = fmt_month(tile.month, lang)
    if tile.closed_share is not None:
        when = t("mail_cohort", lang, month=when, share=fmt_percent(tile.closed_share, lang, 0))
    n = t("mail_n", lang, n=fmt_number(tile.n, lang, 0)) if not tile.suppressed else ""
    lines = [t("mail_tile", lang, kpi=tile.kpi.label(lang), value=value, when=when, n=n)]
    previous = fmt_month(shift_month(tile.month, -1), lang)
    if tile.change_month is None:
        lines.append(t("mail_change_none", lang, month=previous))
    else:
        lines.append(t("mail_change", lang, month=previous,
                       change=fmt_change(tile.change_month, tile.change_unit, lang)))
    return lines


def summary_message(tiles: list[Tile], freshness: pl.DataFrame, latest_month: dt.date, *,
                    publisher: str, min_n: int, today: dt.date, lang: str = "de"
                    ) -> tuple[str, str]:
    """Subject and body of the monthly summary: the overview tiles with their change to
    the previous month, and how fresh each import source is."""
    month = fmt_month(latest_month, lang)
    lines = [t("mail_greeting", lang), "", t("mail_summary_intro", lang, month=month,
                                               publisher=publisher), ""]
    for tile in tiles:
        lines += _tile_lines(tile, min_n, lang)
    lines += ["", t("mail_freshness_heading", lang, month=month)]
    for r in freshness.iter_rows(named=True):
        if r["last_success"] is None:
            lines.append(t("mail_freshness_never", lang, source=r["source"]))
        else:
            lines.append(t("mail_freshness_line", lang, source=r["source"],
                           date=fmt_date(r["last_success"].date(), lang),
                           ago=_ago(r["days_since"], lang)))
    lines += ["", t("mail_footer", lang, min_n=min_n, today=fmt_date(today, lang))]
    return t("mail_summary_subject", lang, publisher=publisher, month=month), "\n".join(lines)


def reminder_message(stale: list[SourceStatus], *, publisher: str, lang: str = "de"
                     ) -> tuple[str, str]:
    """Subject and body of the reminder for sources overdue for a delivery."""
    lines = [t("mail_greeting", lang), "", t("mail_reminder_intro", lang), ""]
    for s in stale:
        if s.last_delivery is None:
            lines.append(t("mail_reminder_never", lang, source=s.name,
                           every=s.expected_every_days, path=s.where))
        else:
            lines.append(t("mail_reminder_line", lang, source=s.name,
                           date=fmt_date(s.last_delivery.date(), lang),
                           ago=_ago(s.days_since or 0, lang),
                           every=s.expected_every_days, path=s.where))
    lines += ["", t("mail_reminder_fix", lang)]
    subject = t("mail_reminder_subject", lang, publisher=publisher, count=len(stale))
    return subject, "\n".join(lines)


def email(subject: str, body: str, sender: str, recipients: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    return msg


# --- sending --------------------------------------------------------------------------------

_SETUP = ("SERVICEPULS_SMTP_HOST, SERVICEPULS_MAIL_FROM und SERVICEPULS_MAIL_TO in der .env "
          "setzen (siehe README, „Erinnerungen“); zum Ansehen ohne Versand --dry-run")


def check_config(settings: Settings) -> None:
    missing = [name for name, value in (("SERVICEPULS_SMTP_HOST", settings.smtp_host),
                                        ("SERVICEPULS_MAIL_FROM", settings.mail_from),
                                        ("SERVICEPULS_MAIL_TO", settings.mail_to)) if not value]
    if missing:
        verb = "fehlt" if len(missing) == 1 else "fehlen"
        raise MailError(f"Mailversand ist nicht eingerichtet: {', '.join(missing)} {verb}",
                        fix=_SETUP)


def send(messages: list[EmailMessage], settings: Settings) -> None:
    """Send over one SMTP connection (STARTTLS and login as configured)."""
    check_config(settings)
    host, port = settings.smtp_host, settings.smtp_port
    try:
        with smtplib.SMTP(host, port, timeout=settings.smtp_timeout) as smtp:  # type: ignore[arg-type]
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() \
                    if settings.smtp_password else ""
                smtp.login(settings.smtp_user, password)
            for msg in messages:
                smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"Der Mailserver {host}:{port} lehnt die Anmeldung ab ({exc.smtp_code})",
                        fix="SERVICEPULS_SMTP_USER und SERVICEPULS_SMTP_PASSWORD prüfen") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"Der Mailserver {host}:{port} kann kein STARTTLS",
                        fix="einen Port mit STARTTLS wählen (meist 587) oder, nur im "
                        "geschützten Netz, SERVICEPULS_SMTP_STARTTLS=false") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Mailserver {host}:{port} nicht erreichbar oder Versand abgelehnt: "
                        f"{exc}", fix="SERVICEPULS_SMTP_HOST und SERVICEPULS_SMTP_PORT "
                        "prüfen (Tippfehler, Firewall, Server läuft?)") from exc
    log.info("sent %d mail(s) via %s:%s", len(messages), host, port)


# --- the command --------------------------------------------------------------------------


def build(settings: Settings, engine: Engine, *, summary: bool, reminders: bool,
          sources_file: Path | None, today: dt.date,
          note: Callable[[str], None] = log.info) -> list[EmailMessage]:
    """The mails one run of ``servicepuls notify`` sends (none when nothing is due)."""
    from metrics.cube import load_cube
    from metrics.overview import tiles
    from metrics.quality import freshness

    lang = settings.language
    sender = settings.mail_from or "servicepuls@localhost"
    recipients = settings.mail_to or ["empfaenger@localhost"]
    out = []
    if summary:
        cube = load_cube(engine, settings.ags)
        if cube.is_empty:
            raise ServicepulsError(f"Der Store {settings.db_url} enthält keine Vorgänge — "
                                   "keine Monatsübersicht möglich",
                                   fix="erst importieren: servicepuls import --all")
        shown = tiles(cube, min_n=settings.min_n)
        subject, body = summary_message(
            shown, freshness(engine, today=today, ags=settings.ags), cube.months[-1],
            publisher=settings.publisher, min_n=settings.min_n, today=today, lang=lang)
        out.append(email(subject, body, sender, recipients))
    if reminders:
        path = sources_file or settings.sources_file
        if sources_file is None and not path.exists():
            note(f"Keine Quellen-Datei {path} — keine Erinnerungen (siehe README, "
                 "„Regelmäßig abholen“)")
        else:
            from connectors.sources import load_sources

            sources = load_sources(path, settings.profiles_dir)
            states = source_status(sources, recorded_deliveries(engine, settings.ags), today)
            stale = [s for s in states if s.stale]
            unchecked = [s.name for s in sources
                         if getattr(s, "expected_every_days", None) is None]
            if unchecked:
                note(f"Ohne expected_every_days, nicht geprüft: {', '.join(unchecked)}")
            if stale:
                subject, body = reminder_message(stale, publisher=settings.publisher, lang=lang)
                out.append(email(subject, body, sender, recipients))
            else:
                note(f"Alle {len(states)} Quellen mit erwartetem Lieferabstand sind aktuell.")
    return out
