"""`wisp audit` and `wisp alerts` end to end, on SQLite and PostgreSQL: verify names tampering by
sequence number, checkpoints catch truncation, list/export, and alerts listed, acked and mailed."""

from __future__ import annotations

import json
import os
import stat
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audit"))

from smtp_testserver import HOST, free_port, smtp
from wisp_testdb import Database, database

from wisp.audit.events import Action, AuditEvent, Masked, Outcome, Target
from wisp.cli.app import cli
from wisp.runtime import Runtime

__all__ = ["database"]

USER = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
ENTRIES = 10


@pytest.fixture
def home(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The environment names the test's database, as an operator's shell would."""
    for name in list(os.environ):
        if name.startswith("WISP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WISP_HOME", str(database.settings.home))
    if database.settings.database_url is not None:
        monkeypatch.setenv("WISP_DATABASE_URL", database.settings.database_url.get_secret_value())
    return database


def wisp(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reveal(n: int, *, canary: bool = False) -> AuditEvent:
    details = {"fields": [Masked("***-**-6789")], "canary": canary, "n": n}
    target = Target("vault_record", n)
    return AuditEvent(Action.REVEAL, Outcome.SUCCESS, USER, target, details=details)


def record(database: Database, events: Iterable[AuditEvent]) -> None:
    # Every hour of every day is working time here: the alerts these tests expect must not
    # depend on when they run (outside business hours a reveal raises an alert of its own).
    always = {"business_hours": "00:00-24:00", "business_days": "mon-sun"}
    with Runtime.open(database.settings.model_copy(update=always)) as runtime:
        runtime.alerts  # noqa: B018 - the rules listen, as in the server
        for event_ in events:
            runtime.audit.record(event_)


@pytest.fixture
def filled(home: Database) -> Database:
    record(home, (reveal(n) for n in range(1, ENTRIES + 1)))
    return home


def test_verify_an_intact_log(filled: Database) -> None:
    result = wisp("audit", "verify")

    assert result.exit_code == 0, result.output
    assert result.stdout == "audit log intact: 10 entries (last 10), 0 signed checkpoint(s)\n"
    listed = json.loads(
        wisp("audit", "list", "--action", "audit.verified", "--format", "json").stdout
    )
    assert [(e["outcome"], e["actor"], e["details"]["entries"]) for e in listed] == [
        ("success", "cli", 10)
    ]


def _shift(database: Database, at_or_above: int, by: int) -> None:
    database.execute(
        "UPDATE audit_entry SET sequence = -sequence WHERE sequence >= :s", s=at_or_above
    )
    database.execute("UPDATE audit_entry SET sequence = :by - sequence WHERE sequence < 0", by=by)


def _insert(database: Database) -> None:
    _shift(database, 5, by=1)
    database.execute(
        "INSERT INTO audit_entry (sequence, occurred_at, actor, action, outcome, details,"
        " prev_hash, mac) SELECT 5, occurred_at, actor, action, outcome, details, mac, :mac"
        " FROM audit_entry WHERE sequence = 4",
        mac="ab" * 32,
    )


def _swap(database: Database) -> None:
    database.execute("UPDATE audit_entry SET sequence = -1 WHERE sequence = 3")
    database.execute("UPDATE audit_entry SET sequence = 3 WHERE sequence = 7")
    database.execute("UPDATE audit_entry SET sequence = 7 WHERE sequence = -1")


TAMPERING = {
    "edited": (
        lambda db: db.execute("UPDATE audit_entry SET outcome = 'denied' WHERE sequence = 4"),
        "edited at entry 4: its fields, links or mac were changed",
    ),
    "deleted": (
        lambda db: db.execute("DELETE FROM audit_entry WHERE sequence = 4"),
        "deleted at entry 4: entries 4 are missing",
    ),
    "inserted": (_insert, "inserted at entry 5: the entry after it follows the entry before it"),
    "reordered": (_swap, "reordered at entry 3: entry 3 was written as entry 7"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_verify_names_each_finding_by_sequence_number(filled: Database, kind: str) -> None:
    tamper, finding = TAMPERING[kind]
    filled.drop_append_only_triggers()
    tamper(filled)

    result = wisp("audit", "verify")

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == finding
    assert all(" at entry " in line for line in lines)
    assert result.stderr.endswith(f"does not verify ({len(lines)} finding(s))\n")


def test_a_failed_verification_is_recorded_and_raises_a_critical_alert(filled: Database) -> None:
    filled.drop_append_only_triggers()
    filled.execute("UPDATE audit_entry SET outcome = 'denied' WHERE sequence = 4")

    assert wisp("audit", "verify").exit_code == 1

    (verified,) = json.loads(
        wisp("audit", "list", "--action", "audit.verified", "--format", "json").stdout
    )
    assert (verified["sequence"], verified["outcome"]) == (11, "failure")
    assert verified["details"] == {
        "entries": 10,
        "last_sequence": 10,
        "checkpoints": 0,
        "findings": 1,
    }
    (row,) = wisp("alerts", "list").stdout.splitlines()[1:]
    assert row.split()[4:8] == ["critical", "audit_verification_failed", "audit_log", "1"]


def test_a_truncated_log_is_caught_by_the_checkpoint(filled: Database) -> None:
    signed = wisp("audit", "checkpoint")
    assert signed.exit_code == 0
    assert signed.stdout.startswith("signed entry 10 (head ")
    filled.drop_append_only_triggers()
    filled.execute("DELETE FROM audit_entry WHERE sequence > 7")
    mac = filled.execute("SELECT mac FROM audit_entry WHERE sequence = 7")[0][0]
    filled.execute("UPDATE audit_head SET sequence = 7, mac = :m", m=mac)

    result = wisp("audit", "verify")

    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("truncated at entry 8: a checkpoint signed at ")
    assert line.endswith("covers entry 10; the log ends at 7")


def test_checkpoint_refuses_to_sign_a_tampered_chain(filled: Database) -> None:
    filled.drop_append_only_triggers()
    filled.execute("UPDATE audit_entry SET outcome = 'denied' WHERE sequence = 4")

    result = wisp("audit", "checkpoint")

    assert result.exit_code == 1
    assert result.stderr == "wisp: edited at entry 4: its fields, links or mac were changed\n"


def test_list_as_a_table_and_as_json(filled: Database) -> None:
    table = wisp("audit", "list", "--limit", "3")
    documents = json.loads(wisp("audit", "list", "--format", "json").stdout)

    assert table.exit_code == 0
    header, *rows = table.stdout.splitlines()
    assert header.split()[:5] == ["SEQUENCE", "TIME", "(UTC)", "ACTION", "OUTCOME"]
    assert [row.split()[0] for row in rows] == ["8", "9", "10"]
    assert f"vault.reveal             success  {USER}  vault_record:10" in rows[-1]
    assert [d["sequence"] for d in documents] == list(range(1, 11))
    assert documents[0]["details"] == {"fields": ["***-**-6789"], "canary": False, "n": 1}
    assert set(documents[0]) >= {"occurred_at", "actor", "target_id", "prev_hash", "mac"}


def test_list_since_and_by_action(filled: Database) -> None:
    entries = json.loads(wisp("audit", "list", "--format", "json").stdout)
    sixth = entries[5]["occurred_at"]
    record(filled, [AuditEvent(Action.LOGOUT, Outcome.SUCCESS, USER)])

    since = json.loads(wisp("audit", "list", "--since", sixth, "--format", "json").stdout)
    limited = json.loads(
        wisp("audit", "list", "--since", sixth, "--limit", "2", "--format", "json").stdout
    )
    logouts = json.loads(
        wisp("audit", "list", "--action", "auth.logout", "--format", "json").stdout
    )

    assert [e["sequence"] for e in since] == [6, 7, 8, 9, 10, 11]
    assert [e["sequence"] for e in limited] == [6, 7]
    assert [e["sequence"] for e in logouts] == [11]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since must be an ISO 8601 date or time"),
        (["--action", "auth.nothing"], "Invalid value for '--action'"),
        (["--limit", "0"], "Invalid value for '--limit'"),
    ],
)
def test_list_refuses_bad_options(home: Database, args: list[str], message: str) -> None:
    result = wisp("audit", "list", *args)

    assert result.exit_code == 2
    assert message in result.stderr


def test_a_naive_since_is_read_in_the_business_time_zone(
    home: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(home, [reveal(1)])
    stamp = json.loads(wisp("audit", "list", "--format", "json").stdout)[0]["occurred_at"]
    wall = stamp[:16]  # YYYY-MM-DDTHH:MM, the entry's minute in UTC, without an offset

    monkeypatch.setenv("WISP_TIMEZONE", "UTC")
    in_utc = json.loads(wisp("audit", "list", "--since", wall, "--format", "json").stdout)
    monkeypatch.setenv("WISP_TIMEZONE", "America/Los_Angeles")  # that wall time is hours later
    in_la = json.loads(wisp("audit", "list", "--since", wall, "--format", "json").stdout)
    explicit = json.loads(wisp("audit", "list", "--since", wall + "Z", "--format", "json").stdout)

    assert [e["sequence"] for e in in_utc] == [1]
    assert in_la == []
    assert [e["sequence"] for e in explicit] == [1]


def test_export_writes_private_json_lines_and_is_audited(filled: Database, tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"

    result = wisp("audit", "export", "--output", str(target))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 10 audit entries to {target}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["sequence"] for line in lines] == list(range(1, 11))
    assert all(line["format"] == "wisp.audit.entry/v1" and len(line["mac"]) == 64 for line in lines)
    exported = json.loads(
        wisp("audit", "list", "--action", "audit.exported", "--format", "json").stdout
    )
    assert [(e["actor"], e["details"]) for e in exported] == [
        ("cli", {"count": 10, "last_sequence": 10})
    ]


def test_export_needs_an_output(home: Database) -> None:
    result = wisp("audit", "export")

    assert result.exit_code == 2
    assert "--output" in result.stderr


def test_alerts_list_ack_and_list_all(home: Database) -> None:
    assert wisp("alerts", "list").stdout == "no open alerts\n"
    record(home, [reveal(1, canary=True)])

    listed = wisp("alerts", "list")
    header, row = listed.stdout.splitlines()
    alert_id = row.split()[0]
    acked = wisp("alerts", "ack", alert_id)
    after = wisp("alerts", "list")
    everything = wisp("alerts", "list", "--all")

    assert header.split()[:4] == ["ID", "RAISED", "SEVERITY", "RULE"]
    assert "critical  canary_reveal" in row
    assert str(USER) in row
    assert row.endswith("open, e-mail pending")
    assert acked.stdout == f"acknowledged alert {alert_id} (canary_reveal, {USER})\n"
    assert after.stdout == "no open alerts\n"
    assert everything.stdout.splitlines()[1].endswith("acknowledged by cli, e-mail pending")
    audited = json.loads(
        wisp("audit", "list", "--action", "alert.acknowledged", "--format", "json").stdout
    )
    assert [(e["actor"], e["target_id"], e["details"]) for e in audited] == [
        ("cli", alert_id, {"severity": "critical"})
    ]


@pytest.mark.parametrize(
    ("alert_id", "message"), [("1", "alert 1 was acknowledged already"), ("99", "no alert 99")]
)
def test_ack_refusals(home: Database, alert_id: str, message: str) -> None:
    record(home, [reveal(1, canary=True)])
    wisp("alerts", "ack", "1")

    result = wisp("alerts", "ack", alert_id)

    assert result.exit_code == 1
    assert result.stderr == f"wisp: {message}\n"


def test_alerts_send_without_smtp(home: Database) -> None:
    result = wisp("alerts", "send")

    assert result.exit_code == 2
    assert "WISP_SMTP_HOST" in result.stderr


def test_alerts_send_delivers_what_failed_before(
    home: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    for name, value in {
        "WISP_SMTP_HOST": HOST,
        "WISP_SMTP_PORT": str(port),
        "WISP_SMTP_SECURITY": "none",
        "WISP_SMTP_TIMEOUT_SECONDS": "5",
        "WISP_ALERT_FROM": "wisp@example.com",
        "WISP_ALERT_TO": "security@example.com,owner@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    settings = type(home.settings)()  # the environment just set: SMTP on a port nobody serves
    record(Database(home.kind, settings, home.engine, home.sessions), [reveal(1, canary=True)])

    down = wisp("alerts", "send")
    with smtp(port) as (_, server):
        up = wisp("alerts", "send")

    assert down.exit_code == 1
    assert down.stdout == "sent 0 alert e-mail(s), 1 failed\n"
    assert down.stderr == "wisp: delivery failed (ConnectionRefusedError)\n"
    assert up.exit_code == 0
    assert up.stdout == "sent 1 alert e-mail(s), 0 failed\n"
    (mail,) = server.received
    assert mail.recipients == ["security@example.com", "owner@example.com"]
    assert "canary" in mail.message["Subject"]
    assert "6789" not in mail.message.as_string()
    assert wisp("alerts", "list").stdout.splitlines()[1].endswith("open, e-mail sent")


def test_a_bad_setting_is_one_line(home: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WISP_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("WISP_SMTP_SECURITY", "none")

    result = wisp("audit", "verify")

    assert result.exit_code == 2
    assert result.stderr.startswith("wisp: invalid setting smtp_security: ")
    assert len(result.stderr.splitlines()) == 1


def test_an_unmigrated_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("WISP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WISP_HOME", str(tmp_path / "fresh"))

    result = wisp("alerts", "list")

    assert result.exit_code == 1
    assert "schema none" in result.stderr
    assert len(result.stderr.splitlines()) == 1
