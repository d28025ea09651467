"""Signing in over the API: generic failures, throttling, lockout, MFA, cookies, deactivation."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient
from webworld import BROWSER, PASSWORD, Site

from wisp.web.deps import SESSION_COOKIE

ATTACKER = ("203.0.113.7", 40000)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    answer = client.post(
        "/api/auth/sign-in", json={"username": name, "password": password}, headers=BROWSER
    )
    assert answer.status_code == 200, answer.text
    return client


def test_the_api_describes_itself(site: Site) -> None:
    document = site.client.get("/api/openapi.json").json()

    assert document["info"]["title"] == "wisp"
    for path in (
        "/api/auth/sign-in",
        "/api/collections/{collection}/records/{record_id}",
        "/api/collections/{collection}/records/{record_id}/reveal",
        "/api/users/{user_id}/disable",
        "/api/audit/verify",
        "/api/alerts",
    ):
        assert path in document["paths"]


def test_wrong_password_and_unknown_user_get_the_same_answer(site: Site) -> None:
    site.add_user("carol", "clerk")

    wrong = site.client.post(
        "/api/auth/sign-in", json={"username": "carol", "password": "nope" * 4}, headers=BROWSER
    )
    unknown = site.client.post(
        "/api/auth/sign-in", json={"username": "nobody", "password": "nope" * 4}, headers=BROWSER
    )

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert SESSION_COOKIE not in wrong.cookies


def test_a_session_cookie_is_secure_httponly_strict(site: Site) -> None:
    site.add_user("carol", "clerk")

    answer = site.client.post(
        "/api/auth/sign-in", json={"username": "carol", "password": PASSWORD}, headers=BROWSER
    )

    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert answer.json()["state"] == "full"
    assert site.client.get("/api/collections/employees/records").status_code == 200


def test_a_browser_write_without_the_csrf_header_is_refused(site: Site) -> None:
    site.add_user("carol", "clerk")
    _sign_in(site.client, "carol")

    forged = site.client.post(
        "/api/collections/employees/records",
        json={"values": {"first_name": "Ann", "last_name": "Lee"}},
    )

    assert forged.status_code == 403
    assert site.client.get("/api/collections/employees").json()["records"] == 0


def test_a_throttled_source_is_told_to_wait_and_cannot_lock_the_account(site: Site) -> None:
    site.add_user("carol", "clerk")
    attacker = TestClient(site.client.app, base_url="https://testserver", client=ATTACKER)
    statuses = [
        attacker.post(
            "/api/auth/sign-in",
            json={"username": "carol", "password": f"guess number {n}"},
            headers=BROWSER,
        ).status_code
        for n in range(12)
    ]

    assert 429 in statuses
    assert statuses[:3] == [401, 401, 401]
    # The owner, from another address, still gets in: the attacker never locked the account.
    assert _sign_in(site.browser(), "carol").get("/api/auth/me").status_code == 200


def test_officers_must_enrol_mfa_before_their_session_works(site: Site) -> None:
    site.add_user("olivia", "officer")
    client = site.browser()
    answer = client.post(
        "/api/auth/sign-in", json={"username": "olivia", "password": PASSWORD}, headers=BROWSER
    )

    assert answer.json()["state"] == "pending_enrollment"
    assert client.get("/api/collections/employees/records").status_code == 401

    setup = client.post("/api/auth/mfa/enrollment", headers=BROWSER).json()
    confirmed = client.post(
        "/api/auth/mfa/enrollment/confirm",
        json={"code": pyotp.TOTP(setup["secret"]).now()},
        headers=BROWSER,
    )

    assert confirmed.status_code == 200
    assert len(confirmed.json()["recovery_codes"]) >= 8
    assert client.get("/api/collections/employees/records").status_code == 200


def test_a_totp_code_works_once(site: Site) -> None:
    site.add_user("olivia", "officer")
    enrolling = site.browser()
    _sign_in(enrolling, "olivia")
    secret = enrolling.post("/api/auth/mfa/enrollment", headers=BROWSER).json()["secret"]
    code = pyotp.TOTP(secret).now()
    enrolling.post("/api/auth/mfa/enrollment/confirm", json={"code": code}, headers=BROWSER)

    second = _sign_in(site.browser(), "olivia")
    replay = second.post("/api/auth/mfa", json={"code": code}, headers=BROWSER)

    assert replay.status_code == 401
    assert second.get("/api/collections/employees/records").status_code == 401


def test_disabling_a_user_ends_their_session_and_tokens_at_once(site: Site) -> None:
    site.add_user("carol", "clerk")
    site.add_user("root", "admin")
    carol = _sign_in(site.browser(), "carol")
    token = site.token("carol", "records:read")
    admin = site.browser()
    site.sign_in_with_mfa(admin, "root")
    carol_id = carol.get("/api/auth/me").json()["user_id"]

    disabled = admin.post(f"/api/users/{carol_id}/disable", headers=BROWSER)

    assert disabled.status_code == 200
    assert disabled.json()["status"] == "disabled"
    assert carol.get("/api/collections/employees/records").status_code == 401
    assert site.client.get("/api/auth/me", headers=token).status_code == 401
    alerts = admin.get("/api/alerts").json()
    assert any(alert["rule"].startswith("deactivated") for alert in alerts), alerts


def test_sign_out_ends_the_session(site: Site) -> None:
    site.add_user("carol", "clerk")
    carol = _sign_in(site.browser(), "carol")
    cookie = carol.cookies[SESSION_COOKIE]

    assert carol.post("/api/auth/sign-out", headers=BROWSER).status_code == 204

    replay = site.browser()
    replay.cookies.set(SESSION_COOKIE, cookie)
    assert replay.get("/api/auth/me").status_code == 401


def test_token_scopes_narrow_the_roles(site: Site) -> None:
    site.add_user("carol", "clerk")
    read_only = site.token("carol", "records:read")

    read = site.client.get("/api/collections/employees/records", headers=read_only)
    write = site.client.post(
        "/api/collections/employees/records",
        json={"values": {"first_name": "Ann", "last_name": "Lee"}},
        headers=read_only,
    )

    assert read.status_code == 200
    assert write.status_code == 403


def test_a_malformed_authorization_header_is_401(site: Site) -> None:
    for header in ("Basic abc", "Bearer", "Bearer wisp_not_a_real_token"):
        answer = site.client.get("/api/auth/me", headers={"Authorization": header})
        assert answer.status_code == 401
