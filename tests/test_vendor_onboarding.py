"""Approval → exactly one vendor (with its bank account) in the Odoo sandbox, on 19 (JSON-2)
and 17 (XML-RPC); in-process delivery jobs, real HTTP to Odoo, real SMTP for the owner's mail."""
import threading

import pytest
from rq.job import Job
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.integration import jobs, outbox
from app.integration.models import DeliveryState, OutboxEvent
from app.integration.queue import get_queue
from app.partners.models import BankAccountStatus, Partner, PartnerBankAccount, PartnerStatus
from app.purchasing.models import PurchaseOrder
from tests.factories import make_partner, make_user
from tests.mail_helpers import deliver_emails, text_of
from tests.odoo_helpers import clear_faults, sandbox_state, set_faults, deliver_event_now

GRANITE_VAT = "84-5550123"  # Odoo seed vendor 48 stores it as "US-84-5550123"


def approved_partner(name="Cobalt Steel Erectors LLC", tax_id="84-9990001", *, country="US",
                     region="CO", iban="US00 4410 5566 7788", with_owner=True) -> Partner:
    partner = Partner(name=name, status=PartnerStatus.APPROVED, tax_id=tax_id, country_code=country,
                      street="500 Foundry Way", street2="Unit 4", city="Denver", state_region=region,
                      zip_code="80216", contact_email="office@cobalt.example", contact_phone="+1 303 555 0100")
    db.session.add(partner)
    db.session.flush()
    db.session.add(bank_account(partner, iban))
    db.session.commit()
    if with_owner:
        make_user(partner, email=f"owner-{partner.id}@cobalt.example")
    return partner


def bank_account(partner, number, status=BankAccountStatus.ACTIVE) -> PartnerBankAccount:
    compact = number.replace(" ", "")
    return PartnerBankAccount(partner=partner, status=status, account_holder=partner.name,
                              bank_name="First Bank", country_code="US", account_number=compact,
                              routing_number="102000021", last4=compact[-4:])


def publish(topic, subject, partner) -> int:
    event = outbox.publish(topic, subject, partner_id=partner.id)
    db.session.commit()
    return event.id


def deliver(event_id) -> str:
    return deliver_event_now(event_id)


def redeliver(event_id) -> str:
    """What staff's "retry" or a job re-run after a lost ack does: the event is open again."""
    event = db.session.get(OutboxEvent, event_id)
    event.state = DeliveryState.QUEUED
    db.session.commit()
    return deliver(event_id)


def vendors_with_vat(url, vat_digits):
    return [v for v in sandbox_state(url)["vendors"]
            if v["vat"] and vat_digits.replace("-", "") in v["vat"].replace("-", "")]


def banks_of(url, odoo_partner_id):
    return [b for b in sandbox_state(url)["partner_banks"] if b["partner_id"][0] == odoo_partner_id]


def event(event_id) -> OutboxEvent:
    return db.session.get(OutboxEvent, event_id)


def test_approval_creates_one_vendor_with_its_bank_and_mails_the_owner(odoo, app, smtp_server):
    partner = approved_partner()
    assert deliver(publish("partner.approved", partner, partner)) == "synced"

    [vendor] = vendors_with_vat(odoo, "84-9990001")
    assert vendor["name"] == "Cobalt Steel Erectors LLC" and vendor["is_company"] is True
    assert vendor["supplier_rank"] == 1 and vendor["company_id"] is False and vendor["active"]
    assert (vendor["street"], vendor["street2"], vendor["city"], vendor["zip"]) == (
        "500 Foundry Way", "Unit 4", "Denver", "80216")
    assert vendor["country_id"][1] == "United States" and vendor["state_id"][1] == "Colorado (US)"
    assert vendor["email"] == "office@cobalt.example"
    [bank] = banks_of(odoo, vendor["id"])
    assert bank["sanitized_acc_number"] == "US0044105566 7788".replace(" ", "")
    assert bank["acc_holder_name"] == partner.name and bank["allow_out_payment"] is False
    assert bank["bank_id"] and bank["bank_id"][1] == "First Bank"

    partner = db.session.get(Partner, partner.id)
    assert partner.odoo_partner_id == vendor["id"]
    assert partner.active_bank_account.odoo_bank_id == bank["id"]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.partner_id == partner.id)).all()
    assert "odoo.vendor_created" in actions and "odoo.bank_account_added" in actions

    assert deliver_emails() == 1
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == f"owner-{partner.id}@cobalt.example"
    assert "Cobalt Steel Erectors LLC" in mail["Subject"]
    assert "/purchase-orders" in text_of(mail)


