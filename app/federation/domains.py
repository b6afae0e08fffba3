"""Proving a partner controls an e-mail domain, by a DNS TXT record or by a link mailed to
an address at the domain. Only proven domains route sign-ins to the partner's IdP."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import dns.exception
import dns.resolver
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.auth.models import User
from app.auth.services import normalize_email
from app.database import utcnow
from app.extensions import db
from app.federation.models import PartnerDomain
from app.mail.services import absolute_url, send_email

DOMAIN_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# Anyone can open a mailbox at these, so owning one proves nothing about the domain, and a
# company claiming one would capture every other company's users who sign in with it.
PUBLIC_MAIL_DOMAINS = frozenset("""
    aol.com att.net bellsouth.net btinternet.com comcast.net cox.net earthlink.net fastmail.com
    free.fr gmail.com gmx.at gmx.ch gmx.com gmx.de gmx.net googlemail.com hey.com hotmail.co.uk
    hotmail.com hotmail.de hotmail.fr hushmail.com icloud.com laposte.net libero.it live.com
    live.co.uk mac.com mail.com mail.ru me.com msn.com naver.com orange.fr outlook.com outlook.de
    pm.me proton.me protonmail.com qq.com rediffmail.com rocketmail.com sbcglobal.net seznam.cz
    sky.com t-online.de tutanota.com uol.com.br verizon.net web.de yahoo.co.uk yahoo.com yahoo.de
    yahoo.fr yandex.com yandex.ru ymail.com zoho.com
""".split())

# Only the domain's administrative mailboxes, the ones certificate authorities accept as proof
# of control (CA/Browser Forum baseline requirements, 3.2.2.4.4): any employee's own mailbox
# is not proof that the company runs the domain.
ADMIN_MAILBOXES = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")


class DomainError(ValueError):
    """A user-correctable problem (message shown as is)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def domains_of(partner_id: int) -> list[PartnerDomain]:
    return list(db.session.scalars(select(PartnerDomain).where(PartnerDomain.partner_id == partner_id)
                                   .order_by(PartnerDomain.domain)))


def domain_of(partner_id: int, domain_id: int) -> PartnerDomain | None:
    return db.session.scalar(select(PartnerDomain).where(PartnerDomain.id == domain_id,
                                                         PartnerDomain.partner_id == partner_id))


def add_domain(actor: User, raw_domain: str) -> PartnerDomain:
    domain = raw_domain.strip().lower().rstrip(".").removeprefix("@")
    if not DOMAIN_PATTERN.match(domain):
        raise DomainError(_("Enter a domain name like example.com."))
    if domain in PUBLIC_MAIL_DOMAINS:
        raise DomainError(_("%(domain)s is a public e-mail service; add your company's own domain.",
                            domain=domain))
    if db.session.scalar(select(PartnerDomain.id).where(PartnerDomain.verified_domain == domain)):
        raise DomainError(_("This domain is already verified by another company."))
    if db.session.scalar(select(PartnerDomain.id).where(PartnerDomain.partner_id == actor.partner_id,
                                                        PartnerDomain.domain == domain)):
        raise DomainError(_("You have already added this domain."))
    row = PartnerDomain(partner_id=actor.partner_id, domain=domain, dns_token=secrets.token_hex(16))
    db.session.add(row)
    db.session.flush()
    audit.record("domain.added", actor=actor, partner_id=actor.partner_id, subject=row, domain=domain)
    return row


def remove_domain(actor: User, row: PartnerDomain) -> None:
    audit.record("domain.removed", actor=actor, partner_id=row.partner_id, subject=row, domain=row.domain)
    db.session.delete(row)


def _resolver() -> dns.resolver.Resolver:
    nameservers = current_app.config["DNS_NAMESERVERS"]
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = nameservers
        resolver.port = current_app.config["DNS_PORT"]
    resolver.lifetime = 5.0
    return resolver


def _txt_values(name: str) -> list[str]:
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as error:
        raise DomainError(_("DNS could not be asked just now. Try again in a few minutes.")) from error
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def check_dns(actor: User, row: PartnerDomain) -> None:
    """Raises DomainError when the TXT record is not (yet) there."""
    if row.txt_record_value not in _txt_values(row.txt_record_name):
        raise DomainError(_("We did not find the TXT record yet. DNS changes can take a while to "
                            "show; check the name and value and try again."))
    _mark_verified(row, "dns", actor)


def send_verification_email(actor: User, row: PartnerDomain, address: str) -> None:
    address = normalize_email(address)
    local, _at, domain = address.rpartition("@")
    if local not in ADMIN_MAILBOXES or domain != row.domain:
        raise DomainError(_("Use one of the domain's administrative addresses: %(addresses)s.",
                            addresses=admin_addresses(row.domain)))
    token = secrets.token_urlsafe(32)
    row.email_token_hash = _hash(token)
    row.email_token_expires_at = utcnow() + timedelta(hours=current_app.config["DOMAIN_VERIFICATION_HOURS"])
    row.email_sent_to = address
    send_email(address, "domain_verification", partner_id=row.partner_id, domain=row.domain,
               company=row.partner.name, requested_by=actor.email,
               link=absolute_url("federation.verify_domain_link", token=token))
    audit.record("domain.verification_sent", actor=actor, partner_id=row.partner_id, subject=row,
                 domain=row.domain, to=address)


def admin_addresses(domain: str) -> str:
    return ", ".join(f"{mailbox}@{domain}" for mailbox in ADMIN_MAILBOXES)


def verify_by_link(token: str) -> PartnerDomain:
    row = db.session.scalar(select(PartnerDomain).where(PartnerDomain.email_token_hash == _hash(token))) \
        if token and len(token) < 200 else None
    if row is None or row.email_token_expires_at is None or row.email_token_expires_at <= utcnow():
        raise DomainError(_("This verification link is not valid any more. Ask for a new one."))
    _mark_verified(row, "email", row.email_sent_to)
    return row


def _mark_verified(row: PartnerDomain, method: str, actor) -> None:
    if row.is_verified:
        return
    row.email_token_hash = None
    row.email_token_expires_at = None
    try:
        with db.session.begin_nested():
            row.verified_domain = row.domain
            row.verified_at = utcnow()
            row.verified_by = method
            db.session.flush()
    except IntegrityError as error:
        raise DomainError(_("This domain is already verified by another company.")) from error
    audit.record("domain.verified", actor=actor, partner_id=row.partner_id, subject=row,
                 domain=row.domain, method=method)
