"""`wisp audit` and `wisp alerts`: verify, sign, list and export the audit log; review alerts.

17.04(4) reasonable monitoring for unauthorized use of or access to PI; 17.03(2)(h),(j). Thin:
each command parses, calls one service of `wisp.runtime.Runtime`, and renders the result.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path

import click

from wisp.audit.alert_models import AlertView
from wisp.audit.alerts import parse_zone
from wisp.audit.chain import StoredEntry
from wisp.audit.events import Action, SystemActor
from wisp.audit.review import AuditReview, entry_document
from wisp.cli.common import EXIT_REFUSED, fail, open_runtime
from wisp.cli.output import write_output

__all__ = ["alerts_group", "audit_group"]


def _since(text: str, zone: tzinfo) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        fail("--since must be an ISO 8601 date or time, such as 2025-03-01T09:00")
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=zone)


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (17.04(4), 17.03(2)(j)): verify, sign, list, export."""


@audit_group.command("verify")
def verify_command() -> None:
    """Check the HMAC chain, the head row and the signed checkpoints; exit 1 if tampered."""
    with open_runtime() as runtime:
        report = AuditReview(runtime.audit, runtime.sessions).verify(SystemActor.CLI)
    if not report.ok:
        for finding in report.findings:
            click.echo(finding.describe())
        fail(f"the audit log does not verify ({len(report.findings)} finding(s))", EXIT_REFUSED)
    click.echo(
        f"audit log intact: {report.entries} entries (last {report.last_sequence}),"
        f" {report.checkpoints} signed checkpoint(s)"
    )


@audit_group.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the chain's head now, into the checkpoint file outside the database."""
    with open_runtime() as runtime:
        checkpoint = runtime.audit.checkpoint()
        path = runtime.audit.checkpoint_path
    click.echo(f"signed entry {checkpoint.sequence} (head {checkpoint.head[:16]}) into {path}")


def _entry_row(entry: StoredEntry) -> str:
    target = f"{entry.target_type}:{entry.target_id}" if entry.target_type else "-"
    return (
        f"{entry.sequence:>8}  {entry.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"
        f"  {entry.action:<24} {entry.outcome:<8} {entry.actor or '-':<36}  {target:<30}"
        f"  {entry.source or '-'}"
    ).rstrip()


@audit_group.command("list")
@click.option("--since", help="Entries from this time on (ISO 8601; no offset: WISP_TIMEZONE).")
@click.option(
    "--action",
    type=click.Choice(sorted(action.value for action in Action)),
    metavar="ACTION",
    help="Only entries of this action, such as auth.login_failed or vault.reveal.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=100_000),
    default=100,
    show_default=True,
    help="At most this many entries: the first after --since, else the newest.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def list_command(since: str | None, action: str | None, limit: int, fmt: str) -> None:
    """List audit entries, oldest first."""
    with open_runtime() as runtime:
        start = _since(since, parse_zone(runtime.settings.timezone)) if since else None
        entries = AuditReview(runtime.audit, runtime.sessions).entries(
            SystemActor.CLI, since=start, action=Action(action) if action else None, limit=limit
        )
    if fmt == "json":
        click.echo(json.dumps([entry_document(entry) for entry in entries], indent=2))
        return
    click.echo(
        f"{'SEQUENCE':>8}  {'TIME (UTC)':<20}  {'ACTION':<24} {'OUTCOME':<8} {'ACTOR':<36}"
        f"  {'TARGET':<30}  SOURCE"
    )
    for entry in entries:
        click.echo(_entry_row(entry))


@audit_group.command("export")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the JSON lines here (mode 0600, atomically).",
)
def export_command(output: Path) -> None:
    """Export every entry, with its chain links, as JSON lines; the export is itself audited."""
    with open_runtime() as runtime:
        review = AuditReview(runtime.audit, runtime.sessions)
        count = review.export(SystemActor.CLI, partial(write_output, output))
    click.echo(f"wrote {count} audit entries to {output}")


@click.group("alerts")
def alerts_group() -> None:
    """Alerts raised by the rules over the audit log (17.04(4)): list, acknowledge, e-mail."""


def _alert_row(alert: AlertView, zone: tzinfo) -> str:
    entries = f"{alert.first_sequence}-{alert.last_sequence}"
    state = "open" if alert.is_open else f"acknowledged by {alert.acknowledged_by}"
    return (
        f"{alert.id:>6}  {alert.raised_at.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        f"  {alert.severity.value:<8}  {alert.rule:<26}  {alert.subject:<36}  {alert.count:>6}"
        f"  {entries:<13}  {state}, e-mail {alert.delivery_status.value}"
    )


@alerts_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Acknowledged alerts too.")
def alerts_list_command(show_all: bool) -> None:
    """List open alerts, newest first."""
    with open_runtime() as runtime:
        zone = parse_zone(runtime.settings.timezone)
        alerts = runtime.alerts.list_alerts(SystemActor.CLI, open_only=not show_all)
    if not alerts:
        click.echo("no alerts" if show_all else "no open alerts")
        return
    click.echo(
        f"{'ID':>6}  {'RAISED':<20}  {'SEVERITY':<8}  {'RULE':<26}  {'SUBJECT':<36}"
        f"  {'EVENTS':>6}  {'ENTRIES':<13}  STATE"
    )
    for alert in alerts:
        click.echo(_alert_row(alert, zone))


@alerts_group.command("ack")
@click.argument("alert_id", type=click.IntRange(min=1))
def alerts_ack_command(alert_id: int) -> None:
    """Acknowledge alert ALERT_ID once it has been reviewed."""
    with open_runtime() as runtime:
        alert = runtime.alerts.acknowledge(SystemActor.CLI, alert_id)
    click.echo(f"acknowledged alert {alert.id} ({alert.rule}, {alert.subject})")


@alerts_group.command("send")
def alerts_send_command() -> None:
    """E-mail every open alert not yet delivered; exit 1 if some could not be sent."""
    with open_runtime() as runtime:
        report = runtime.alerts.deliver_pending()
    click.echo(f"sent {report.sent} alert e-mail(s), {report.failed} failed")
    if report.failed:
        fail(f"delivery failed ({', '.join(sorted(set(report.errors)))})", EXIT_REFUSED)