def test_a_named_bank_is_reused_not_duplicated(odoo, app):
    first, second = approved_partner(), approved_partner(name="Cobalt Two LLC", tax_id="84-9990002",
                                                         iban="US0044105566 0001")
    for partner in (first, second):
        assert deliver(publish("partner.approved", partner, partner)) == "synced"
    banks = {b["bank_id"][0] for p in (first, second)
             for b in banks_of(odoo, db.session.get(Partner, p.id).odoo_partner_id)}
    assert len(banks) == 1


def test_job_rerun_and_second_event_still_make_one_vendor_one_bank_one_mail(odoo, app, smtp_server):
    partner = approved_partner()
    first = publish("partner.approved", partner, partner)
    assert deliver(first) == "synced"
    assert redeliver(first) == "synced"
    assert deliver(publish("partner.approved", db.session.get(Partner, partner.id), partner)) == "synced"

    [vendor] = vendors_with_vat(odoo, "84-9990001")
    assert len(banks_of(odoo, vendor["id"])) == 1
    assert deliver_emails() == 1


def test_two_workers_delivering_at_once_make_one_vendor(odoo, app):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("two concurrent writers need PostgreSQL")
    partner = approved_partner()
    event_ids = [publish("partner.approved", partner, partner) for _ in range(2)]
    results = []

    def run(event_id):
        with app.app_context():
            results.append(deliver(event_id))

    threads = [threading.Thread(target=run, args=(i,)) for i in event_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # one may have had to wait for the other's lock: it is then retried, never doubled
    for event_id in event_ids:
        if event(event_id).state is not DeliveryState.SYNCED:
            assert deliver(event_id) == "synced"
    [vendor] = vendors_with_vat(odoo, "84-9990001")
    assert len(banks_of(odoo, vendor["id"])) == 1


def test_existing_vendor_with_the_same_vat_is_linked_not_duplicated(odoo, app):
    vendors_before = len(sandbox_state(odoo)["vendors"])
    partner = approved_partner("Granite Ridge Masonry", tax_id=GRANITE_VAT)
    assert deliver(publish("partner.approved", partner, partner)) == "synced"

    assert len(sandbox_state(odoo)["vendors"]) == vendors_before
    assert db.session.get(Partner, partner.id).odoo_partner_id == 48
    [bank] = banks_of(odoo, 48)
    assert bank["acc_number"] == "US0044105566 7788".replace(" ", "")
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.partner_id == partner.id, AuditEntry.action.like("odoo.vendor_%"))) == "odoo.vendor_linked"


def test_vat_of_a_vendor_bound_to_another_company_fails_with_a_reason_and_creates_nothing(odoo, app):
    make_partner("Granite Ridge Masonry Inc.", 48)
    state_before = sandbox_state(odoo)
    impostor = approved_partner("Granite Ridge Masonry (new)", tax_id=f" us {GRANITE_VAT} ")
    event_id = publish("partner.approved", impostor, impostor)
    assert deliver(event_id) == "failed"

    reason = event(event_id).last_error
    assert "already linked to the portal company 'Granite Ridge Masonry Inc.'" in reason
    assert "Odoo vendor 'Granite Ridge Masonry Inc.' (id 48)" in reason
    state_after = sandbox_state(odoo)
    assert state_after["vendors"] == state_before["vendors"]
    assert state_after["partner_banks"] == state_before["partner_banks"]
    assert db.session.get(Partner, impostor.id).odoo_partner_id is None


