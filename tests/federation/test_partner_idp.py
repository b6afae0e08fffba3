"""A partner company's own IdP: self-service setup (test sign-in, switch on), verified domains
(DNS TXT on a real local DNS server, e-mail link over real SMTP), home-realm discovery on the
e-mail-first sign-in page, and the rule that its IdP reaches only its own verified domains."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.federation.models import FederatedIdentity, PartnerDomain, PartnerIdentityProvider
from app.partners.models import PartnerStatus
from tests.factories import PASSWORD, make_partner, make_user
from tests.federation.dns_server import LocalDns
from tests.federation.helpers import make_partner_domain, make_partner_idp
from tests.federation.idp import answer_interactions, sign_in_through
from tests.live import browser_login, csrf_token
from tests.mail_helpers import deliver_emails, text_of

ACME_CLIENT = ("acme-portal", "acme-client-secret-0123456789")


@pytest.fixture
def local_dns(live):
    server = LocalDns()
    live.app.config.update(server.app_config())
    yield server
    server.stop()


@pytest.fixture
def acme(app, live):
    partner = make_partner("Acme Concrete LLC", 45)
    owner = make_user(partner, email="owner@acme-concrete.example", role=Role.PARTNER_OWNER)
    browser = requests.Session()
    browser_login(browser, live.url, owner.email, PASSWORD)
    return {"partner": partner, "owner": owner, "browser": browser}


def _post(browser: requests.Session, live, path: str, data: dict | None = None, **kwargs) -> requests.Response:
    page = browser.get(f"{live.url}/company/sign-in", timeout=10)
    return browser.post(f"{live.url}{path}", data={**(data or {}), "csrf_token": csrf_token(page.text)},
                        timeout=10, **kwargs)


def _fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def _signed_in_as(session: requests.Session, base_url: str) -> str | None:
    match = re.search(r"Signed in as ([^<]+)</p>", session.get(f"{base_url}/account", timeout=10).text)
    return match.group(1).strip().rstrip(".") if match else None


def test_owner_sets_up_tests_and_switches_on_own_idp(app, live, partner_idp, acme):
    browser = acme["browser"]
    assert "Not set up" in browser.get(f"{live.url}/company/sign-in", timeout=10).text
    bad = _post(browser, live, "/company/sign-in/provider", {"issuer": "not a url", "client_id": ""})
    assert bad.status_code == 400 and "Enter the client ID" in bad.text

    saved = _post(browser, live, "/company/sign-in/provider",
                  {"issuer": partner_idp.issuer, "client_id": ACME_CLIENT[0], "client_secret": ACME_CLIENT[1],
                   "jit_role": "partner_billing"})
    assert saved.status_code == 200 and "Saved, not tested yet" in saved.text
    redirect_uri = re.search(r'<code id="redirect-uri">([^<]+)</code>', saved.text).group(1)
    idp = _fresh(PartnerIdentityProvider, partner_id=acme["partner"].id)
    assert redirect_uri == f"{live.url}/auth/oidc/partner-{idp.id}/callback"
    assert ACME_CLIENT[1] not in saved.text

    too_early = _post(browser, live, "/company/sign-in/enable")
    assert too_early.status_code == 400 and "test sign-in first" in too_early.text

    partner_idp.client(*ACME_CLIENT, [redirect_uri])
    partner_idp.account("acme-owner", "owner@acme-concrete.example")
    at_idp = _post(browser, live, "/company/sign-in/test")
    back = answer_interactions(browser, at_idp, "acme-owner")
    assert back.url == f"{live.url}/company/sign-in" and "The test sign-in worked" in back.text

    switched = _post(browser, live, "/company/sign-in/enable")
    assert switched.status_code == 200 and ">On<" in switched.text
    assert _fresh(PartnerIdentityProvider, id=idp.id).enabled

    _post(browser, live, "/company/sign-in/provider",
          {"issuer": partner_idp.issuer, "client_id": "another-client", "jit_role": ""})
    changed = _fresh(PartnerIdentityProvider, id=idp.id)
    assert not changed.enabled and changed.tested_at is None and changed.client_secret == ACME_CLIENT[1]


def test_dns_txt_verification_then_home_realm_routing_and_just_in_time_users(app, live, partner_idp, acme,
                                                                            local_dns):
    browser = acme["browser"]
    added = _post(browser, live, "/company/sign-in/domains", {"domain": "Acme-Concrete.example"})
    assert added.status_code == 200
    row = _fresh(PartnerDomain, domain="acme-concrete.example")
    not_yet = _post(browser, live, f"/company/sign-in/domains/{row.id}/dns")
    assert not_yet.status_code == 400 and "did not find the TXT record" in not_yet.text
    local_dns.resolver.records[row.txt_record_name] = ["unrelated", row.txt_record_value]
    verified = _post(browser, live, f"/company/sign-in/domains/{row.id}/dns")
    assert verified.status_code == 200 and _fresh(PartnerDomain, id=row.id).is_verified

    idp = make_partner_idp(acme["partner"], partner_idp.issuer, *ACME_CLIENT, jit_role=Role.PARTNER_BILLING)
    partner_idp.client(*ACME_CLIENT, [f"{live.url}/auth/oidc/{idp.key}/callback"])
    partner_idp.account("acme-nina", "nina@acme-concrete.example")
    newcomer = requests.Session()
    login_page = newcomer.get(f"{live.url}/login", timeout=10)
    at_idp = newcomer.post(f"{live.url}/login", data={"email": "Nina@Acme-Concrete.example",
                                                      "csrf_token": csrf_token(login_page.text)}, timeout=10)
    assert at_idp.url.startswith(partner_idp.issuer) and "login_hint nina@acme-concrete.example" in at_idp.text
    answer_interactions(newcomer, at_idp, "acme-nina")

    assert _signed_in_as(newcomer, live.url) == "nina@acme-concrete.example"
    nina = _fresh(User, email="nina@acme-concrete.example")
    assert nina.partner_id == acme["partner"].id and nina.role is Role.PARTNER_BILLING and nina.password_hash is None


def test_partner_idp_cannot_sign_in_anyone_outside_its_verified_domains(app, live, partner_idp, acme):
    acme_domain = make_partner_domain(acme["partner"], "acme-concrete.example", verified=True)
    brightline = make_partner("Brightline Electrical Inc.", 46)
    make_partner_domain(brightline, "brightline.example", verified=True)
    victim = make_user(brightline, email="victim@brightline.example", role=Role.PARTNER_BILLING)
    staff = make_user(None, email="boss@summit.example", role=Role.STAFF_ADMIN)
    idp = make_partner_idp(acme["partner"], partner_idp.issuer, *ACME_CLIENT, jit_role=Role.PARTNER_BILLING)
    partner_idp.client(*ACME_CLIENT, [f"{live.url}/auth/oidc/{idp.key}/callback"])

    for sub, email in (("evil-1", victim.email), ("evil-2", staff.email), ("evil-3", "new@brightline.example"),
                       ("evil-4", "someone@unverified.example")):
        partner_idp.account(sub, email)
        browser = requests.Session()
        page = sign_in_through(browser, f"{live.url}/auth/oidc/{idp.key}/login", sub)
        assert page.status_code == 400 and "verified domains" in page.text, email
        assert _signed_in_as(browser, live.url) is None

    assert db.session.scalars(select(FederatedIdentity)).all() == []
    assert _fresh(User, email="new@brightline.example") is None
    assert acme_domain.is_verified


def test_disabled_or_unapproved_partner_idp_signs_nobody_in(app, live, partner_idp, acme):
    from app.federation.idps import IdpError, save_idp, set_enabled

    make_partner_domain(acme["partner"], "acme-concrete.example", verified=True)
    idp = make_partner_idp(acme["partner"], partner_idp.issuer, *ACME_CLIENT, enabled=False)
    page = requests.get(f"{live.url}/auth/oidc/{idp.key}/login", timeout=10)
    assert page.status_code == 400 and "not switched on" in page.text
    assert "/login?method=password" in page.text
    direct = requests.get(f"{live.url}/login?method=password", timeout=10)
    assert 'name="password"' in direct.text

    newcomer = requests.Session()
    login_page = newcomer.get(f"{live.url}/login", timeout=10)
    step = newcomer.post(f"{live.url}/login", data={"email": "x@acme-concrete.example",
                                                    "csrf_token": csrf_token(login_page.text)}, timeout=10)
    assert step.url == f"{live.url}/login" and 'name="password"' in step.text

    idp.enabled = True
    acme["partner"].status = PartnerStatus.SUBMITTED
    db.session.commit()
    assert requests.get(f"{live.url}/auth/oidc/{idp.key}/login", timeout=10).status_code == 400
    with pytest.raises(IdpError, match="once it is approved"):
        save_idp(acme["owner"], issuer=partner_idp.issuer, client_id="c", client_secret="s", jit_role=None)
    with pytest.raises(IdpError, match="once it is approved"):
        set_enabled(acme["owner"], idp, True)
    db.session.rollback()


def test_email_first_page_offers_password_and_shared_providers(app, live):
    browser = requests.Session()
    first = browser.get(f"{live.url}/login", timeout=10)
    assert 'name="password"' not in first.text and "Continue" in first.text
    second = browser.post(f"{live.url}/login", data={"email": "someone@elsewhere.example",
                                                     "csrf_token": csrf_token(first.text)}, timeout=10)
    assert second.status_code == 200 and 'name="password"' in second.text
    assert "/auth/oidc/shared/login" in second.text and "/auth/oidc/corp/login" in second.text
    empty = browser.post(f"{live.url}/login", data={"email": "someone@elsewhere.example", "step": "password",
                                                    "csrf_token": csrf_token(second.text)}, timeout=10)
    assert empty.status_code == 200 and "Enter your password." in empty.text


def test_domain_verified_by_an_emailed_link(app, live, acme, smtp_server):
    browser = acme["browser"]
    _post(browser, live, "/company/sign-in/domains", {"domain": "acme-concrete.example"})
    row = _fresh(PartnerDomain, domain="acme-concrete.example")
    for address in ("admin@gmail.example", "it@acme-concrete.example", "jane.doe@acme-concrete.example"):
        wrong = _post(browser, live, f"/company/sign-in/domains/{row.id}/email", {"address": address})
        assert wrong.status_code == 400 and "postmaster@acme-concrete.example" in wrong.text, address

    sent = _post(browser, live, f"/company/sign-in/domains/{row.id}/email",
                 {"address": "Admin@acme-concrete.example"})
    assert sent.status_code == 200
    assert deliver_emails() == 1
    [message] = smtp_server.to("admin@acme-concrete.example")
    link = re.search(r"http://\S+/domains/verify/\S+", text_of(message)).group(0)

    outsider = requests.Session()
    assert "Domain confirmed" in outsider.get(link, timeout=10).text
    assert _fresh(PartnerDomain, id=row.id).verified_by == "email"
    assert outsider.get(link, timeout=10).status_code == 400
    assert outsider.get(f"{live.url}/domains/verify/forged-token", timeout=10).status_code == 400


def test_a_domain_verified_by_one_partner_cannot_be_claimed_by_another(app, live, acme):
    brightline = make_partner("Brightline Electrical Inc.", 46)
    make_partner_domain(brightline, "contested.example", verified=True)
    refused = _post(acme["browser"], live, "/company/sign-in/domains", {"domain": "contested.example"})
    assert refused.status_code == 400 and "already verified by another company" in refused.text
    for public in ("gmail.com", "Outlook.com", "@yahoo.com"):
        refused = _post(acme["browser"], live, "/company/sign-in/domains", {"domain": public})
        assert refused.status_code == 400 and "public e-mail service" in refused.text, public

    early = make_partner_domain(acme["partner"], "race.example")
    make_partner_domain(brightline, "race.example", verified=True)
    local_dns = LocalDns()
    try:
        live.app.config.update(local_dns.app_config())
        local_dns.resolver.records[early.txt_record_name] = [early.txt_record_value]
        lost = _post(acme["browser"], live, f"/company/sign-in/domains/{early.id}/dns")
    finally:
        local_dns.stop()
    assert lost.status_code == 400 and "already verified by another company" in lost.text
    assert not _fresh(PartnerDomain, id=early.id).is_verified


def test_production_refuses_internal_or_plain_http_issuers(app, acme):
    from app.federation.idps import IdpError, save_idp

    app.config["REBAR_ENV"] = "production"
    for issuer, message in (("http://login.example.com", "https://"),
                            ("https://127.0.0.1:8443", "public internet"),
                            ("https://localhost", "public internet")):
        with pytest.raises(IdpError, match=message):
            save_idp(acme["owner"], issuer=issuer, client_id="c", client_secret="s", jit_role=None)
    db.session.rollback()


def test_a_partner_providers_server_side_endpoints_must_be_public_https():
    from app.federation.oidc import FlowError, check_server_side_endpoints

    public = "https://93.184.215.14"  # a literal public address: no DNS needed
    good = {"token_endpoint": f"{public}/token", "jwks_uri": f"{public}/jwks"}
    check_server_side_endpoints(good)
    for name, url in (("token_endpoint", "https://127.0.0.1/token"), ("jwks_uri", "https://169.254.169.254/keys"),
                      ("jwks_uri", "http://93.184.215.14/jwks"), ("userinfo_endpoint", "https://10.0.0.5/me"),
                      ("token_endpoint", None), ("jwks_uri", "https://[::1]/jwks")):
        with pytest.raises(FlowError, match=name):
            check_server_side_endpoints({**good, name: url})
