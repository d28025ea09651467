"""Security keys over the API: register from a full session, then finish a sign-in with one.

The authenticator is a software one (tests/identity/soft_authenticator.py): no security key or
browser page can answer here.
"""

from __future__ import annotations

from soft_authenticator import SoftAuthenticator
from webworld import BROWSER, CHEAP, PASSWORD, Site

from wisp.identity.service import IdentityService

ORIGIN = "https://testserver"


def _offer_keys(site: Site) -> None:
    rt = site.rt
    settings = rt.settings.model_copy(
        update={"webauthn_origin": ORIGIN, "webauthn_rp_id": "testserver"}
    )
    rt.__dict__["identity"] = IdentityService(
        rt.sessions, rt.audit, settings, lambda: rt.keys, hasher=CHEAP
    )


def test_register_a_key_then_sign_in_with_it(site: Site) -> None:
    _offer_keys(site)
    site.add_user("olivia", "officer")
    owner = site.browser()
    site.sign_in_with_mfa(owner, "olivia")
    key = SoftAuthenticator(ORIGIN)

    options = owner.post("/api/auth/webauthn/keys", headers=BROWSER)
    created = owner.post(
        "/api/auth/webauthn/keys/finish",
        json={"credential": key.create(options.text), "name": "blue key"},
        headers=BROWSER,
    )
    listed = owner.get("/api/auth/webauthn/keys")

    assert options.status_code == 200, options.text
    assert options.json()["rp"] == {"name": "wisp", "id": "testserver"}
    assert created.status_code == 201, created.text
    assert [k["name"] for k in listed.json()] == ["blue key"]

    later = site.browser()
    pending = later.post(
        "/api/auth/sign-in", json={"username": "olivia", "password": PASSWORD}, headers=BROWSER
    )
    assert pending.json()["state"] == "pending_mfa"
    ask = later.post("/api/auth/webauthn/sign-in", headers=BROWSER)
    forged = later.post(
        "/api/auth/webauthn/sign-in/finish",
        json={"credential": SoftAuthenticator(ORIGIN).get(ask.text)},
        headers=BROWSER,
    )
    ask = later.post("/api/auth/webauthn/sign-in", headers=BROWSER)
    done = later.post(
        "/api/auth/webauthn/sign-in/finish",
        json={"credential": key.get(ask.text)},
        headers=BROWSER,
    )

    assert forged.status_code == 401
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "full"
    assert later.get("/api/collections/employees/records").status_code == 200


def test_without_the_setting_keys_are_not_offered(site: Site) -> None:
    site.add_user("olivia", "officer")
    owner = site.browser()
    site.sign_in_with_mfa(owner, "olivia")

    answer = owner.post("/api/auth/webauthn/keys", headers=BROWSER)

    assert answer.status_code == 422
    assert "WISP_WEBAUTHN_ORIGIN" in answer.json()["detail"]
