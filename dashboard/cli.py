"""The ``servicepuls`` command: everything a cron job or an admin does.

It lives in the dashboard package because it is the one place allowed to reach every layer
(dashboard → metrics → connectors; sample_data stands apart).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from connectors.errors import ServicepulsError
from connectors.settings import Settings

APP = Path(__file__).parent / "app.py"
SAMPLE_DIR_NAME = "musterstadt"


def _settings(ags: str | None = None) -> Settings:
    """The settings; ``--ags`` of a command replaces SERVICEPULS_AGS for that run."""
    return Settings(ags=ags) if ags else Settings()


def _ags_option(what: str):  # noqa: ANN202 - a click decorator
    return click.option(
        "--ags", default=None, metavar="AGS",
        callback=lambda _ctx, _param, value: value and _check_ags(value),
        help=f"Amtlicher Gemeindeschlüssel (8 Ziffern) der Kommune, {what} "
        "(Standard: SERVICEPULS_AGS).")


def _check_ags(value: str) -> str:
    from connectors.tenants import check_ags

    try:
        return check_ags(value, where="--ags")
    except ServicepulsError as exc:
        raise click.BadParameter(str(exc)) from None


def _terminal() -> bool:
    """Whether a progress bar is wanted: stderr is a terminal (not cron, systemd, a pipe)."""
    return sys.stderr.isatty()


class _Unknown:
    """An iterable without a length: click's progress bar for a total nobody knows."""

    def __iter__(self) -> Iterator[None]:
        return iter(())


@contextlib.contextmanager
def _progress(label: str, total: int | None,
              quiet: bool) -> Iterator[Callable[..., None] | None]:
    """A progress bar on stderr while one import runs: a file's bytes against its size, or
    the rows (and pages) of a database or web API pull, whose total is unknown. Nothing at
    all with --quiet or without a terminal — under cron or systemd a bar only fills the log."""
    if quiet or not _terminal():
        yield None
        return
    done: list = [0, None]  # position, last page
    if total is not None:
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            def update(pos: int, *_: object) -> None:
                bar.update(pos - done[0])
                done[0] = pos

            yield update
        return
    with click.progressbar(_Unknown(), label=label, file=sys.stderr,
                           item_show_func=lambda text: text) as bar:
        def rows(n: int, page: int | None = None) -> None:
            done[1] = page or done[1]
            text = f"{n:,} Zeilen".replace(",", ".") + (f", Seite {done[1]}" if done[1] else "")
            bar.update(n - done[0], text)
            done[0] = n

        yield rows


def _fail(exc: ServicepulsError) -> None:
    click.secho(f"Fehler: {exc}", fg="red", err=True)
    sys.exit(2)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Mehr Ausgaben (Debug-Log).")
def main(verbose: bool) -> None:
    """Servicepuls — Kennzahlen digitaler Verwaltungsleistungen."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _not_imported(name: str, source: str) -> str:
    """A file that comes with a source's exports and holds nothing to import (the
    profile's ``source.companions``): named, not warned about."""
    return (f"nicht importiert: {name} — gehört zur Quelle {source} und enthält nichts zu "
            "importieren")


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Zielordner (Standard: <data_dir>/musterstadt).")
@click.option("--cases", type=click.IntRange(min=1), default=300_000, show_default=True,
              help="Anzahl Vorgänge.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--months", type=click.IntRange(min=13), default=24, show_default=True)
@click.option("--end", default="2026-10", show_default=True, help="Letzter Monat (JJJJ-MM).")
def sample(out: Path | None, cases: int, seed: int, months: int, end: str) -> None:
    """Beispielstadt „Musterstadt“ mit Exporten ihrer Fachverfahren erzeugen."""
    from sample_data import generate

    out = out or _settings().data_dir / SAMPLE_DIR_NAME
    result = generate(out, cases=cases, seed=seed, months=months, end=end)
    click.echo(f"{result.cases_written:,} Vorgänge geschrieben nach {result.out_dir}"
               .replace(",", "."))


@main.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--profile", "profile_name", default=None,
              help="Profilname oder Pfad zu einer .toml-Datei (Standard: nach Dateiname).")
