"""The README's import instructions, taken from the README itself and run as written: the
example profile, the sources-file examples, the cron line and the systemd service (paths
under /opt and /etc moved to a temporary folder, nothing else changed)."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.importer import import_file
from connectors.profiles import load_profile, profile_for, resolve_profile
from connectors.sources import load_sources
from tests.conftest import KLEINSTADT

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
SUMMEN = Path(__file__).parent / "data" / "summen" / "vorgaenge_mit_summen.csv"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def _block(language: str, containing: str) -> str:
    (found,) = [b for b in _blocks(language) if containing in b]
    return found


def test_example_profile_skips_the_title_and_the_summary_lines(settings, tmp_path: Path) -> None:  # noqa: ANN001
    profiles = tmp_path / "profile"
    profiles.mkdir()
    text = _block("toml", "buergeramt_vorgaenge.toml")
    (profiles / "buergeramt_vorgaenge.toml").write_text(text, encoding="utf-8")
    found = profile_for(Path("vorgaenge_2026-01.csv"), profiles)
    assert found is not None and found.name == "buergeramt_vorgaenge"
    for name, profile in (("leistungen.csv", "musterstadt_leistungen"),
                          ("standorte.csv", "musterstadt_standorte")):
        import_file(KLEINSTADT / name, resolve_profile(profile), settings)
    # tests/data/summen: a title line, 5 rows (2 bad), a blank line and 3 summary lines
    result = import_file(SUMMEN, load_profile(profiles / "buergeramt_vorgaenge.toml"), settings)
    assert (result.rows_read, result.inserted, result.rejected, result.summary_rows) == (
        5, 3, 2, 3)


def test_sources_file_examples_load(tmp_path: Path) -> None:
    """The three [[source]] examples (folder, database, web API) as one sources file."""
    text = "\n".join(b for b in _blocks("toml") if b.startswith("[[source]]"))
    assert text.count("[[source]]") == 3
    (tmp_path / "exporte").mkdir()
    path = tmp_path / "sources.toml"
    path.write_text(text.replace("/srv/exporte/meldewesen", str(tmp_path / "exporte")),
                    encoding="utf-8")
    assert [(s.name, s.kind) for s in load_sources(path)] == [
        ("Meldewesen", "files"), ("Meldewesen-DB", "sql"), ("Terminvergabe", "http")]


@pytest.fixture
def opt(tmp_path: Path, settings) -> tuple[Path, Path]:  # noqa: ANN001
    """/opt/servicepuls (the venv, a sources.toml) and /etc/servicepuls/quellen.env."""
    venv = Path(sys.executable).parents[1]
    assert (venv / "bin" / "servicepuls").exists(), "the servicepuls command is installed"
    root = tmp_path / "opt" / "servicepuls"
    root.mkdir(parents=True)
    (root / ".venv").symlink_to(venv)
    shutil.copytree(KLEINSTADT, tmp_path / "exporte")
    (root / "sources.toml").write_text(
        f'[[source]]\nname = "Kleinstadt"\npath = "{tmp_path / "exporte"}"\npattern = "*.csv"\n',
        encoding="utf-8")
    etc = tmp_path / "etc" / "servicepuls"
    etc.mkdir(parents=True)
    (etc / "quellen.env").write_text(f"SERVICEPULS_DATABASE_URL={settings.db_url}\n"
                                     "SERVICEPULS_PSEUDONYMISATION_KEY=test-key\n",
                                     encoding="utf-8")
    return root, etc


def _moved(text: str, tmp_path: Path) -> str:
    return (text.replace("/opt/servicepuls", str(tmp_path / "opt" / "servicepuls"))
            .replace("/etc/servicepuls", str(tmp_path / "etc" / "servicepuls"))
            .replace("/var/log/servicepuls.log", str(tmp_path / "servicepuls.log")))


def test_cron_line_runs_as_written(opt, tmp_path: Path) -> None:  # noqa: ANN001
    (line,) = [b.strip() for b in _blocks("cron") if "import --all" in b]
    command = _moved(line.split(None, 5)[5], tmp_path)  # after the five time fields
    env = {"PATH": "/usr/bin:/bin"}  # cron's bare environment
    for _ in range(2):
        done = subprocess.run(["/bin/sh", "-c", command], env=env, cwd="/", timeout=300,
                              check=False)
        assert done.returncode == 0
    log = (tmp_path / "servicepuls.log").read_text(encoding="utf-8")
    assert "[Kleinstadt] vorgaenge.csv: 13 Zeilen gelesen, 8 neu" in log
    assert log.count("unverändert") == 3  # the second night: nothing new, nothing read
    assert "\r" not in log and "[---" not in log  # no progress bar in the log


def test_systemd_service_runs_as_written(opt, tmp_path: Path) -> None:  # noqa: ANN001
    """What systemd does with the unit: WorkingDirectory, EnvironmentFile, ExecStart."""
    unit = _block("ini", "servicepuls-import.service")
    service = configparser.ConfigParser(interpolation=None, strict=False)
    service.optionxform = str  # keys as written
    service.read_string(_moved(unit.split("# /etc/systemd/system/servicepuls-import.timer")[0],
                               tmp_path))
    s = service["Service"]
    assert s["Type"] == "oneshot"
    env = {"PATH": "/usr/bin:/bin"}
    for line in Path(s["EnvironmentFile"]).read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    done = subprocess.run(shlex.split(s["ExecStart"]), cwd=s["WorkingDirectory"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "[Kleinstadt] leistungen.csv:" in done.stdout and done.stderr == ""
    assert "OnCalendar=*-*-* 02:15" in unit and "WantedBy=timers.target" in unit
    if shutil.which("systemd-analyze"):  # the unit files as systemd reads them
        folder = tmp_path / "units"
        folder.mkdir()
        service_text, timer_text = _moved(unit, tmp_path).split(
            "# /etc/systemd/system/servicepuls-import.timer")
        (folder / "servicepuls-import.service").write_text(service_text, encoding="utf-8")
        (folder / "servicepuls-import.timer").write_text(timer_text, encoding="utf-8")
        checked = subprocess.run(
            ["systemd-analyze", "verify", *map(str, sorted(folder.iterdir()))],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
        assert checked.returncode == 0 and checked.stderr == "", checked.stderr
