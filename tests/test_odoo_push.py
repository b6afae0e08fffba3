"""The exporter and importer against the Odoo sandbox (in-process jobs, real HTTP to Odoo)."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.integration import jobs
from app.integration.models import DeliveryState, OdooBinding, OutboxEvent
from app.invoices.models import InvoiceStatus
from app.invoices.services import InvoiceRequest, LineRequest, submit_invoice
from app.purchasing.models import PurchaseOrder
from app.uploads import Upload
from tests.factories import PNG_BYTES, make_partner, make_user, pdf_bytes
from tests.odoo_helpers import bills_for_ref, clerk_action, sandbox_state, set_faults, deliver_event_now


def synced_partner(odoo_partner_id=45, name="Acme Concrete LLC"):
    partner = make_partner(name, odoo_partner_id)
    jobs.sync_purchase_orders(partner.id)
    return partner


def po(number):
    return db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number))


def submit(partner, number="SUB-1", quantities=("12.5",), po_number="P00013", support=()):
    order = po(po_number)
    request = InvoiceRequest(order.id, number, "2026-12-01",
                             [LineRequest(order.lines[i].id, q) for i, q in enumerate(quantities)],
                             Upload("Invoice SUB-1.pdf", pdf_bytes()), list(support))
    invoice = submit_invoice(partner.id, request, actor=make_user(partner), today=date(2026, 12, 3))
    db.session.commit()
    return invoice


def event_for(invoice) -> OutboxEvent:
    return db.session.scalar(select(OutboxEvent).where(OutboxEvent.subject_id == invoice.id))


def deliver(invoice) -> str:
    return deliver_event_now(event_for(invoice).id)


def test_sync_mirrors_this_partners_confirmed_pos_from_every_company(odoo, app):
    partner = synced_partner()
    orders = {o.number: o for o in db.session.scalars(select(PurchaseOrder))}
    assert set(orders) == {"P00013", "P00011"}  # not the RFQ P00012, not Brightline's P00010
    assert orders["P00011"].buyer_company_name == "Summit Builders Civil LLC"
    assert orders["P00013"].buyer_company_name == "Summit Builders Inc."
    assert (orders["P00013"].project_name, orders["P00011"].project_name) == ("Tower A", "Bridge B2")
    lines = orders["P00013"].lines
    assert [l.quantity for l in lines] == [40, 25]
    assert lines[0].quantity_received == 40 and lines[0].odoo_tax_ids == [2]
    assert partner.id == orders["P00013"].partner_id


def test_push_creates_one_draft_bill_linked_to_the_po_with_files_and_note(odoo, app):
    partner = synced_partner()
    invoice = submit(partner, quantities=("12.5", "3"), support=[Upload("ticket.png", PNG_BYTES)])
    assert deliver(invoice) == "synced"

    [bill] = bills_for_ref(odoo, "SUB-1")
    assert bill["move_type"] == "in_invoice" and bill["state"] == "draft"
    assert bill["partner_id"][0] == 45 and bill["invoice_origin"] == "P00013"
    assert bill["invoice_date"] == "2026-12-01" and bill["company_id"][0] == 1
    assert sorted((l["purchase_line_id"][0], l["quantity"]) for l in bill["lines"]) == [(27, 12.5), (28, 3.0)]
    state = sandbox_state(odoo)
    attachments = [a for a in state["attachments"] if a["res_id"] == bill["id"]]
    assert sorted(a["mimetype"] for a in attachments) == ["application/pdf", "image/png"]
    notes = [m for m in state["messages"] if m["res_id"] == bill["id"]]
    assert len(notes) == 1 and invoice.portal_reference in notes[0]["body"]

    assert invoice.status is InvoiceStatus.IN_REVIEW
    assert event_for(invoice).state is DeliveryState.SYNCED
    assert po("P00013").lines[0].quantity_billed == 12.5  # re-read from Odoo after the bill


def test_bill_lands_in_the_pos_company(odoo, app):
    partner = synced_partner()
    invoice = submit(partner, number="CIVIL-1", quantities=("2",), po_number="P00011")
    deliver(invoice)
    [bill] = bills_for_ref(odoo, "CIVIL-1")
    assert bill["company_id"][0] == 2
    assert [l["tax_ids"] for l in bill["lines"]] == [[4]]


def test_running_the_push_again_never_makes_a_second_bill(odoo, app):
    partner = synced_partner()
    invoice = submit(partner)
    deliver(invoice)
    for _ in range(2):
        event = event_for(invoice)
        event.state = DeliveryState.QUEUED
        db.session.commit()
        assert deliver(invoice) == "synced"
    assert len(bills_for_ref(odoo, "SUB-1")) == 1
    assert len([m for m in sandbox_state(odoo)["messages"] if invoice.portal_reference in m["body"]]) == 1


def test_crash_after_odoo_commit_but_before_binding_finds_the_bill(odoo, app):
    """The worst case of a SIGKILL: Odoo has the bill, attachments and note; we recorded nothing."""
    partner = synced_partner()
    invoice = submit(partner)
    deliver(invoice)
    db.session.execute(OdooBinding.__table__.delete())
    event = event_for(invoice)
    event.state = DeliveryState.SENDING
    db.session.commit()
    assert deliver(invoice) == "synced"
    state = sandbox_state(odoo)
    bill_ids = [b["id"] for b in bills_for_ref(odoo, "SUB-1")]
    assert len(bill_ids) == 1
    assert len([a for a in state["attachments"] if a["res_id"] == bill_ids[0]]) == 1
    assert len([m for m in state["messages"] if m["res_id"] == bill_ids[0]]) == 1


def test_permanent_error_needs_attention_with_odoos_message(odoo, app):
    partner = synced_partner()
    invoice = submit(partner)
    partner.odoo_partner_id = 999999
    db.session.commit()
    assert deliver(invoice) == "failed"
    event = event_for(invoice)
    assert event.state is DeliveryState.FAILED
    assert "Odoo refused it" in event.last_error and "res.partner" in event.last_error
    assert bills_for_ref(odoo, "SUB-1") == []
    from app.invoices.presenters import delivery_for
    assert delivery_for(invoice).label == "Needs attention"


@pytest.mark.parametrize("mode", ["http500", "serialization", "down"])
def test_transient_error_schedules_a_retry(odoo, app, mode):
    partner = synced_partner()
    invoice = submit(partner)
    set_faults(odoo, fail_every=1, mode=mode)
    assert deliver(invoice) == "retrying"
    event = event_for(invoice)
    assert event.state is DeliveryState.RETRYING and event.attempts == 1 and event.next_attempt_at
    from app.integration.queue import get_queue, outbox_job_id
    assert outbox_job_id(event.id) in get_queue().scheduled_job_registry.get_job_ids()
    from tests.odoo_helpers import clear_faults
    clear_faults(odoo)
    assert deliver(invoice) == "synced"
    assert len(bills_for_ref(odoo, "SUB-1")) == 1


def test_gives_up_after_the_attempt_budget(odoo, app):
    app.config["PUSH_MAX_ATTEMPTS"] = 2
    partner = synced_partner()
    invoice = submit(partner)
    set_faults(odoo, fail_every=1, mode="http500")
    assert deliver(invoice) == "retrying"
    assert deliver(invoice) == "failed"
    assert "Gave up after 2 attempts" in event_for(invoice).last_error


def test_a_keyed_in_bill_with_the_same_ref_is_not_adopted(odoo, app):
    """A paper bill AP typed in with the vendor's number must not swallow the portal invoice."""
    from app.integration.jobs import odoo_client
    partner = synced_partner()
    invoice = submit(partner)
    odoo_client().create("account.move", {"move_type": "in_invoice", "partner_id": 45, "ref": "SUB-1",
                                          "invoice_date": "2026-12-01", "invoice_line_ids": [
                                              (0, 0, {"name": "Paper bill", "quantity": 1, "price_unit": 999})]})
    assert deliver(invoice) == "failed"
    assert "does not match this invoice" in event_for(invoice).last_error
    assert invoice.status is InvoiceStatus.SUBMITTED
    assert len(bills_for_ref(odoo, "SUB-1")) == 1 and sandbox_state(odoo)["attachments"] == []