@click.option("--force", is_flag=True, help="Auch bereits importierte Dateien erneut lesen.")
@click.option("--all", "all_sources", is_flag=True,
              help="Alle Quellen aus der Quellen-Datei (SERVICEPULS_SOURCES_FILE) abholen; "
              "nur Neues wird gelesen — für cron oder einen systemd-Timer.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help="Quellen-Datei statt SERVICEPULS_SOURCES_FILE.")
@click.option("-q", "--quiet", is_flag=True,
              help="Keine Fortschrittsanzeige (ohne Terminal, z. B. unter cron, ohnehin nicht).")
@_ags_option("in die importiert wird; bei --all für Quellen ohne eigenes ags")
def import_(paths: tuple[Path, ...], profile_name: str | None, force: bool, all_sources: bool,
            sources_file: Path | None, quiet: bool, ags: str | None) -> None:
    """Exporte importieren (Dateien oder Ordner mit Unterordnern); Stammdaten zuerst."""
    if all_sources:
        _import_all(sources_file, ags, quiet=quiet)
        return
    if not paths:
        raise click.UsageError("Dateien oder Ordner angeben, oder --all")
    from connectors.importer import import_file
    from connectors.profiles import companion_of, profiles_for, resolve_profile
    from connectors.records import IMPORT_ORDER

    settings = _settings(ags)
    try:
        from connectors.sources import folder_files

        files = [f for p in paths for f in (folder_files(p) if p.is_dir() else [p])
                 if f.is_file()]
        plan = []
        for f in files:
            profiles = ([resolve_profile(profile_name, settings.profiles_dir)] if profile_name
                        else profiles_for(f, settings.profiles_dir))
            companion = None if profiles else companion_of(f, settings.profiles_dir)
            if companion is not None:
                click.echo(_not_imported(f.name, companion.source.name))
            elif not profiles:
                click.secho(f"übersprungen: {f} — kein Profil passt zum Dateinamen "
                            "(--profile angeben, oder im Profil source.file_pattern setzen)",
                            fg="yellow")
            plan += [(IMPORT_ORDER[p.source.kind], f, p) for p in profiles]
        failed = 0
        for _, f, profile in sorted(plan, key=lambda x: (x[0], str(x[1]))):
            label = f"{f.name} ({profile.name})"
            try:
                with _progress(label, f.stat().st_size, quiet) as progress:
                    result = import_file(f, profile, settings, force=force,
                                         on_progress=progress, ags=ags)
            except ServicepulsError as exc:  # after the bar is closed: on a line of its own
                failed += 1
                click.secho(f"Fehler: {exc}", fg="red", err=True)
                continue
            click.echo(f"{result.summary()}  [{profile.name}]")
            if result.rejected:
                click.secho(f"  {result.rejected} Zeile(n) in der Quarantäne (Import-Lauf "
                            f"{result.run_id}) — siehe Seite „Datenqualität“", fg="yellow")
        if failed:
            sys.exit(2)
    except ServicepulsError as exc:
        _fail(exc)


def _import_all(sources_file: Path | None, ags: str | None = None, *,
                quiet: bool = False) -> None:
    from connectors.sources import import_all, load_sources

    settings = _settings(ags)
    try:
        sources = load_sources(sources_file or settings.sources_file, settings.profiles_dir)
    except ServicepulsError as exc:
        _fail(exc)

    def report(o) -> None:  # noqa: ANN001 - connectors.sources.FileOutcome
        if o.unchanged:
            click.echo(f"[{o.source}] {o.name}: unverändert")
        if o.companion:
            click.echo(f"[{o.source}] {_not_imported(o.name, o.companion)}")
        for r in o.results:
            click.echo(f"[{o.source}] {r.summary()}")
        if o.error:
            click.secho(f"[{o.source}] {o.name}: Fehler: {o.error}", fg="red", err=True)

    outcomes = import_all(settings, sources, on_file=report,
                          progress=lambda label, total: _progress(label, total, quiet))
    if any(o.error for o in outcomes):
        sys.exit(2)


@main.group()
def db() -> None:
    """Datenbank verwalten."""


@db.command()
def upgrade() -> None:
    """Schema der Datenbank auf den neuesten Stand bringen (Alembic)."""
    from connectors.cube import ensure_current
    from connectors.db import get_engine
    from connectors.db import upgrade as do_upgrade

    settings = _settings()
    do_upgrade(settings)
    click.echo(f"Schema aktuell: {settings.db_url}")
    if ensure_current(get_engine(settings)):  # a store from before the cube, or repaired
        click.echo("Kennzahlen-Würfel aus allen Vorgängen neu berechnet.")


@db.command("rebuild-cube")
def rebuild_cube() -> None:
    """Kennzahlen-Würfel vollständig aus allen Vorgängen neu berechnen (Reparatur)."""
    import time

    from connectors.cube import rebuild
    from connectors.db import get_engine
    from connectors.db import upgrade as do_upgrade

    settings = _settings()
    do_upgrade(settings)
    started = time.perf_counter()
    with get_engine(settings).begin() as conn:
        rebuild(conn)
    click.echo(f"Kennzahlen-Würfel neu berechnet in {time.perf_counter() - started:.1f} s: "
               f"{settings.db_url}")


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--host", default="localhost", show_default=True)
def serve(port: int, host: str) -> None:
    """Dashboard starten."""
    click.echo(f"Servicepuls läuft auf http://{host}:{port}  (Beenden mit Strg+C)")
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true",
           "--browser.gatherUsageStats", "false"]
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(subprocess.call(cmd, env=os.environ.copy()))


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Zielordner (Standard: <data_dir>/offene-daten).")
@_ags_option("deren Daten veröffentlicht werden")
def publish(out: Path | None, ags: str | None) -> None:
    """Offene Daten schreiben: CSV und JSON je Kennzahl, Leistung und Monat, dazu
    DCAT-AP.de-Metadaten (catalog.jsonld) — kleine Fallzahlen unterdrückt."""
    from connectors.db import get_engine
    from dashboard.publish import write_feed
    from metrics.cube import load_cube, store_ready
    from metrics.ranking_protection import protected_feed

    settings = _settings(ags)
    out = out or settings.data_dir / "offene-daten"
    engine = get_engine(settings)
    if not store_ready(engine):
        _fail(ServicepulsError(f"Der Store {settings.db_url} enthält keine Daten",
                               fix="erst importieren: servicepuls import PFAD…"))
    feed = protected_feed(load_cube(engine, settings.ags), settings.min_n)
    if not feed.kpis:
        _fail(ServicepulsError("Keine Vorgänge im Store — nichts zu veröffentlichen",
                               fix="erst importieren: servicepuls import PFAD…"))
    try:
        done = write_feed(feed, out, publisher=settings.publisher)
    except OSError as exc:
        _fail(ServicepulsError(f"Zielordner {out} nicht beschreibbar: {exc.strerror or exc}",
                               fix="einen Ordner angeben, in den dieser Benutzer schreiben "
                               "darf (--out DIR)"))
    click.echo(f"{len(feed.kpis)} Kennzahlen, {len(done.files)} Dateien und catalog.jsonld "
               f"geschrieben nach {done.out_dir}; {done.withheld_cells} Zellen und "
               f"{done.withheld_totals} Monatssummen unterdrückt (Mindestfallzahl "
               f"{settings.min_n}).")


