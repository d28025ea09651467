"""The monitoring settings: defaults, `WISP_*` variables, and the rules that refuse bad ones."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from wisp.config import Settings

DEFAULTS: dict[str, Any] = {
    "smtp_host": None,
    "smtp_port": None,
    "smtp_security": "starttls",
    "smtp_username": None,
    "smtp_password_file": None,
    "smtp_timeout_seconds": 10,
    "alert_from": None,
    "alert_to": (),
    "business_hours": "07:00-19:00",
    "business_days": "mon-fri",
    "timezone": "America/New_York",
    "alert_failed_sign_ins": 5,
    "alert_failed_sign_ins_minutes": 15,
    "alert_reveals": 20,
    "alert_reveals_minutes": 10,
    "alert_export_records": 100,
    "alert_repeat_minutes": 60,
}
MAIL = {
    "WISP_SMTP_HOST": "smtp.example.com",
    "WISP_ALERT_FROM": "wisp@example.com",
    "WISP_ALERT_TO": "security@example.com",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WISP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WISP_HOME", str(tmp_path))


@pytest.mark.parametrize(("field", "value"), sorted(DEFAULTS.items()))
def test_defaults(field: str, value: object) -> None:
    assert getattr(Settings(), field) == value


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"WISP_SMTP_PORT": "2525"}, "smtp_port", 2525),
        ({"WISP_SMTP_SECURITY": "tls"}, "smtp_security", "tls"),
        (
            {"WISP_ALERT_TO": "a@example.com, b@example.org"},
            "alert_to",
            ("a@example.com", "b@example.org"),
        ),
        ({"WISP_ALERT_TO": "only@example.com"}, "alert_to", ("only@example.com",)),
        ({"WISP_BUSINESS_HOURS": "22:00-06:00"}, "business_hours", "22:00-06:00"),
        ({"WISP_BUSINESS_DAYS": "sun-thu"}, "business_days", "sun-thu"),
        ({"WISP_TIMEZONE": "America/Los_Angeles"}, "timezone", "America/Los_Angeles"),
        ({"WISP_ALERT_FAILED_SIGN_INS": "10"}, "alert_failed_sign_ins", 10),
        ({"WISP_ALERT_REVEALS_MINUTES": "30"}, "alert_reveals_minutes", 30),
        ({"WISP_ALERT_EXPORT_RECORDS": "1000"}, "alert_export_records", 1000),
        ({"WISP_SMTP_HOST": "  "}, "smtp_host", None),
        (
            {**MAIL, "WISP_SMTP_HOST": "127.0.0.1", "WISP_SMTP_SECURITY": "none"},
            "smtp_security",
            "none",
        ),
        (
            {**MAIL, "WISP_SMTP_HOST": "localhost", "WISP_SMTP_SECURITY": "none"},
            "smtp_host",
            "localhost",
        ),
    ],
)
def test_environment_variables_are_read(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], field: str, expected: object
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert getattr(Settings(), field) == expected


def test_smtp_login(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {
        **MAIL,
        "WISP_SMTP_USERNAME": "wisp",
        "WISP_SMTP_PASSWORD_FILE": "/run/pw",
    }.items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    assert (settings.smtp_username, settings.smtp_password_file) == ("wisp", Path("/run/pw"))


SECRET = "hunter2-is-not-an-address"


@pytest.mark.parametrize(
    ("env", "field", "message"),
    [
        ({**MAIL, "WISP_SMTP_SECURITY": "none"}, "smtp_security", "loopback"),
        ({"WISP_SMTP_SECURITY": "ssl"}, "smtp_security", "starttls"),
        (
            {"WISP_SMTP_HOST": "smtp.example.com; rm", "WISP_ALERT_FROM": "a@b.c"},
            "smtp_host",
            "host",
        ),
        ({"WISP_SMTP_PORT": "0"}, "smtp_port", "greater than 0"),
        ({"WISP_SMTP_PORT": "70000"}, "smtp_port", "less than or equal"),
        ({**MAIL, "WISP_ALERT_TO": ""}, "alert_to", "at least one"),
        ({**MAIL, "WISP_ALERT_FROM": ""}, "alert_from", "must be set"),
        ({"WISP_ALERT_FROM": SECRET}, "alert_from", "not an e-mail address"),
        ({"WISP_ALERT_TO": f"ok@example.com,{SECRET}"}, "alert_to", "not an e-mail address"),
        ({"WISP_ALERT_TO": "a@b.c\r\nBcc: x@y.z"}, "alert_to", "not an e-mail address"),
        ({"WISP_SMTP_USERNAME": "wisp"}, "smtp_password_file", "smtp_username"),
        ({"WISP_SMTP_PASSWORD_FILE": "/run/pw"}, "smtp_password_file", "smtp_username"),
        ({"WISP_BUSINESS_HOURS": "9 to 5"}, "business_hours", "HH:MM"),
        ({"WISP_BUSINESS_DAYS": "weekdays"}, "business_days", "mon-fri"),
        ({"WISP_TIMEZONE": "Eastern"}, "timezone", "IANA"),
        ({"WISP_ALERT_FAILED_SIGN_INS": "1"}, "alert_failed_sign_ins", "greater than or equal"),
        ({"WISP_ALERT_REVEALS": "0"}, "alert_reveals", "greater than or equal"),
        ({"WISP_ALERT_EXPORT_RECORDS": "0"}, "alert_export_records", "greater than or equal"),
        ({"WISP_ALERT_REPEAT_MINUTES": "0"}, "alert_repeat_minutes", "greater than 0"),
        ({"WISP_SMTP_TIMEOUT_SECONDS": "0"}, "smtp_timeout_seconds", "greater than 0"),
    ],
)
def test_invalid_settings_are_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], field: str, message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError) as info:
        Settings()

    (error,) = info.value.errors()
    assert error["loc"] == (field,)
    assert message in error["msg"]
    assert SECRET not in str(info.value)