def test_a_bill_with_exactly_our_lines_is_adopted(odoo, app):
    from app.integration.jobs import odoo_client
    partner = synced_partner()
    invoice = submit(partner, quantities=("12.5",))
    odoo_client().create("account.move", {"move_type": "in_invoice", "partner_id": 45, "ref": "SUB-1",
                                          "invoice_date": "2026-12-01", "invoice_line_ids": [
                                              (0, 0, {"name": "x", "quantity": 12.5, "price_unit": 135,
                                                      "purchase_line_id": 27})]})
    assert deliver(invoice) == "synced"
    assert len(bills_for_ref(odoo, "SUB-1")) == 1


def test_files_with_the_same_name_are_all_attached(odoo, app):
    partner = synced_partner()
    invoice = submit(partner, support=[Upload("image.png", PNG_BYTES), Upload("image.png", PNG_BYTES + b"\0")])
    assert [f.filename for f in invoice.files][1:] == ["image.png", "image-2.png"]
    assert deliver(invoice) == "synced"
    [bill] = bills_for_ref(odoo, "SUB-1")
    assert len([a for a in sandbox_state(odoo)["attachments"] if a["res_id"] == bill["id"]]) == 3


def test_an_unexpected_error_needs_attention_instead_of_hanging(odoo, app, monkeypatch):
    partner = synced_partner()
    invoice = submit(partner)
    monkeypatch.setitem(jobs.TOPIC_HANDLERS, "invoice.submitted",
                        lambda event: (_ for _ in ()).throw(ValueError("boom")))
    assert deliver(invoice) == "failed"
    assert "Unexpected error (ValueError)" in event_for(invoice).last_error


