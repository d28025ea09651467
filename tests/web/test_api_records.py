"""Records over the API: masked by default, reveals with reasons, search, export, import, and
malformed requests refused with nothing written."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text
from webworld import BROWSER, Site

from wisp.audit.events import SystemActor

ANN = {"first_name": "Ann", "last_name": "Lee", "ssn": "123-45-6789", "account": "4455667788"}


def _officer(site: Site) -> object:
    site.add_user("olivia", "officer")
    client = site.browser()
    site.sign_in_with_mfa(client, "olivia")
    return client


def _create(site: Site, headers: dict[str, str], values: dict[str, str] = ANN) -> str:
    answer = site.client.post(
        "/api/collections/employees/records", json={"values": values}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _entries(site: Site, action: str) -> list[dict[str, object]]:
    rows = site.database.execute(
        "SELECT details FROM audit_entry WHERE action = :action ORDER BY sequence", action=action
    )
    return [
        row[0] if isinstance(row[0], dict) else __import__("json").loads(row[0]) for row in rows
    ]


def test_records_are_masked_on_the_way_out(site: Site) -> None:
    site.add_user("carol", "clerk")
    clerk = site.token("carol", "records:read", "records:write")
    record = _create(site, clerk)

    shown = site.client.get(f"/api/collections/employees/records/{record}", headers=clerk)

    assert shown.status_code == 200
    values = shown.json()["values"]
    assert values["ssn"] == "***-**-6789"
    assert values["account"].endswith("7788")
    assert "4455" not in values["account"]
    assert values["first_name"].startswith("A")
    assert values["first_name"] != "Ann"
    assert "123-45" not in shown.text
    assert "Lee" not in shown.text


def test_a_clerk_cannot_reveal(site: Site) -> None:
    site.add_user("carol", "clerk")
    clerk = site.token("carol", "records:read", "records:write")
    record = _create(site, clerk)

    answer = site.client.post(
        f"/api/collections/employees/records/{record}/reveal",
        json={"fields": ["ssn"], "reason": "payroll"},
        headers=clerk,
    )

    assert answer.status_code == 403
    assert "6789" not in answer.text


def test_a_reveal_needs_a_listed_reason_and_is_audited_with_it(site: Site) -> None:
    officer = _officer(site)
    site.add_user("carol", "clerk")
    record = _create(site, site.token("carol", "records:write"))
    url = f"/api/collections/employees/records/{record}/reveal"

    unlisted = officer.post(url, json={"fields": ["ssn"], "reason": "curiosity"}, headers=BROWSER)
    listed = officer.post(url, json={"fields": ["ssn"], "reason": "payroll"}, headers=BROWSER)

    assert unlisted.status_code == 422
    assert listed.status_code == 200
    assert listed.json()["values"] == {"ssn": "123-45-6789"}
    reveals = _entries(site, "vault.reveal")
    assert [entry.get("reason") is not None for entry in reveals] == [False, True]
    assert reveals[-1]["canary"] is False


def test_revealing_a_canary_raises_a_critical_alert(site: Site) -> None:
    officer = _officer(site)
    site.rt.vault.add_canaries(SystemActor.CLI, "employees", 1)
    canary = officer.get("/api/collections/employees/records").json()["records"][0]["id"]

    answer = officer.post(
        f"/api/collections/employees/records/{canary}/reveal",
        json={"fields": ["ssn"], "reason": "payroll"},
        headers=BROWSER,
    )

    assert answer.status_code == 200  # the intruder sees nothing unusual
    alerts = officer.get("/api/alerts").json()
    assert [a["severity"] for a in alerts if a["rule"].startswith("canary")] == ["critical"]


def test_search_by_ssn_goes_in_the_body_and_finds_the_record(site: Site) -> None:
    site.add_user("carol", "clerk")
    clerk = site.token("carol", "records:read", "records:write")
    record = _create(site, clerk)
    _create(site, clerk, {**ANN, "ssn": "234-56-7890"})

    found = site.client.post(
        "/api/collections/employees/search",
        json={"field": "ssn", "value": "123456789"},
        headers=clerk,
    )

    assert [r["id"] for r in found.json()] == [record]


def test_export_masked_for_clerks_unmasked_for_officers_and_audited(site: Site) -> None:
    officer = _officer(site)
    site.add_user("carol", "clerk")
    clerk = site.token("carol", "records:read", "records:write")
    _create(site, clerk)

    masked = site.client.post("/api/collections/employees/export", json={}, headers=clerk)
    refused = site.client.post(
        "/api/collections/employees/export",
        json={"reveal": True, "reason": "payroll"},
        headers=clerk,
    )
    unmasked = officer.post(
        "/api/collections/employees/export",
        json={"reveal": True, "reason": "payroll"},
        headers=BROWSER,
    )

    assert masked.status_code == 200
    assert "6789" in masked.text
    assert "123-45" not in masked.text
    assert refused.status_code == 403
    assert unmasked.status_code == 200
    rows = list(csv.DictReader(io.StringIO(unmasked.text)))
    assert rows[0]["ssn"] == "123-45-6789"
    assert [entry.get("count") for entry in _entries(site, "data.export")] == [1, None, 1]


def test_import_a_csv_upload(site: Site) -> None:
    officer = _officer(site)
    body = (
        "first_name,last_name,ssn,account\n"
        "Ann,Lee,123-45-6789,4455667788\n"
        "Bo,Chan,12-3456,99887766\n"  # not an SSN
    )

    answer = officer.post(
        "/api/collections/employees/import",
        files={"file": ("staff.csv", body.encode(), "text/csv")},
        headers=BROWSER,
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["imported"] == 1
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(3, "ssn")]
    assert "12-3456" not in answer.text


def test_malformed_requests_get_a_clear_4xx_and_write_nothing(site: Site) -> None:
    site.add_user("carol", "clerk")
    clerk = site.token("carol", "records:read", "records:write")
    url = "/api/collections/employees/records"
    cases = [
        site.client.post(
            url, content=b"{not json", headers={**clerk, "content-type": "application/json"}
        ),
        site.client.post(url, json={"values": {"salary_ssn": "123-45-6789"}}, headers=clerk),
        site.client.post(url, json={"values": {"first_name": "Ann"}}, headers=clerk),
        site.client.post(url, json={"values": {**ANN, "ssn": "12-3"}}, headers=clerk),
        site.client.post(url, json={"values": ["Ann"]}, headers=clerk),
        site.client.get(f"{url}/not-a-uuid", headers=clerk),
        site.client.post(url, content=b"x" * (65 * 1024 * 1024), headers=clerk),
    ]

    assert [c.status_code for c in cases] == [422, 422, 422, 422, 422, 422, 413]
    for case in cases:
        assert "123-45" not in case.text
    with site.database.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM vault_record")).scalar() == 0


def test_unknown_collection_and_record_are_404(site: Site) -> None:
    site.add_user("carol", "clerk")
    clerk = site.token("carol", "records:read")
    missing = "00000000-0000-4000-8000-000000000000"

    assert site.client.get("/api/collections/nope/records", headers=clerk).status_code == 404
    assert (
        site.client.get(f"/api/collections/employees/records/{missing}", headers=clerk).status_code
        == 404
    )