def test_archived_vendor_with_the_vat_needs_staff_instead_of_a_duplicate(odoo, app):
    partner = approved_partner("Old Mill Lumber", tax_id="811907980", country="DE", region=None)
    event_id = publish("partner.approved", partner, partner)
    assert deliver(event_id) == "failed"
    assert "is archived. Unarchive it in Odoo" in event(event_id).last_error
    assert len(vendors_with_vat(odoo, "811907980")) == 1


def test_partner_without_tax_id_is_not_guessed(odoo, app):
    partner = approved_partner(tax_id=None)
    event_id = publish("partner.approved", partner, partner)
    assert deliver(event_id) == "failed"
    assert "has no tax ID" in event(event_id).last_error


def test_not_approved_partner_makes_no_vendor(odoo, app):
    partner = approved_partner()
    partner.status = PartnerStatus.REJECTED
    db.session.commit()
    event_id = publish("partner.approved", partner, partner)
    assert deliver(event_id) == "failed"
    assert "not approved" in event(event_id).last_error
    assert vendors_with_vat(odoo, "84-9990001") == []


@pytest.mark.config(ODOO_TIMEOUT=1.0)
def test_create_that_timed_out_after_reaching_odoo_is_found_not_repeated(odoo, app):
    from app.integration.odoo_access import odoo_client

    assert odoo_client().version  # remembered from now on: no version probe among the calls below
    partner = approved_partner()
    event_id = publish("partner.approved", partner, partner)
    for nth_request in range(1, 10):  # find the request that is the vendor create
        set_faults(odoo, fail_every=nth_request, mode="timeout", timeout_s=2)
        assert deliver(event_id) == "retrying"
        if vendors_with_vat(odoo, "84-9990001"):
            break
        event(event_id).state = DeliveryState.QUEUED
        db.session.commit()
    else:
        pytest.fail("no request created the vendor")
    clear_faults(odoo)
    assert db.session.get(Partner, partner.id).odoo_partner_id is None  # the create's answer was lost
    assert redeliver(event_id) == "synced"

    [vendor] = vendors_with_vat(odoo, "84-9990001")
    assert db.session.get(Partner, partner.id).odoo_partner_id == vendor["id"]
    assert len(banks_of(odoo, vendor["id"])) == 1


def test_bank_change_adds_one_new_odoo_bank_and_keeps_the_old_one(odoo, app):
    partner = approved_partner()
    assert deliver(publish("partner.approved", partner, partner)) == "synced"
    partner = db.session.get(Partner, partner.id)
    old = partner.active_bank_account
    old.status = BankAccountStatus.SUPERSEDED
    new = bank_account(partner, "US11 2222 3333 4444")
    db.session.add(new)
    db.session.commit()
    event_id = publish("partner.bank_changed", new, partner)
    assert deliver(event_id) == "synced"
    assert redeliver(event_id) == "synced"

    banks = banks_of(odoo, partner.odoo_partner_id)
    assert sorted(b["sanitized_acc_number"] for b in banks) == ["US00441055667788", "US11222233334444"]
    assert db.session.get(PartnerBankAccount, new.id).odoo_bank_id in {b["id"] for b in banks}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == new.id,
                                                        AuditEntry.action == "odoo.bank_account_added")).one()
    assert entry.details["previous_odoo_bank_ids_left_in_odoo"] == [old.odoo_bank_id]


