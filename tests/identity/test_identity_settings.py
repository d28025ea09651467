"""The identity settings: defaults, environment variables, and the rules that tie them together."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from wisp.config import Settings

DEFAULTS = {
    "password_min_length": 12,
    "lockout_threshold": 5,
    "lockout_window_minutes": 15,
    "lockout_minutes": 30,
    "throttle_free_failures": 3,
    "throttle_max_delay_seconds": 900,
    "throttle_reset_minutes": 60,
    "session_idle_minutes": 15,
    "session_absolute_hours": 12,
    "api_token_max_days": 90,
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WISP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WISP_HOME", str(tmp_path))


@pytest.mark.parametrize(("field", "value"), sorted(DEFAULTS.items()))
def test_defaults(field: str, value: int) -> None:
    assert getattr(Settings(), field) == value


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"),
    [
        ("WISP_PASSWORD_MIN_LENGTH", "15", "password_min_length", 15),
        ("WISP_LOCKOUT_THRESHOLD", "10", "lockout_threshold", 10),
        ("WISP_LOCKOUT_MINUTES", "0", "lockout_minutes", 0),
        ("WISP_SESSION_IDLE_MINUTES", "5", "session_idle_minutes", 5),
        ("WISP_API_TOKEN_MAX_DAYS", "366", "api_token_max_days", 366),
    ],
)
def test_environment_variables_are_read(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str, expected: int
) -> None:
    monkeypatch.setenv(env, value)

    assert getattr(Settings(), field) == expected


@pytest.mark.parametrize(
    ("env", "field", "message"),
    [
        ({"WISP_PASSWORD_MIN_LENGTH": "7"}, "password_min_length", "greater than or equal"),
        ({"WISP_LOCKOUT_THRESHOLD": "1"}, "lockout_threshold", "greater than or equal"),
        ({"WISP_LOCKOUT_MINUTES": "-1"}, "lockout_minutes", "greater than or equal"),
        ({"WISP_API_TOKEN_MAX_DAYS": "0"}, "api_token_max_days", "greater than"),
        ({"WISP_THROTTLE_FREE_FAILURES": "5"}, "throttle_free_failures", "lockout_threshold"),
        (
            {"WISP_LOCKOUT_THRESHOLD": "3", "WISP_THROTTLE_FREE_FAILURES": "3"},
            "throttle_free_failures",
            "lockout_threshold",
        ),
        ({"WISP_THROTTLE_RESET_MINUTES": "10"}, "throttle_reset_minutes", "lockout_window"),
        ({"WISP_THROTTLE_MAX_DELAY_SECONDS": "3600"}, "throttle_reset_minutes", "max_delay"),
        ({"WISP_SESSION_IDLE_MINUTES": "800"}, "session_absolute_hours", "session_idle"),
    ],
)
def test_invalid_values_are_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], field: str, message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError) as info:
        Settings()

    (error,) = info.value.errors()
    assert error["loc"] == (field,)  # the CLI names the setting from loc[0]
    assert message in error["msg"]