def test_a_push_that_keeps_dying_stops_at_the_attempt_budget(odoo, app):
    app.config["PUSH_MAX_ATTEMPTS"] = 3
    partner = synced_partner()
    invoice = submit(partner)
    event = event_for(invoice)
    event.state, event.attempts = DeliveryState.SENDING, 3  # three runs killed mid-push
    db.session.commit()
    jobs.reconcile_outbox(stale_after_seconds=0)
    assert deliver(invoice) == "failed"
    assert "Gave up after 3 attempts" in event_for(invoice).last_error


def test_bill_state_is_read_back(odoo, app):
    partner = synced_partner()
    invoice = submit(partner)
    deliver(invoice)
    [bill] = bills_for_ref(odoo, "SUB-1")
    clerk_action(odoo, bill["id"], "post")
    assert jobs.refresh_bill_statuses() == 1
    db.session.refresh(invoice)
    assert invoice.status is InvoiceStatus.APPROVED and invoice.odoo_bill_name.startswith("BILL/")
    clerk_action(odoo, bill["id"], "pay")
    jobs.refresh_bill_statuses()
    db.session.refresh(invoice)
    assert invoice.status is InvoiceStatus.PAID


def test_cancelled_bill_means_rejected(odoo, app):
    partner = synced_partner()
    invoice = submit(partner)
    deliver(invoice)
    clerk_action(odoo, bills_for_ref(odoo, "SUB-1")[0]["id"], "cancel")
    jobs.refresh_bill_statuses()
    db.session.refresh(invoice)
    assert invoice.status is InvoiceStatus.REJECTED


def test_odoo_17_over_xmlrpc(odoo17, app):
    partner = synced_partner()
    assert po("P00013").lines[0].odoo_tax_ids == [2]  # read as taxes_id on 17
    assert po("P00013").project_name is None  # no purchase.order.project_id before 18
    invoice = submit(partner)
    assert deliver(invoice) == "synced"
    [bill] = bills_for_ref(odoo17, "SUB-1")
    assert bill["name"].startswith("BILL/")  # 17 names drafts at creation
    assert invoice.odoo_bill_name == bill["name"]
    assert db.session.scalar(select(func.count()).select_from(OdooBinding)) == 3


def test_reconciler_leaves_live_jobs_alone_and_recovers_lost_ones(odoo, app):
    from app.integration.queue import get_redis
    partner = synced_partner()
    invoice = submit(partner)  # its job waits in Redis (no worker here)
    assert jobs.reconcile_outbox(grace_seconds=0) == 0
    get_redis().flushdb()  # Redis emptied: the job is gone, the row is not
    assert jobs.reconcile_outbox(grace_seconds=0) == 1
    assert event_for(invoice).timeline[-1].kind.value == "recovered"
    assert deliver(invoice) == "synced"