def test_bank_already_in_odoo_for_the_vendor_is_bound_not_refused(odoo, app):
    """Acme's account 4471 0023 9910 is in Odoo already; the same number typed without spaces
    is the same sanitized number, which Odoo's unique constraint would refuse to create."""
    partner = make_partner("Acme Concrete LLC", 45)
    partner.tax_id, partner.country_code = "US-84-1234567", "US"
    account = bank_account(partner, "447100239910")
    db.session.add(account)
    db.session.commit()
    assert deliver(publish("partner.bank_changed", account, partner)) == "synced"
    assert db.session.get(PartnerBankAccount, account.id).odoo_bank_id == 1
    assert len(banks_of(odoo, 45)) == 1


def test_purchase_orders_sync_after_the_vendor_is_linked(odoo, app):
    partner = approved_partner("Acme Concrete", tax_id="84-1234567")
    assert deliver(publish("partner.approved", partner, partner)) == "synced"
    job = Job.fetch(f"{app.config['RQ_QUEUE']}-po-sync-partner-{partner.id}", connection=get_queue().connection)
    assert job.func_name == "app.integration.jobs.sync_purchase_orders" and job.args == (partner.id,)
    jobs.sync_purchase_orders(*job.args)
    numbers = db.session.scalars(select(PurchaseOrder.number).where(PurchaseOrder.partner_id == partner.id)).all()
    assert sorted(numbers) == ["P00011", "P00013"]


def test_odoo17_over_xmlrpc_creates_one_vendor_and_bank(odoo17, app):
    partner = approved_partner()
    event_id = publish("partner.approved", partner, partner)
    assert deliver(event_id) == "synced"
    assert redeliver(event_id) == "synced"
    [vendor] = vendors_with_vat(odoo17, "84-9990001")
    assert vendor["supplier_rank"] == 1 and vendor["state_id"][1] == "Colorado (US)"
    assert len(banks_of(odoo17, vendor["id"])) == 1


def test_odoo17_links_the_existing_vendor_by_vat(odoo17, app):
    partner = approved_partner("Granite Ridge", tax_id=GRANITE_VAT)
    assert deliver(publish("partner.approved", partner, partner)) == "synced"
    assert db.session.get(Partner, partner.id).odoo_partner_id == 48


def test_vendor_left_in_odoo_by_a_run_killed_before_binding_is_adopted(odoo, app):
    """A worker killed between Odoo's create and our commit leaves exactly this state."""
    from app.integration.odoo_access import odoo_client
    from app.odoo import vendors

    partner = approved_partner()
    orphan = odoo_client().create("res.partner", vendors.vendor_values(partner, 233, None),
                                  context=vendors.SUPPLIER_CONTEXT)
    assert deliver(publish("partner.approved", partner, partner)) == "synced"
    assert [v["id"] for v in vendors_with_vat(odoo, "84-9990001")] == [orphan]
    assert db.session.get(Partner, partner.id).odoo_partner_id == orphan


def test_bank_change_event_for_an_account_no_longer_active_sends_nothing(odoo, app):
    partner = approved_partner()
    assert deliver(publish("partner.approved", partner, partner)) == "synced"
    partner = db.session.get(Partner, partner.id)
    stale = bank_account(partner, "US99 8888 7777", status=BankAccountStatus.SUPERSEDED)
    db.session.add(stale)
    db.session.commit()
    assert deliver(publish("partner.bank_changed", stale, partner)) == "synced"
    assert len(banks_of(odoo, partner.odoo_partner_id)) == 1


def is_synced(event_id) -> bool:
    db.session.expire_all()
    return event(event_id).state is DeliveryState.SYNCED


def onboarding_point(url, partner_id) -> str:
    """Where an onboarding stood when its worker died, from Odoo's records and ours."""
    db.session.expire_all()
    partner = db.session.get(Partner, partner_id)
    in_odoo = vendors_with_vat(url, partner.tax_id)
    if not in_odoo:
        return "before the vendor"
    if partner.odoo_partner_id is None:
        return "vendor in Odoo, not bound"
    banks = banks_of(url, partner.odoo_partner_id)
    if banks and partner.active_bank_account.odoo_bank_id is None:
        return "bank in Odoo, not bound"
    return "vendor bound, before the bank" if not banks else "bank bound"


