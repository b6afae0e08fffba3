"""E-mail outbox: stored with the action, sent after commit over real SMTP, never lost."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.crypto import EncryptedString, decrypt, encrypt, reencrypt
from app.extensions import db
from app.integration.breaker import OdooCircuitBreaker
from app.integration.models import DeliveryState, OutboxEvent
from app.mail.models import OutgoingEmail
from app.mail.services import absolute_url, send_email
from tests.mail_helpers import _free_port, deliver_emails, html_of, text_of


def _event_of(email: OutgoingEmail) -> OutboxEvent:
    return db.session.scalar(select(OutboxEvent).filter_by(topic="email.send", subject_id=email.id))


def test_sent_over_smtp_with_text_and_html(app, smtp_server):
    email = send_email("Ops@Example.com ", "mail_check", portal_url="https://portal.example/")
    db.session.commit()
    assert deliver_emails() == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "Ops@Example.com"
    assert message["Subject"] == "Rebar mail check"
    assert message["Message-ID"].startswith(f"<rebar-email-{email.id}.")
    assert "If you can read it, mail works." in text_of(message)
    assert 'href="https://portal.example/"' in html_of(message)
    assert db.session.get(OutgoingEmail, email.id).sent_at is not None
    assert _event_of(email).state is DeliveryState.SYNCED
    assert deliver_emails() == 0 and len(smtp_server.messages) == 1


def test_rolled_back_action_sends_nothing(app, smtp_server):
    send_email("ops@example.com", "mail_check", portal_url="x")
    db.session.rollback()
    assert deliver_emails() == 0
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0
    assert smtp_server.messages == []


def test_user_text_is_escaped_in_html(app, smtp_server):
    send_email("ops@example.com", "mail_check", portal_url='"><script>alert(1)</script>')
    db.session.commit()
    deliver_emails()
    html = html_of(smtp_server.wait_for(1)[0])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_mail_server_down_keeps_the_mail_and_retries(app, smtp_server):
    app.config["SMTP_PORT"] = _free_port()  # nothing listens there
    email = send_email("ops@example.com", "mail_check", portal_url="x")
    db.session.commit()
    assert deliver_emails() == 0
    event = _event_of(email)
    assert event.state is DeliveryState.RETRYING and "unreachable" in event.last_error
    assert db.session.get(OutgoingEmail, email.id).sent_at is None

    app.config["SMTP_PORT"] = smtp_server.port
    assert deliver_emails() == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_refused_address_needs_attention_without_retrying(app, smtp_server):
    smtp_server.refused_addresses.add("nobody@example.com")
    email = send_email("nobody@example.com", "mail_check", portal_url="x")
    db.session.commit()
    deliver_emails()
    event = _event_of(email)
    assert event.state is DeliveryState.FAILED and "refused the address (550)" in event.last_error


def test_mail_does_not_wait_for_odoo(app, smtp_server):
    breaker = OdooCircuitBreaker()
    for _ in range(app.config["BREAKER_FAILURE_THRESHOLD"] + 1):
        breaker.record_failure("Odoo down")
    assert not breaker.allow()
    send_email("ops@example.com", "mail_check", portal_url="x")
    db.session.commit()
    assert deliver_emails() == 1


@pytest.mark.config(MAIL_BACKEND="file")
def test_file_backend_writes_eml(app, tmp_path):
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    email = send_email("ops@example.com", "mail_check", portal_url="x")
    db.session.commit()
    assert deliver_emails() == 1
    [path] = tmp_path.glob("*.eml")
    assert path.name == f"{email.id:06d}-mail_check.eml"
    assert b"Subject: Rebar mail check" in path.read_bytes()


@pytest.mark.config(PUBLIC_BASE_URL="https://portal.example.com/rebar")
def test_links_use_the_public_base_url_not_the_host_header(app):
    with app.test_request_context("/", headers={"Host": "attacker.example"}):
        assert absolute_url("main.home") == "https://portal.example.com/rebar/"
    assert absolute_url("main.home") == "https://portal.example.com/rebar/"


def test_send_test_email_command(app, runner, smtp_server):
    result = runner.invoke(args=["send-test-email", "--to", "ops@example.com"])
    assert result.exit_code == 0, result.output
    assert "Sent to ops@example.com via smtp" in result.output
    assert smtp_server.wait_for(1)[0]["Subject"] == "Rebar mail check"


def test_send_test_email_command_reports_failure(app, runner):
    app.config.update(MAIL_BACKEND="smtp", SMTP_PORT=_free_port())
    result = runner.invoke(args=["send-test-email", "--to", "ops@example.com"])
    assert result.exit_code == 1
    assert "Not sent yet (retrying): Mail server unreachable" in result.output


def test_encryption_round_trip_and_rotation(app):
    token = encrypt("DE89 3704 0044 0532 0130 00")
    assert "3704" not in token and decrypt(token) == "DE89 3704 0044 0532 0130 00"
    column = EncryptedString()
    stored = column.process_bind_param("secret", db.engine.dialect)
    assert stored != "secret" and column.process_result_value(stored, db.engine.dialect) == "secret"

    from cryptography.fernet import Fernet
    old_keys = list(app.config["DATA_ENCRYPTION_KEYS"])
    app.config["DATA_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()] + old_keys
    assert decrypt(token) == "DE89 3704 0044 0532 0130 00"  # old ciphertext still readable
    rotated = reencrypt(token)
    app.config["DATA_ENCRYPTION_KEYS"] = app.config["DATA_ENCRYPTION_KEYS"][:1]
    assert decrypt(rotated) == "DE89 3704 0044 0532 0130 00"