@main.command()
@click.option("--period", required=True,
              help="Zeitraum: Quartal 2026-Q2, Monat 2026-05 oder Jahr 2026.")
@click.option("--scope", default="stadt", show_default=True,
              help="Bereich: stadt, department:<Fachbereich>, services:<Nummer|LeiKa>,… "
              "oder locations:<Standortnummer>,…")
@click.option("--format", "fmt", type=click.Choice(["pdf", "pptx"], case_sensitive=False),
              default="pdf", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Zieldatei (Standard: servicepuls-bericht-<Zeitraum>-<Bereich>.<Format>).")
@click.option("--lang", type=click.Choice(["de", "en"]), default=None,
              help="Sprache (Standard: SERVICEPULS_LANGUAGE).")
@_ags_option("über die berichtet wird")
def report(period: str, scope: str, fmt: str, out: Path | None, lang: str | None,
           ags: str | None) -> None:
    """Bericht für den Rat als PDF oder PowerPoint: Kennzahlen mit Zielwerten und
    Veränderung, Diagramme, Tabelle je Leistung, Piloten, Methodenhinweise."""
    from dashboard import report as council

    settings = _settings(ags)
    try:
        built = council.build(council.load_inputs(settings), period, scope,
                              lang=lang or settings.language, min_n=settings.min_n)
        data = council.render(built, fmt.lower())
        target = council.write(data, out or Path(built.file_name(fmt.lower())))
    except ServicepulsError as exc:
        _fail(exc)
    click.echo(f"Bericht geschrieben: {target} ({len(data) // 1024} KB) — {built.scope_label}, "
               f"{built.period_label}; {built.coverage}")


@main.command()
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Monatsübersicht: Kennzahlen mit Veränderung zum Vormonat, Datenstand.")
@click.option("--reminders/--no-reminders", default=True, show_default=True,
              help="Erinnerung an Quellen, die länger als expected_every_days nichts "
              "geliefert haben.")
@click.option("--dry-run", is_flag=True, help="Mails nur anzeigen, nicht senden.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), default=None,
              help="Quellen-Datei statt SERVICEPULS_SOURCES_FILE.")
@_ags_option("deren Übersicht und Erinnerungen verschickt werden")
def notify(summary: bool, reminders: bool, dry_run: bool, sources_file: Path | None,
           ags: str | None) -> None:
    """Monatsübersicht und Erinnerungen per Mail (SMTP) — für cron oder einen
    systemd-Timer."""
    import datetime as dt

    from connectors.db import get_engine
    from dashboard.notify import build, check_config, send

    settings = _settings(ags)
    try:
        if not dry_run:
            check_config(settings)  # before any work: a cron job should fail fast
        messages = build(settings, get_engine(settings), summary=summary, reminders=reminders,
                         sources_file=sources_file, today=dt.date.today(),
                         note=lambda text: click.echo(text, err=True))
        if dry_run:
            for msg in messages:
                click.echo(f"Von: {msg['From']}\nAn: {msg['To']}\nBetreff: {msg['Subject']}"
                           f"\n\n{msg.get_content()}\n{'-' * 72}")
            click.echo(f"{len(messages)} Mail(s) nicht gesendet (--dry-run).", err=True)
            return
        if messages:
            send(messages, settings)
        click.echo(f"{len(messages)} Mail(s) gesendet an {', '.join(settings.mail_to)}: "
                   + "; ".join(str(m["Subject"]) for m in messages))
    except ServicepulsError as exc:
        _fail(exc)


@main.command()
@click.option("--cases", type=click.IntRange(min=1), default=300_000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Nur erzeugen und importieren.")
@click.option("--port", default=8501, show_default=True)
@click.pass_context
def demo(ctx: click.Context, cases: int, no_serve: bool, port: int) -> None:
    """Beispielstadt erzeugen (falls nötig), importieren (nur Neues) und Dashboard starten."""
    settings = _settings()
    out = settings.data_dir / SAMPLE_DIR_NAME
    if (out / "vorgaenge.csv").exists():
        click.echo(f"Beispieldaten vorhanden: {out}")
    else:
        ctx.invoke(sample, out=out, cases=cases)
    ctx.invoke(import_, paths=(out,), profile_name=None, force=False)
    from metrics.pilot_config import pilots_path

    pilots = pilots_path(settings)
    if not pilots.exists() and (out / "pilotprojekte.toml").exists():
        shutil.copy(out / "pilotprojekte.toml", pilots)  # the sample city's pilot, once
        click.echo(f"Pilotprojekt der Beispielstadt eingetragen: {pilots}")
    from metrics.costs import costs_path

    costs = costs_path(settings)
    if not costs.exists() and (out / "kosten.toml").exists():
        shutil.copy(out / "kosten.toml", costs)  # the sample city's cost rates, once
        click.echo(f"Kostensätze der Beispielstadt eingetragen: {costs}")
    if not no_serve:
        ctx.invoke(serve, port=port, host="localhost")


if __name__ == "__main__":
    main()