@pytest.mark.slow
def test_workers_sigkilled_mid_onboarding_still_one_vendor_one_bank(odoo, app):
    """Real workers killed on the k-th Odoo call (each answer held briefly after Odoo did
    the work, so the kill lands between Odoo's commit and ours), then a recovery worker."""
    from tests.fault_helpers import FaultWorker, requests_seen
    from tests.live import wait_until

    partner = approved_partner()
    event_id = publish("partner.approved", partner, partner)
    set_faults(odoo, fail_every=1, mode="timeout", timeout_s=0.3, delay_s=0.02)
    started, kill_points = [], []
    try:
        for round_, calls in enumerate((1, 2, 3, 4, 5, 6, 4, 5, 6, 7)):
            if is_synced(event_id):
                break
            target = requests_seen(odoo) + calls
            worker = FaultWorker(dict(app.config), name=f"vendor-kill-{round_}", PUSH_LOCK_SECONDS=2)
            started.append(worker)
            wait_until(lambda: requests_seen(odoo) >= target or is_synced(event_id), timeout=30,
                       interval=0.02, message=f"call {calls} of round {round_}")
            worker.kill_hard()
            kill_points.append(onboarding_point(odoo, partner.id))
            jobs.reconcile_outbox(stale_after_seconds=0)
        assert "vendor in Odoo, not bound" in kill_points, kill_points
        clear_faults(odoo)
        started.append(FaultWorker(dict(app.config), name="vendor-recovery", PUSH_LOCK_SECONDS=2))
        jobs.reconcile_outbox(stale_after_seconds=0)
        wait_until(lambda: is_synced(event_id), timeout=60, interval=0.3, message="partner.approved synced")
    finally:
        for worker in started:
            if worker.alive:
                worker.kill_hard()

    [vendor] = vendors_with_vat(odoo, "84-9990001")
    assert db.session.get(Partner, partner.id).odoo_partner_id == vendor["id"]
    [bank] = banks_of(odoo, vendor["id"])
    assert db.session.get(Partner, partner.id).active_bank_account.odoo_bank_id == bank["id"]
    vendor_mails = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "email.send")).all()
    assert len(vendor_mails) == 1


def test_staff_approval_and_four_eyes_bank_change_reach_odoo_once(odoo, app):
    """Through the onboarding services (helper 3's approval and four-eyes bank change)."""
    from app.auth.models import Role
    from app.onboarding import services as onboarding

    partner = approved_partner("Delta Drywall Inc.", tax_id="84-9990077")
    partner.status = PartnerStatus.SUBMITTED
    partner.active_bank_account.status = BankAccountStatus.DRAFT
    db.session.commit()
    reviewer = make_user(None, email="reviewer@summit.example", role=Role.STAFF_REVIEWER)
    admin = make_user(None, email="admin@summit.example", role=Role.STAFF_ADMIN)

    onboarding.approve(partner.id, reviewer)
    db.session.commit()
    [approved] = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "partner.approved")).all()
    assert deliver(approved.id) == "synced"
    [vendor] = vendors_with_vat(odoo, "84-9990077")
    assert len(banks_of(odoo, vendor["id"])) == 1

    partner = db.session.get(Partner, partner.id)
    pending = bank_account(partner, "US55 6666 7777 8888", status=BankAccountStatus.PENDING)
    db.session.add(pending)
    db.session.commit()
    onboarding.approve_bank_change(pending.id, reviewer)
    onboarding.approve_bank_change(pending.id, admin)
    db.session.commit()
    [changed] = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "partner.bank_changed")).all()
    assert deliver(changed.id) == "synced"
    assert sorted(b["sanitized_acc_number"] for b in banks_of(odoo, vendor["id"])) == [
        "US00441055667788", "US55666677778888"]
    assert len(vendors_with_vat(odoo, "84-9990077")) == 1
