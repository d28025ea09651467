"""Settings: `WISP_*` environment variables, parsed and validated; the worker count."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from wisp.config import Settings, default_home


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WISP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)


def test_defaults(tmp_path: Path) -> None:
    settings = Settings()

    assert settings.home == tmp_path / "user" / ".local" / "share" / "wisp"
    assert settings.workers == 0
    assert settings.max_file_bytes == 512 * 1024 * 1024
    assert settings.max_findings_per_file == 100
    assert settings.archive_max_depth == 5
    assert settings.archive_max_members == 10_000
    assert settings.archive_max_ratio == 100
    assert settings.archive_max_bytes == 1024 * 1024 * 1024


def test_default_home_follows_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_home() == tmp_path / "user" / ".local" / "share" / "wisp"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))

    assert default_home() == tmp_path / "xdg" / "wisp"
    assert Settings().home == tmp_path / "xdg" / "wisp"


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"),
    [
        ("WISP_WORKERS", "3", "workers", 3),
        ("WISP_WORKERS", "0", "workers", 0),
        ("WISP_MAX_FILE_BYTES", "1024", "max_file_bytes", 1024),
        ("WISP_MAX_FINDINGS_PER_FILE", "0", "max_findings_per_file", 0),
        ("WISP_ARCHIVE_MAX_DEPTH", "0", "archive_max_depth", 0),
        ("WISP_ARCHIVE_MAX_MEMBERS", "7", "archive_max_members", 7),
        ("WISP_ARCHIVE_MAX_RATIO", "20", "archive_max_ratio", 20),
        ("WISP_ARCHIVE_MAX_BYTES", "4096", "archive_max_bytes", 4096),
        ("wisp_workers", "5", "workers", 5),  # names are case-insensitive
        ("WISP_HOME", "/srv/wisp", "home", Path("/srv/wisp")),
    ],
)
def test_environment_variables_are_read(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str, expected: Any
) -> None:
    monkeypatch.setenv(env, value)

    assert getattr(Settings(), field) == expected


def test_home_expands_the_user_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WISP_HOME", "~/wisp-state")

    assert Settings().home == tmp_path / "user" / "wisp-state"


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("WISP_WORKERS", "-1"),
        ("WISP_WORKERS", "many"),
        ("WISP_WORKERS", "1.5"),
        ("WISP_MAX_FILE_BYTES", "0"),
        ("WISP_MAX_FINDINGS_PER_FILE", "-1"),
        ("WISP_ARCHIVE_MAX_DEPTH", "-1"),
        ("WISP_ARCHIVE_MAX_MEMBERS", "0"),
        ("WISP_ARCHIVE_MAX_RATIO", "0"),
        ("WISP_ARCHIVE_MAX_BYTES", "-5"),
    ],
)
def test_invalid_environment_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)

    with pytest.raises(ValidationError) as info:
        Settings()

    (error,) = info.value.errors()
    assert error["loc"] == (env.removeprefix("WISP_").lower(),)


def test_variables_without_the_prefix_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERS", "9")
    monkeypatch.setenv("HOME_DIR", "/nowhere")

    assert Settings().workers == 0


def test_explicit_arguments_win_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WISP_WORKERS", "3")

    assert Settings(workers=2, home=tmp_path).workers == 2


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)

    with pytest.raises(ValidationError):
        settings.workers = 4


@pytest.mark.parametrize(
    ("workers", "cpus", "expected"),
    [
        (3, 8, 3),
        (1, 8, 1),
        (0, 8, 8),
        (0, None, 1),  # os.cpu_count() may not know
    ],
)
def test_worker_count(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
    cpus: int | None,
    expected: int,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)

    assert Settings(home=tmp_path, workers=workers).worker_count() == expected


def test_every_setting_is_described() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name
