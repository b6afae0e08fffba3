"""The whole flow over real HTTP, real Redis, a real worker process and the Odoo sandbox."""
import base64
import re
import time

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.integration import jobs
from app.integration.models import DeliveryState, OutboxEvent
from app.invoices.models import Invoice
from app.purchasing.models import PurchaseOrder
from tests.factories import PASSWORD, make_partner, make_user, pdf_bytes
from tests.live import LiveServer, Worker, browser_login, csrf_token, wait_until
from tests.odoo_helpers import bills_for_ref, clear_faults, sandbox_state, set_faults

pytestmark = pytest.mark.slow


@pytest.fixture
def stack(app, odoo):
    partner = make_partner()
    user = make_user(partner, email="billing@acme-concrete.example")
    jobs.sync_purchase_orders(partner.id)
    server = LiveServer(dict(app.config))
    worker = Worker(dict(app.config))
    stack = {"url": server.url, "partner": partner, "user": user, "odoo": odoo, "worker": worker,
             "config": dict(app.config)}
    yield stack
    stack["worker"].stop()
    server.stop()


def attachments_of(odoo_url, bill_id):
    return [a for a in sandbox_state(odoo_url)["attachments"] if a["res_id"] == bill_id]


def test_browser_form_to_draft_bill_in_odoo_within_ten_seconds(stack):
    base, odoo = stack["url"], stack["odoo"]
    order = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "P00013"))
    session = requests.Session()
    browser_login(session, base, stack["user"].email, PASSWORD)
    form_url = f"{base}/invoices/new?purchase_order={order.id}"
    page = session.get(form_url).text
    fields = {"csrf_token": csrf_token(page), "invoice_number": "ACME-2026-0042",
              "invoice_date": "2026-12-01"}
    for index, line in enumerate(order.lines):
        fields[f"lines-{index}-purchase_order_line_id"] = str(line.id)
        fields[f"lines-{index}-quantity"] = "10" if index == 0 else ""
    started = time.monotonic()
    response = session.post(form_url, data=fields,
                            files={"invoice_pdf": ("ACME-2026-0042.pdf", pdf_bytes(), "application/pdf")})
    assert response.status_code == 200 and "Invoice ACME-2026-0042 was submitted." in response.text
    invoice_url = response.url

    page = wait_until(lambda: (p := session.get(invoice_url).text) and "In review at" in p and p,
                      timeout=10, message="In review")
    assert time.monotonic() - started < 10
    [bill] = bills_for_ref(odoo, "ACME-2026-0042")
    assert re.search(rf'id="bill-reference">draft bill #{bill["id"]}<', page)
    assert bill["state"] == "draft"
    assert [(l["purchase_line_id"][0], l["quantity"]) for l in bill["lines"]] == [(order.lines[0].odoo_id, 10.0)]
    [attachment] = attachments_of(odoo, bill["id"])
    assert attachment["mimetype"] == "application/pdf" and attachment["name"] == "ACME-2026-0042.pdf"


def test_api_with_a_key_from_the_cli_to_draft_bill(stack, runner):
    base, odoo = stack["url"], stack["odoo"]
    result = runner.invoke(args=["create-api-key", "--partner", str(stack["partner"].id),
                                 "--scopes", "purchase_orders:read,invoices:read,invoices:write"])
    headers = {"Authorization": f"Bearer {result.output.strip()}"}
    orders = requests.get(f"{base}/api/v1/purchase-orders", headers=headers).json()["data"]
    po_id = next(o["id"] for o in orders if o["number"] == "P00013")
    detail = requests.get(f"{base}/api/v1/purchase-orders/{po_id}", headers=headers).json()
    response = requests.post(f"{base}/api/v1/invoices", headers=headers, json={
        "purchase_order_id": po_id, "invoice_number": "API-0001", "invoice_date": "2026-12-01",
        "lines": [{"purchase_order_line_id": detail["lines"][1]["id"], "quantity": "2.5"}],
        "attachments": [{"filename": "API-0001.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}]})
    assert response.status_code == 201, response.text
    invoice_url = f"{base}{response.headers['Location']}"
    body = wait_until(lambda: (b := requests.get(invoice_url, headers=headers).json())["status"] == "in_review" and b,
                      timeout=10, message="in_review over the API")
    [bill] = bills_for_ref(odoo, "API-0001")
    assert body["sync"] == {"state": "synced", "odoo_bill_id": bill["id"], "error": None}
    assert len(attachments_of(odoo, bill["id"])) == 1
    after = requests.get(f"{base}/api/v1/purchase-orders/{po_id}", headers=headers).json()
    assert after["lines"][1]["quantity_billed"] == "2.5" and after["lines"][1]["remaining_quantity"] == "22.5"


def test_worker_killed_mid_push_still_makes_exactly_one_bill(stack):
    """SIGKILL the worker and its work horse at random points of slow pushes, then recover."""
    odoo, config = stack["odoo"], stack["config"]
    order = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "P00013"))
    session = requests.Session()
    browser_login(session, stack["url"], stack["user"].email, PASSWORD)
    worker = stack["worker"]
    kill_after = [0.3, 0.9, 1.5, 2.1, 2.7]
    numbers = [f"KILL-{n}" for n in range(len(kill_after))]
    killed_with_bill_in_odoo = 0
    for number, delay in zip(numbers, kill_after):
        set_faults(odoo, delay_s=0.4)
        page = session.get(f"{stack['url']}/invoices/new?purchase_order={order.id}").text
        session.post(f"{stack['url']}/invoices/new?purchase_order={order.id}", data={
            "csrf_token": csrf_token(page), "invoice_number": number, "invoice_date": "2026-12-01",
            "lines-0-purchase_order_line_id": str(order.lines[0].id), "lines-0-quantity": "1",
            "lines-1-purchase_order_line_id": str(order.lines[1].id), "lines-1-quantity": ""},
            files={"invoice_pdf": (f"{number}.pdf", pdf_bytes(), "application/pdf")})
        wait_until(lambda: _event_state(number) is DeliveryState.SENDING, timeout=10, message="sending")
        time.sleep(delay)
        worker.kill_hard()
        killed_with_bill_in_odoo += bool(bills_for_ref(odoo, number)) and _event_state(number) is DeliveryState.SENDING
        clear_faults(odoo)
        worker = stack["worker"] = Worker(config, name=f"worker-after-{number}", cron=False)
        jobs.reconcile_outbox(stale_after_seconds=0)
        wait_until(lambda: _event_state(number) is DeliveryState.SYNCED, timeout=30, message=f"{number} synced")
    for number in numbers:
        bills = bills_for_ref(odoo, number)
        assert len(bills) == 1, (number, bills)
        assert len(attachments_of(odoo, bills[0]["id"])) == 1
    assert killed_with_bill_in_odoo >= 2, "no kill landed after Odoo had the bill"
    notes = [m for m in sandbox_state(odoo)["messages"] if "RBR-INV-" in m["body"]]
    assert len(notes) == len(numbers)


def _event_state(number):
    db.session.expire_all()
    invoice = db.session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        return None
    return db.session.scalar(select(OutboxEvent.state).where(OutboxEvent.subject_id == invoice.id))
