"""A real install: the wheel in a fresh virtual environment, started in an empty folder.

The wheel is built from a copy of the source tree (so the tree of whoever runs the tests is not
touched). The fresh environment gets the project only from that wheel; its dependencies come
from the test environment's site-packages through a path file, because installing them again
from the index would take minutes and need the network.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.config import PACKAGED_CONFIG, SYSTEM_CONFIG, load_settings

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".git", "tests"
)


def _clean_env(**extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("LEERTRAJECT_")}
    return {**kept, **extra}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SKIP)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(source)],
        check=True,
        timeout=600,
    )
    (built,) = work.glob("leertraject-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Only the dependencies: a path line does not run the editable install's own .pth hook.
    (Path(purelib) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    return target


def test_the_wheel_carries_the_defaults_the_migrations_and_the_texts(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "app/config.toml" in names
    assert any(n.startswith("storage/migrations/versions/0001") for n in names)
    assert "core/locale/nl/LC_MESSAGES/chat.po" in names
    packaged = zipfile.ZipFile(wheel).read("app/config.toml").decode()
    assert packaged == (ROOT / "config.toml").read_text(encoding="utf-8")


def test_installed_command_creates_its_database_in_an_empty_folder(
    venv: Path, tmp_path: Path
) -> None:
    if SYSTEM_CONFIG.exists():
        pytest.skip(f"{SYSTEM_CONFIG} exists on this machine and would be used")
    empty = tmp_path / "empty"
    empty.mkdir()
    command = str(venv / "bin" / "leertraject")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, *args], cwd=empty, env=_clean_env(), capture_output=True, text=True
        )

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import app; print(app.__file__)"],
        cwd=empty,
        env=_clean_env(),
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(venv)), where  # the wheel, not the source tree

    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Databank bijgewerkt" in upgraded.stdout
    assert (empty / "var" / "leertraject.db").is_file()
    status = run("db", "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["up_to_date"] is True


def test_configuration_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    here, elsewhere = tmp_path / "here", tmp_path / "etc"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.delenv("LEERTRAJECT_CONFIG", raising=False)
    monkeypatch.delenv("LEERTRAJECT_DATABASE__URL", raising=False)
    monkeypatch.chdir(here)
    if not SYSTEM_CONFIG.exists():
        # Nothing in the working folder: the packaged defaults, with state under ./var.
        packaged = load_settings()
        assert packaged.source == PACKAGED_CONFIG
        assert packaged.database_url() == f"sqlite:///{here / 'var' / 'leertraject.db'}"
    (here / "config.toml").write_text(text.replace("Bedrijvige Kern 2027", "hier"))
    assert load_settings().campaign.name.endswith("hier")
    (elsewhere / "config.toml").write_text(text.replace("Bedrijvige Kern 2027", "env"))
    monkeypatch.setenv("LEERTRAJECT_CONFIG", str(elsewhere / "config.toml"))
    from_env = load_settings()
    assert from_env.campaign.name.endswith("env")
    # Relative paths in a file resolve against that file's own folder.
    assert from_env.path(Path("var/reports")) == elsewhere / "var" / "reports"
    assert from_env.database_url() == f"sqlite:///{elsewhere / 'var' / 'leertraject.db'}"
    assert load_settings(here / "config.toml").campaign.name.endswith("hier")


def test_the_systemd_units_verify_with_the_installed_command(venv: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    units = sorted((ROOT / "deploy").glob("leertraject*.service")) + sorted(
        (ROOT / "deploy").glob("leertraject*.timer")
    )
    assert {u.name for u in units} >= {"leertraject.service", "leertraject-backup.timer"}
    for unit in units:
        # The unit names /opt/leertraject/venv; here the wheel's venv stands in for it.
        text = unit.read_text(encoding="utf-8").replace("/opt/leertraject/venv", str(venv))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / u.name) for u in units)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    # verify exits 0 on a misspelt or unparsable setting and only warns: both must be quiet.
    assert (done.returncode, done.stdout + done.stderr) == (0, "")

    service = (ROOT / "deploy" / "leertraject.service").read_text(encoding="utf-8")
    settings = [line.strip() for line in service.splitlines()]
    for required in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/leertraject",
        "EnvironmentFile=/etc/leertraject/leertraject.env",
        "Environment=LEERTRAJECT_CONFIG=/etc/leertraject/config.toml",
        "ExecStart=/opt/leertraject/venv/bin/leertraject run",
    ):
        assert required in settings, required
    env_example = (ROOT / "deploy" / "leertraject.env.example").read_text(encoding="utf-8")
    assert "TELEGRAM_BOT_TOKEN=\n" in env_example, "the example carries names, never values"
