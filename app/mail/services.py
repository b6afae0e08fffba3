"""Writing e-mails: rendered now, stored in the caller's transaction, sent after commit."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template

from app.extensions import db
from app.integration import outbox
from app.mail.models import OutgoingEmail

EMAIL_TOPIC = "email.send"


class EmailTemplateError(ValueError):
    """A text template must start with a 'Subject:' line followed by a blank line."""


def send_email(to: str, template: str, *, partner_id: int | None = None,
               **context: Any) -> OutgoingEmail:
    """Render `email/<template>.txt` and `.html` and queue the message with the caller's
    transaction: if that rolls back, no mail goes out; if the mail server is down, the
    outbox retries and the action is kept."""
    subject, text_body = _split_subject(render_template(f"email/{template}.txt", **context))
    html_body = render_template(f"email/{template}.html", subject=subject, **context)
    email = OutgoingEmail(to_address=to.strip(), subject=subject, text_body=text_body,
                          html_body=html_body, template=template, partner_id=partner_id)
    db.session.add(email)
    db.session.flush()
    outbox.publish(EMAIL_TOPIC, email, partner_id=partner_id)
    return email


def _split_subject(rendered: str) -> tuple[str, str]:
    first_line, _, rest = rendered.lstrip().partition("\n")
    if not first_line.startswith("Subject:"):
        raise EmailTemplateError("e-mail text templates start with 'Subject: …'")
    subject = " ".join(first_line[len("Subject:"):].split())
    return subject, rest.lstrip("\n").rstrip() + "\n"


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for an e-mail, always on PUBLIC_BASE_URL: never the request's Host header (a
    forged one would send password-reset links to an attacker) and usable from jobs."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
