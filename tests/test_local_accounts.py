"""Local accounts: e-mail verification, password reset, password rules, two-step verification,
password change. Real forms through the test client; mails read from the outbox table or a
real SMTP server."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.auth import two_factor
from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.auth.passwords import check_password_rules
from app.auth.services import AccountError, create_user
from app.auth.verification import send_verification_email
from app.extensions import db
from app.mail.models import OutgoingEmail
from tests.factories import PASSWORD, TOTP_SECRET, login, make_partner, make_user, totp_code
from tests.mail_helpers import deliver_emails, text_of

NEW_PASSWORD = "gravel truck on level nine"


def _link_in_last_mail(to: str, path: str) -> str:
    email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.to_address == to)
                              .order_by(OutgoingEmail.id.desc()))
    assert email is not None, f"no mail to {to}"
    return re.search(rf"http://[^/\s]+({path}/\S+)", email.text_body).group(1)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def partner(app):
    return make_partner()


@pytest.fixture
def owner(partner):
    return make_user(partner, email="owner@acme.example")


@pytest.fixture
def billing(partner):
    return make_user(partner, email="billing@acme.example", role=Role.PARTNER_BILLING)


# Password rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("short pw", "at least 12 characters"),
    ("x" * 129, "at most 128 characters"),
    ("password1234", "too common"),
    ("qwertyuiop123", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("owner@acme.example", "e-mail address"),
    ("OWNER@ACME.EXAMPLE", "e-mail address"),
])
def test_password_rules_refuse_short_long_common_and_email(app, password, message):
    with app.test_request_context():
        with pytest.raises(AccountError, match=message):
            check_password_rules(password, "owner@acme.example")
        check_password_rules(PASSWORD, "owner@acme.example")


def test_every_place_that_sets_a_password_uses_the_rules(app, client, partner, billing):
    with app.test_request_context(), pytest.raises(AccountError, match="too common"):
        create_user("new@acme.example", "password1234", Role.PARTNER_VIEWER, partner.id)
    result = CliRunner().invoke(app.cli, ["create-user", "--email", "cli@acme.example", "--password",
                                          "iloveyou12345", "--role", "partner_viewer", "--partner",
                                          str(partner.id)], catch_exceptions=False)
    assert result.exit_code != 0 and "too common" in result.output
    login(client, billing)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "password1234"})
    assert response.status_code == 400 and "too common" in response.get_data(as_text=True)
    client.post("/logout")
    client.post("/forgot-password", data={"email": billing.email})
    link = _link_in_last_mail(billing.email, "/reset-password")
    response = client.post(link, data={"password": "12345678901234"})
    assert response.status_code == 400 and "too common" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


# E-mail verification -------------------------------------------------------------------------

def test_verification_link_works_once_over_real_smtp(app, client, partner, smtp_server):
    user = create_user("new@acme.example", PASSWORD, Role.PARTNER_BILLING, partner.id)
    send_verification_email(user)
    db.session.commit()
    assert deliver_emails() == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "new@acme.example" and "Confirm your e-mail address" in message["Subject"]
    link = re.search(r"http://[^/\s]+(/verify-email/\S+)", text_of(message)).group(1)

    login(client, user)
    assert client.get("/invoices").headers["Location"] == "/account/verify-email"
    assert client.get(link).status_code == 302
    assert db.session.get(User, user.id).email_verified_at is not None
    assert client.get("/invoices").status_code == 200
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert "auth.email_verified" in _actions()


def test_unverified_user_only_sees_the_check_your_inbox_page(app, client, partner):
    user = create_user("new@acme.example", PASSWORD, Role.PARTNER_BILLING, partner.id)
    db.session.commit()
    login(client, user)
    for path in ("/", "/purchase-orders", "/invoices", "/invoices/new", "/account", "/account/two-step/set-up"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/verify-email", path
    assert client.post("/account/password", data={}).headers["Location"] == "/account/verify-email"
    page = client.get("/account/verify-email")
    assert page.status_code == 200 and "new@acme.example" in page.get_data(as_text=True)
    assert client.post("/account/verify-email/resend").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1
    assert client.post("/logout").status_code == 302


@pytest.mark.config(EMAIL_VERIFICATION_HOURS=0)
def test_verification_link_expires(app, client, partner):
    user = create_user("new@acme.example", PASSWORD, Role.PARTNER_BILLING, partner.id)
    send_verification_email(user)
    db.session.commit()
    link = _link_in_last_mail(user.email, "/verify-email")
    time.sleep(1.1)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert client.get("/verify-email/not-a-token").status_code == 400
    assert db.session.get(User, user.id).email_verified_at is None


# Password reset ------------------------------------------------------------------------------

def test_forgot_password_answers_the_same_for_unknown_addresses(client, billing):
    known = client.post("/forgot-password", data={"email": billing.email})
    unknown = client.post("/forgot-password", data={"email": "nobody@acme.example"})
    assert known.status_code == unknown.status_code == 200
    normalise = lambda r, e: r.get_data(as_text=True).replace(e, "EMAIL")  # noqa: E731
    assert normalise(known, billing.email) == normalise(unknown, "nobody@acme.example")
    assert [e.to_address for e in db.session.scalars(select(OutgoingEmail))] == [billing.email]


def test_reset_link_sets_password_once_and_ends_every_session(app, client, billing):
    laptop = login(app.test_client(), billing, remember=True)
    remember = laptop.get_cookie("remember_token")
    client.post("/forgot-password", data={"email": billing.email})
    link = _link_in_last_mail(billing.email, "/reset-password")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert laptop.get("/invoices").status_code == 302
    replay = app.test_client()
    replay.set_cookie("remember_token", remember.value)
    assert replay.get("/invoices").status_code == 302
    used = client.post(link, data={"password": "another fresh passphrase"})
    assert used.status_code == 400 and "already been used" in used.get_data(as_text=True)
    assert client.post("/login", data={"email": billing.email, "password": PASSWORD}).status_code == 401
    login(client, billing, password=NEW_PASSWORD)
    assert {"auth.password_reset_requested", "auth.password_reset"} <= set(_actions())


@pytest.mark.config(PASSWORD_RESET_MINUTES=0)
def test_reset_link_expires(client, billing):
    client.post("/forgot-password", data={"email": billing.email})
    link = _link_in_last_mail(billing.email, "/reset-password")
    time.sleep(1.1)
    response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_forgot_password_is_throttled(app, client, billing):
    app.config["PASSWORD_RESET_REQUESTS_PER_ACCOUNT"] = "2 per 15 minutes"
    for _ in range(2):
        assert client.post("/forgot-password", data={"email": billing.email}).status_code == 200
    assert client.post("/forgot-password", data={"email": billing.email}).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 2


# Two-step verification -----------------------------------------------------------------------

def _password_step(client, user, password=PASSWORD, **extra):
    return client.post("/login", data={"email": user.email, "password": password, **extra})


def test_owner_needs_a_code_after_the_password(client, owner):
    response = _password_step(client, owner)
    assert response.headers["Location"] == "/login/two-step"
    assert client.get("/invoices").status_code == 302  # not signed in yet
    wrong = client.post("/login/two-step", data={"code": "000000"})
    assert wrong.status_code == 401 and "not right" in wrong.get_data(as_text=True)
    assert client.post("/login/two-step", data={"code": totp_code(owner)}).status_code == 302
    assert client.get("/invoices").status_code == 200
    assert _actions()[-2:] == ["auth.two_factor_failed", "auth.signed_in"]


def test_a_code_cannot_be_used_twice(app, owner):
    first, second = app.test_client(), app.test_client()
    code = totp_code(owner)
    _password_step(first, owner)
    assert first.post("/login/two-step", data={"code": code}).status_code == 302
    _password_step(second, owner)
    assert second.post("/login/two-step", data={"code": code}).status_code == 401


def test_recovery_code_works_once(app, client, owner):
    login(client, owner)
    response = client.post("/account/two-step/recovery-codes", data={"code": totp_code(owner)})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    client.post("/logout")
    _password_step(client, owner)
    assert client.post("/login/two-step", data={"code": codes[0].upper()}).status_code == 302
    client.post("/logout")
    _password_step(client, owner)
    assert client.post("/login/two-step", data={"code": codes[0]}).status_code == 401
    assert "auth.recovery_code_used" in _actions()


def test_code_step_is_throttled(app, client, owner):
    app.config["TWO_FACTOR_FAILURES_PER_ACCOUNT"] = "3 per 5 minutes"
    _password_step(client, owner)
    for _ in range(3):
        assert client.post("/login/two-step", data={"code": "123456"}).status_code == 401
    assert client.post("/login/two-step", data={"code": totp_code(owner)}).status_code == 429


def test_pending_sign_in_expires(app, client, owner):
    app.config["TWO_FACTOR_PENDING_SECONDS"] = 0
    _password_step(client, owner)
    time.sleep(1.1)
    response = client.post("/login/two-step", data={"code": totp_code(owner)})
    assert response.headers["Location"] == "/login"
    assert client.get("/invoices").status_code == 302


def test_owner_without_two_step_is_walked_through_enrollment_first(app, client, partner):
    owner = create_user("fresh-owner@acme.example", PASSWORD, Role.PARTNER_OWNER, partner.id,
                        email_verified=True)
    db.session.commit()
    response = _password_step(client, owner)
    assert response.headers["Location"] == "/login/two-step/set-up"
    for path in ("/", "/invoices", "/account", "/account/two-step/set-up", "/login/two-step"):
        assert client.get(path).status_code == 302, path
    page = client.get("/login/two-step/set-up").get_data(as_text=True)
    assert "<svg" in page
    secret = db.session.get(User, owner.id).totp_secret
    assert secret[:4] + " " + secret[4:8] in page
    assert client.post("/login/two-step/set-up", data={"code": "000000"}).status_code == 401
    response = client.post("/login/two-step/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and len(re.findall(r"<code>", response.get_data(as_text=True))) == 10
    assert client.get("/invoices").status_code == 200
    assert "auth.two_factor_enrolled" in _actions()


def test_signed_in_owner_without_two_step_cannot_skip_set_up(app, client, billing):
    login(client, billing)
    billing.role = Role.PARTNER_OWNER  # promoted while signed in
    db.session.commit()
    for path in ("/", "/invoices", "/purchase-orders", "/account"):
        response = client.get(path)
        assert response.headers["Location"] == "/account/two-step/set-up", path
    assert client.get("/account/two-step/set-up").status_code == 200


def test_viewer_may_turn_two_step_on_and_off(app, client, billing):
    login(client, billing)
    client.get("/account/two-step/set-up")
    secret = db.session.get(User, billing.id).totp_secret
    client.post("/account/two-step/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert db.session.get(User, billing.id).two_factor_enabled
    client.post("/logout")
    assert _password_step(client, billing).headers["Location"] == "/login/two-step"
    billing.totp_last_step = None
    db.session.commit()
    client.post("/login/two-step", data={"code": pyotp.TOTP(secret).now()})
    assert client.post("/account/two-step/turn-off", data={"code": "000000"}).status_code == 401
    billing.totp_last_step = None
    db.session.commit()
    client.post("/account/two-step/turn-off", data={"code": pyotp.TOTP(secret).now()})
    assert not db.session.get(User, billing.id).two_factor_enabled
    assert "auth.two_factor_disabled" in _actions()


def test_owner_cannot_turn_two_step_off(client, owner):
    login(client, owner)
    response = client.post("/account/two-step/turn-off", data={"code": totp_code(owner)})
    assert response.status_code == 401 and "requires" in response.get_data(as_text=True)
    assert db.session.get(User, owner.id).two_factor_enabled


def test_staff_admin_resets_someones_two_step(app, client, owner):
    admin = make_user(None, email="admin@summit.example", role=Role.STAFF_ADMIN)
    reviewer = make_user(None, email="reviewer@summit.example", role=Role.STAFF_REVIEWER)
    phone = login(app.test_client(), owner)
    login(client, reviewer)
    assert client.get("/staff/two-step-reset").status_code == 403
    client.post("/logout")
    login(client, admin)
    unknown = client.post("/staff/two-step-reset", data={"email": "nobody@acme.example"})
    assert unknown.status_code == 400 and "No user" in unknown.get_data(as_text=True)
    assert client.post("/staff/two-step-reset", data={"email": owner.email}).status_code == 302
    assert not db.session.get(User, owner.id).two_factor_enabled
    assert phone.get("/invoices").status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.two_factor_reset"))
    assert entry.subject_id == owner.id
    assert _password_step(app.test_client(), owner).headers["Location"] == "/login/two-step/set-up"


def test_partner_cannot_open_the_staff_reset_page(client, owner):
    login(client, owner)
    assert client.get("/staff/two-step-reset").status_code == 403


def test_totp_seed_is_stored_encrypted(owner):
    stored = db.session.execute(db.text("SELECT totp_secret FROM users WHERE id = :id"),
                                {"id": owner.id}).scalar_one()
    assert TOTP_SECRET not in stored


def test_development_cli_prints_a_code_but_not_in_production(app, owner):
    result = CliRunner().invoke(app.cli, ["two-factor-code", owner.email])
    code = result.output.strip()
    assert result.exit_code == 0 and code in {pyotp.TOTP(TOTP_SECRET).at(time.time() + d) for d in (0, 30)}
    assert two_factor.verify_second_factor(owner, code)
    db.session.commit()
    again = CliRunner().invoke(app.cli, ["two-factor-code", owner.email]).output.strip()
    assert again != code and two_factor.verify_second_factor(owner, again)  # never a used code
    app.config["REBAR_ENV"] = "production"
    result = CliRunner().invoke(app.cli, ["two-factor-code", owner.email])
    assert result.exit_code != 0 and "production" in result.output


def test_development_cli_helps_during_enrollment_too(app, partner):
    newcomer = make_user(partner, email="new-viewer@acme.example", role=Role.PARTNER_VIEWER)
    result = CliRunner().invoke(app.cli, ["two-factor-code", newcomer.email])
    assert result.exit_code != 0 and "set-up page first" in result.output
    two_factor.begin_enrollment(newcomer)
    db.session.commit()
    code = CliRunner().invoke(app.cli, ["two-factor-code", newcomer.email]).output.strip()
    assert two_factor.confirm_enrollment(newcomer, code)


# Password change -----------------------------------------------------------------------------

def test_password_change_ends_other_sessions_and_remember_me_but_keeps_this_one(app, client, owner):
    phone = login(app.test_client(), owner, remember=True)
    phone_cookie = phone.get_cookie("remember_token").value
    login(client, owner, remember=True)
    old_cookie = client.get_cookie("remember_token").value
    wrong = client.post("/account/password", data={"current_password": "not my password",
                                                   "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/invoices").status_code == 200
    assert phone.get("/invoices").status_code == 302
    for cookie in (phone_cookie, old_cookie):
        replay = app.test_client()
        replay.set_cookie("remember_token", cookie)
        assert replay.get("/invoices").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert fresh.get("/invoices").status_code == 200
    assert "auth.password_changed" in _actions()
