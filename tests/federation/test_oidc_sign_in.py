"""Federated sign-in through a real OpenID provider over HTTP: linking rules, token checks,
and the clear page every failure ends on."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.extensions import db
from app.federation.models import FederatedIdentity
from tests.factories import PASSWORD, make_partner, make_user, totp_code
from tests.federation.conftest import provider_settings
from tests.federation.idp import closed_port_url, sign_in_through
from tests.live import csrf_token


def _signed_in_as(session: requests.Session, base_url: str) -> str | None:
    page = session.get(f"{base_url}/account", timeout=10)
    match = re.search(r"Signed in as ([^<]+)</p>", page.text)
    return match.group(1).strip().rstrip(".") if match else None


def _actions() -> list[str]:
    db.session.expire_all()
    return [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def _identities() -> list[FederatedIdentity]:
    db.session.expire_all()
    return list(db.session.scalars(select(FederatedIdentity)))


def test_staff_user_created_without_password_signs_in_through_staff_provider(app, live, corp_idp, runner):
    result = runner.invoke(args=["create-user", "--email", "Ada@Summit.example", "--role", "staff_admin"])
    assert result.exit_code == 0, result.output
    corp_idp.account("corp-ada", "ada@summit.example", email_verified=True, name="Ada")
    browser = requests.Session()

    landing = sign_in_through(browser, f"{live.url}/auth/oidc/corp/login", "corp-ada")

    assert landing.status_code == 200 and landing.url.startswith(live.url)
    assert _signed_in_as(browser, live.url) == "ada@summit.example"
    [identity] = _identities()
    assert (identity.issuer, identity.subject) == (corp_idp.issuer, "corp-ada")
    assert {"auth.identity_linked", "auth.signed_in"} <= set(_actions())
    again = requests.Session()
    sign_in_through(again, f"{live.url}/auth/oidc/corp/login", "corp-ada")
    assert _signed_in_as(again, live.url) == "ada@summit.example"
    assert len(_identities()) == 1


def test_cli_refuses_partner_user_without_password(app, runner):
    partner = make_partner()
    result = runner.invoke(args=["create-user", "--email", "p@acme.example", "--role", "partner_billing",
                                 "--partner", str(partner.id)])
    assert result.exit_code != 0 and "without a password" in result.output


def _link_password_step(browser: requests.Session, page: requests.Response, password: str,
                        code: str | None = None) -> requests.Response:
    data = {"password": password, "csrf_token": csrf_token(page.text)}
    if code:
        data["code"] = code
    return browser.post(page.url, data=data, timeout=10)


def test_first_time_linking_needs_the_accounts_password(app, live, corp_idp):
    partner = make_partner()
    user = make_user(partner, email="bea@acme.example", role=Role.PARTNER_BILLING)
    corp_idp.account("shared-bea", "Bea@Acme.example", email_verified=True)
    browser = requests.Session()

    confirm_page = sign_in_through(browser, f"{live.url}/auth/oidc/shared/login", "shared-bea")
    assert confirm_page.url == f"{live.url}/auth/oidc/confirm"
    assert "Confirm it&#39;s you" in confirm_page.text or "Confirm it's you" in confirm_page.text
    wrong = _link_password_step(browser, confirm_page, "not the password at all")
    assert wrong.status_code == 401 and _identities() == []
    assert _signed_in_as(browser, live.url) is None

    confirm_page = browser.get(f"{live.url}/auth/oidc/confirm", timeout=10)
    done = _link_password_step(browser, confirm_page, PASSWORD)
    assert done.status_code == 200 and _signed_in_as(browser, live.url) == user.email
    [identity] = _identities()
    assert identity.user_id == user.id and identity.subject == "shared-bea"

    later = requests.Session()
    sign_in_through(later, f"{live.url}/auth/oidc/shared/login", "shared-bea")
    assert _signed_in_as(later, live.url) == user.email


def test_linking_an_account_with_two_step_verification_also_needs_a_code(app, live, corp_idp):
    owner = make_user(make_partner(), email="olga@acme.example", role=Role.PARTNER_OWNER)
    corp_idp.account("shared-olga", owner.email)
    browser = requests.Session()
    confirm_page = sign_in_through(browser, f"{live.url}/auth/oidc/shared/login", "shared-olga")
    assert 'name="code"' in confirm_page.text
    assert _link_password_step(browser, confirm_page, PASSWORD).status_code == 401
    confirm_page = browser.get(f"{live.url}/auth/oidc/confirm", timeout=10)
    _link_password_step(browser, confirm_page, PASSWORD, totp_code(owner))
    assert _signed_in_as(browser, live.url) == owner.email


def test_unverified_email_is_never_linked_to_the_existing_account(app, live, corp_idp):
    user = make_user(make_partner(), email="carl@acme.example", role=Role.PARTNER_BILLING)
    corp_idp.account("shared-carl", user.email, email_verified=False)
    browser = requests.Session()

    page = sign_in_through(browser, f"{live.url}/auth/oidc/shared/login", "shared-carl")

    assert page.status_code == 400 and "did not confirm your e-mail address" in page.text
    assert "Try again" in page.text
    assert _identities() == [] and _signed_in_as(browser, live.url) is None
    assert "auth.sign_in_failed" in _actions()


def test_staff_provider_reaches_only_staff_and_partner_providers_only_partners(app, live, corp_idp, runner):
    partner_user = make_user(make_partner(), email="dora@acme.example", role=Role.PARTNER_BILLING)
    runner.invoke(args=["create-user", "--email", "sam@summit.example", "--role", "staff_reviewer"])
    corp_idp.account("corp-dora", partner_user.email)
    corp_idp.account("shared-sam", "sam@summit.example")

    page = sign_in_through(requests.Session(), f"{live.url}/auth/oidc/corp/login", "corp-dora")
    assert page.status_code == 403 and "cannot sign in through" in page.text
    page = sign_in_through(requests.Session(), f"{live.url}/auth/oidc/shared/login", "shared-sam")
    assert page.status_code == 403
    assert _identities() == []


@pytest.mark.parametrize("fault", ["wrong_nonce", "wrong_aud", "expired", "bad_signature"])
def test_a_bad_id_token_is_refused_with_a_clear_page(app, live, corp_idp, runner, fault):
    runner.invoke(args=["create-user", "--email", "eve@summit.example", "--role", "staff_admin"])
    corp_idp.account("corp-eve", "eve@summit.example")
    corp_idp.misbehave(fault)
    browser = requests.Session()

    page = sign_in_through(browser, f"{live.url}/auth/oidc/corp/login", "corp-eve")

    assert page.status_code == 400 and "failed our security checks" in page.text
    assert "Try again" in page.text and _signed_in_as(browser, live.url) is None
    assert _identities() == [] and "auth.sign_in_failed" in _actions()


def test_state_from_another_browser_is_refused(app, live, corp_idp, runner):
    runner.invoke(args=["create-user", "--email", "fay@summit.example", "--role", "staff_admin"])
    corp_idp.account("corp-fay", "fay@summit.example")
    victim, attacker = requests.Session(), requests.Session()
    at_idp = attacker.get(f"{live.url}/auth/oidc/corp/login", timeout=10)
    consent = attacker.post(at_idp.url.replace("/interaction/", "/interaction/", 1) + "/login",
                            data={"sub": "corp-fay"}, timeout=10)
    back = attacker.post(consent.url + "/confirm", allow_redirects=False, timeout=10)
    callback_url = attacker.get(back.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
    assert callback_url.startswith(f"{live.url}/auth/oidc/corp/callback?code=")

    page = victim.get(callback_url, timeout=10)

    assert page.status_code == 400 and "another browser" in page.text
    assert _signed_in_as(victim, live.url) is None and _identities() == []


@pytest.mark.config(OIDC_FLOW_SECONDS=0)
def test_an_expired_flow_is_refused(app, live, corp_idp, runner):
    runner.invoke(args=["create-user", "--email", "gil@summit.example", "--role", "staff_admin"])
    corp_idp.account("corp-gil", "gil@summit.example")
    page = sign_in_through(requests.Session(), f"{live.url}/auth/oidc/corp/login", "corp-gil")
    assert page.status_code == 400 and "took too long" in page.text


def test_cancelling_at_the_provider_ends_on_a_clear_page(app, live, corp_idp):
    corp_idp.account("shared-hal", "hal@acme.example")
    page = sign_in_through(requests.Session(), f"{live.url}/auth/oidc/shared/login", "shared-hal", cancel=True)
    assert page.status_code == 400 and "cancelled" in page.text and "Try again" in page.text


def test_provider_down_ends_on_a_clear_page(app, live):
    live.app.config["OIDC_PROVIDERS"] = {**live.app.config["OIDC_PROVIDERS"],
                                         "down": provider_settings(closed_port_url(), ("c", "s"), "partners")}
    page = requests.get(f"{live.url}/auth/oidc/down/login", timeout=10)
    assert page.status_code == 503 and "could not be reached" in page.text and "Try again" in page.text
    live.app.config["OIDC_PROVIDERS"]["notanidp"] = provider_settings(live.url, ("c", "s"), "partners")
    assert requests.get(f"{live.url}/auth/oidc/notanidp/login", timeout=10).status_code == 503
    assert "auth.sign_in_failed" in _actions()
    assert requests.get(f"{live.url}/auth/oidc/nobody/login", timeout=10).status_code == 404


def test_an_invitation_lets_a_new_colleague_in_through_a_shared_provider(app, live, corp_idp):
    from app.company.invitations import invite

    owner = make_user(make_partner(), email="ivy@acme.example", role=Role.PARTNER_OWNER)
    invite(owner, "Jon@Acme.example", Role.PARTNER_VIEWER)
    db.session.commit()
    corp_idp.account("shared-jon", "jon@acme.example")
    browser = requests.Session()

    sign_in_through(browser, f"{live.url}/auth/oidc/shared/login", "shared-jon")

    assert _signed_in_as(browser, live.url) == "jon@acme.example"
    jon = db.session.scalar(select(User).where(User.email == "jon@acme.example"))
    assert jon.role is Role.PARTNER_VIEWER and jon.partner_id == owner.partner_id and jon.password_hash is None


def test_unknown_address_and_disabled_user_are_refused(app, live, corp_idp):
    corp_idp.account("shared-kim", "kim@nowhere.example")
    page = sign_in_through(requests.Session(), f"{live.url}/auth/oidc/shared/login", "shared-kim")
    assert page.status_code == 400 and "no portal account" in page.text

    user = make_user(make_partner(), email="lea@acme.example", role=Role.PARTNER_BILLING)
    db.session.add(FederatedIdentity(user_id=user.id, issuer=corp_idp.issuer, subject="shared-lea",
                                     provider_key="shared"))
    user.is_active_user = False
    db.session.commit()
    corp_idp.account("shared-lea", user.email)
    page = sign_in_through(requests.Session(), f"{live.url}/auth/oidc/shared/login", "shared-lea")
    assert page.status_code == 403 and "switched off" in page.text


def test_provider_configuration_is_read_and_checked():
    from app.config import load_config

    env = {"OIDC_PROVIDERS": "corp, Entra", "OIDC_CORP_ISSUER": "https://login.example.com",
           "OIDC_CORP_CLIENT_ID": "c", "OIDC_CORP_CLIENT_SECRET": "s", "OIDC_CORP_AUDIENCE": "staff",
           "OIDC_ENTRA_ISSUER": "https://entra.example.com/v2.0", "OIDC_ENTRA_CLIENT_ID": "e",
           "OIDC_ENTRA_CLIENT_SECRET": "t", "OIDC_ENTRA_AUDIENCE": "partners", "OIDC_ENTRA_LABEL": "Microsoft"}
    providers = load_config(env)["OIDC_PROVIDERS"]
    assert providers["corp"]["audience"] == "staff" and providers["entra"]["label"] == "Microsoft"
    with pytest.raises(ValueError, match="OIDC_CORP_AUDIENCE"):
        load_config({**env, "OIDC_CORP_AUDIENCE": "everyone"})
    with pytest.raises(ValueError, match="OIDC_ENTRA_CLIENT_SECRET"):
        load_config({**env, "OIDC_ENTRA_CLIENT_SECRET": ""})


def test_provider_going_down_before_the_code_exchange_ends_on_a_clear_page(app, live):
    from tests.federation.idp import TestIdP

    flaky = TestIdP("127.0.0.1", "flaky")
    try:
        live.app.config["OIDC_PROVIDERS"]["flaky"] = provider_settings(flaky.issuer, ("flaky-client", "secret"),
                                                                       "partners")
        flaky.client("flaky-client", "secret", [f"{live.url}/auth/oidc/flaky/callback"])
        flaky.account("flaky-mia", "mia@acme.example")
        browser = requests.Session()
        at_idp = browser.get(f"{live.url}/auth/oidc/flaky/login", timeout=10)
        consent = browser.post(at_idp.url + "/login", data={"sub": "flaky-mia"}, timeout=10)
        back = browser.post(consent.url + "/confirm", allow_redirects=False, timeout=10)
        callback_url = browser.get(back.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
    finally:
        flaky.stop()

    page = browser.get(callback_url, timeout=10)

    assert page.status_code == 503 and "could not be reached" in page.text
    assert _signed_in_as(browser, live.url) is None


@pytest.mark.parametrize("name", ["partner-%C2%B2", "partner-%D9%A3", "partner-99999999999", "partner-", "nope"])
def test_unknown_provider_names_are_not_found(app, name):
    client = app.test_client()
    assert client.get(f"/auth/oidc/{name}/login").status_code == 404
    assert client.get(f"/auth/oidc/{name}/callback?code=x&state=y").status_code in (400, 404)
