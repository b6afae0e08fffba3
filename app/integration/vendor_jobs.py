"""Outbox handlers that make an approved partner a vendor in Odoo (topics partner.approved and
partner.bank_changed).

Each step commits its binding before the next call to Odoo, so a re-run resumes where the
last one stopped. The owners' e-mail is queued in the same commit as the vendor binding, which
happens once, so they get one mail however often the event is delivered. On a bank change the
previous res.partner.bank is left in Odoo: bills already drafted may point at it, and Odoo pays
to the bank chosen on each bill; the audit entry names it so AP can archive it.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.auth.services import active_owners
from app.audit import services as audit
from app.extensions import db
from app.integration.errors import PermanentDeliveryError
from app.integration.locks import worker_lock
from app.integration.models import OutboxEvent
from app.integration.odoo_access import odoo_client_for
from app.integration.queue import enqueue_once
from app.mail.services import absolute_url, send_email
from app.odoo import vendors
from app.odoo.client import OdooClient
from app.partners.models import BankAccountStatus, Partner, PartnerBankAccount

log = logging.getLogger("rebar.jobs.vendors")
ACTOR = "odoo-sync"


def deliver_partner_approved(outbox_event: OutboxEvent) -> None:
    partner = db.session.get(Partner, outbox_event.subject_id)
    if partner is None:
        raise PermanentDeliveryError("The approved company no longer exists.")
    _make_vendor(partner, partner.active_bank_account)


def deliver_bank_changed(outbox_event: OutboxEvent) -> None:
    account = db.session.get(PartnerBankAccount, outbox_event.subject_id)
    if account is None:
        raise PermanentDeliveryError("The bank account no longer exists.")
    if account.status is not BankAccountStatus.ACTIVE:
        log.info("bank account %s is %s, not sent to Odoo", account.id, account.status.value)
        return
    _make_vendor(account.partner, account)


def _make_vendor(partner: Partner, account: PartnerBankAccount | None) -> None:
    if not partner.is_approved:
        raise PermanentDeliveryError(f"{partner.name} is {partner.status.value}, not approved: "
                                     "no vendor is made in Odoo.")
    with _vendor_lock(partner):
        client = odoo_client_for(partner)
        if partner.odoo_partner_id is None:
            _bind_vendor(partner, vendors.ensure_vendor(client, partner))
        if account is not None and account.odoo_bank_id is None:
            _bind_bank_account(client, partner, account)
    enqueue_once("app.integration.jobs.sync_purchase_orders", partner.id,
                 job_id=f"{current_app.config['RQ_QUEUE']}-po-sync-partner-{partner.id}")


def _vendor_lock(partner: Partner):
    """One run at a time per VAT: two runs (or two companies with one VAT) must not both
    search, find nothing and create."""
    key = vendors.normalize_vat(partner.tax_id) or f"partner-{partner.id}"
    return worker_lock(f"odoo-sandbox-vendor:{key}" if partner.is_sandbox else f"odoo-vendor:{key}")


def _bind_vendor(partner: Partner, link: vendors.VendorLink) -> None:
    partner.odoo_partner_id = link.odoo_id
    audit.record("odoo.vendor_created" if link.created else "odoo.vendor_linked", actor=ACTOR,
                 partner_id=partner.id, subject=partner, odoo_partner_id=link.odoo_id)
    for address in _owner_addresses(partner):
        send_email(address, "vendor_ready", partner_id=partner.id, company=partner.name,
                   link=absolute_url("purchasing.list_purchase_orders"))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise vendors.VendorConflict(
            f"Odoo vendor {link.odoo_id} was linked to another portal company at the same time; "
            "check which registration is genuine.") from None


def _bind_bank_account(client: OdooClient, partner: Partner, account: PartnerBankAccount) -> None:
    account.odoo_bank_id = vendors.ensure_bank_account(client, account, partner.odoo_partner_id)
    previous = [a.odoo_bank_id for a in partner.bank_accounts
                if a.id != account.id and a.odoo_bank_id and a.odoo_bank_id != account.odoo_bank_id]
    audit.record("odoo.bank_account_added", actor=ACTOR, partner_id=partner.id, subject=account,
                 odoo_bank_id=account.odoo_bank_id, last4=account.last4,
                 previous_odoo_bank_ids_left_in_odoo=previous)
    db.session.commit()


def _owner_addresses(partner: Partner) -> list[str]:
    owners = [owner.email for owner in active_owners(partner.id)]
    if owners:
        return owners
    return [partner.contact_email] if partner.contact_email else []
