import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import Role
from app.extensions import db
from tests.factories import PASSWORD, login, make_partner, make_user, totp_code


@pytest.fixture
def owner(app):
    return make_user(make_partner(), email="owner@acme.example")


def test_sign_in_sets_hardened_session_cookie_and_audits(client, owner):
    response = client.post("/login", data={"email": "Owner@Acme.example ", "password": PASSWORD})
    assert response.headers["Location"] == "/login/two-step"
    assert not db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "auth.signed_in"))
    response = client.post("/login/two-step", data={"code": totp_code(owner)})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "auth.signed_in"))


def test_wrong_password_is_refused_without_saying_which_part(client, owner):
    response = client.post("/login", data={"email": owner.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "The e-mail address or password is not right." in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.sign_in_failed"))


def test_unknown_email_gets_the_same_answer(client, owner):
    response = client.post("/login", data={"email": "nobody@acme.example", "password": PASSWORD})
    assert response.status_code == 401


def test_passwords_are_stored_as_argon2(owner):
    assert owner.password_hash.startswith("$argon2id$")
    assert PASSWORD not in owner.password_hash


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_login_form_requires_csrf_token(app, owner):
    client = app.test_client()
    response = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_pages_need_sign_in(client):
    for path in ("/purchase-orders", "/invoices", "/invoices/new", "/staff/invoices"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_next_parameter_cannot_send_users_elsewhere(client, owner):
    client.post("/login?next=//evil.example/x", data={"email": owner.email, "password": PASSWORD})
    response = client.post("/login/two-step", data={"code": totp_code(owner)})
    assert response.headers["Location"] == "/"


def test_partner_users_cannot_open_staff_pages_and_staff_cannot_submit(client, app, owner):
    login(client, owner)
    assert client.get("/staff/invoices").status_code == 403
    client.post("/logout")
    staff = make_user(None, email="ap@summit.example", role=Role.STAFF_ADMIN)
    login(client, staff)
    assert client.get("/invoices/new").status_code == 403
    assert client.get("/staff/invoices").status_code == 200


def test_viewer_cannot_submit_invoices(client, app):
    viewer = make_user(make_partner(), email="viewer@acme.example", role=Role.PARTNER_VIEWER)
    login(client, viewer)
    assert client.get("/invoices/new").status_code == 403


def test_logout_needs_post_and_ends_the_session(client, owner):
    login(client, owner)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/invoices").status_code == 302


def test_logout_revokes_the_remember_me_cookie_and_other_sessions(app, owner):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, owner, remember=True)
    login(laptop, owner)
    remember = phone.get_cookie("remember_token")
    assert remember is not None
    laptop.post("/logout")
    assert phone.get("/invoices").status_code == 302  # the phone's session ended too
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value)
    assert replay.get("/invoices").status_code == 302


def test_pages_carry_security_headers(client, owner):
    login(client, owner)
    response = client.get("/purchase-orders")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_failed_sign_ins_are_throttled_per_account(client, owner, app):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 5 minutes"
    for _ in range(3):
        assert client.post("/login", data={"email": owner.email, "password": "wrong password!"}).status_code == 401
    blocked = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    other = make_user(owner.partner, email="other@acme.example")
    assert client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302


def test_failed_sign_ins_are_throttled_per_address(client, owner, app):
    app.config["LOGIN_FAILURES_PER_IP"] = "4 per 5 minutes"
    for n in range(4):
        client.post("/login", data={"email": f"guess{n}@acme.example", "password": "wrong password!"})
    assert client.post("/login", data={"email": owner.email, "password": PASSWORD}).status_code == 429


def test_successful_sign_ins_do_not_count(client, owner, app):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "2 per 5 minutes"
    for _ in range(4):
        assert client.post("/login", data={"email": owner.email, "password": PASSWORD}).status_code == 302
        client.post("/logout")
