"""Sending a stored e-mail through the configured backend (SMTP, or a file/console in
development). Errors are sorted into "try again later" and "will never work"."""
from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from flask import current_app

from app.database import utcnow
from app.integration.errors import PermanentDeliveryError, TransientDeliveryError
from app.mail.models import OutgoingEmail

log = logging.getLogger("rebar.mail")


def build_message(email: OutgoingEmail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    # A stable Message-ID: if a worker dies after the server accepted the mail but before the
    # row is marked sent, the resend carries the same id and mail clients fold the two.
    domain = config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "rebar.local"
    message["Message-ID"] = f"<rebar-email-{email.id}.{config['RQ_QUEUE']}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    return message


def deliver(email: OutgoingEmail) -> None:
    """Send it once; marks `sent_at` (the caller commits)."""
    if email.sent_at is not None:
        return
    backend = current_app.config["MAIL_BACKEND"]
    message = build_message(email)
    if backend == "smtp":
        _send_smtp(message)
    elif backend == "file":
        _write_file(email, message)
    else:
        log.info("e-mail (console backend)\n%s", message.as_string())
    email.sent_at = utcnow()


def _write_file(email: OutgoingEmail, message: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{email.id:06d}-{email.template}.eml"
    path.write_bytes(message.as_bytes())
    log.info("e-mail to %s written to %s: %s", email.to_address, path, email.subject)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    security = config["SMTP_SECURITY"]
    timeout = config["SMTP_TIMEOUT"]
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentDeliveryError(f"The mail server refused the address ({codes[0]}).") from exc
        raise TransientDeliveryError(f"The mail server deferred the address ({codes[0]}).") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise TransientDeliveryError(f"The mail server refused our login ({exc.smtp_code}); "
                                     "check SMTP_USERNAME / SMTP_PASSWORD.") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535):
            raise PermanentDeliveryError(f"The mail server refused the message ({exc.smtp_code}).") from exc
        raise TransientDeliveryError(f"The mail server answered {exc.smtp_code}.") from exc
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        raise TransientDeliveryError(f"Mail server unreachable ({type(exc).__name__}).") from exc
