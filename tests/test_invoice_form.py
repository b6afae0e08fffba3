"""The browser form: errors beside fields, what was typed kept, never a 500."""
import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.invoices.models import Invoice
from tests.factories import login, make_partner, make_purchase_order, make_user, pdf_bytes


@pytest.fixture
def signed_in(client, app):
    partner = make_partner()
    order = make_purchase_order(partner)
    login(client, make_user(partner))
    return client, order


def form_data(order, q0="", q1="", number="INV-100", date="2026-12-01", pdf=None):
    return {
        "invoice_number": number, "invoice_date": date,
        "lines-0-purchase_order_line_id": str(order.lines[0].id), "lines-0-quantity": q0,
        "lines-1-purchase_order_line_id": str(order.lines[1].id), "lines-1-quantity": q1,
        "invoice_pdf": (io.BytesIO(pdf if pdf is not None else pdf_bytes()), "invoice.pdf"),
    }


def test_choose_po_then_form_lists_every_line(signed_in):
    client, order = signed_in
    page = client.get("/invoices/new").get_data(as_text=True)
    assert "P00013" in page
    page = client.get(f"/invoices/new?purchase_order={order.id}").get_data(as_text=True)
    assert "Concrete pour (m3) - level 1" in page and "Concrete pour (m3) - level 2" in page
    assert "Submit invoice to Summit Builders Inc." in page
    assert 'inputmode="decimal"' in page


def test_valid_submission_redirects_to_the_invoice(signed_in):
    client, order = signed_in
    response = client.post(f"/invoices/new?purchase_order={order.id}", data=form_data(order, q0="12.5"),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invoice INV-100 was submitted." in page and "Submitted" in page


def test_locale_formatted_quantity_is_parsed_for_that_locale(signed_in):
    client, order = signed_in
    response = client.post(f"/invoices/new?purchase_order={order.id}", data=form_data(order, q0="12,5"),
                           content_type="multipart/form-data", headers={"Accept-Language": "es"})
    assert response.status_code == 302
    assert str(db.session.scalar(select(Invoice)).lines[0].quantity.normalize()) == "12.5"


def test_errors_show_beside_fields_and_typed_values_are_kept(signed_in):
    client, order = signed_in
    response = client.post(f"/invoices/new?purchase_order={order.id}",
                           data=form_data(order, q0="41", q1="2", number="INV-<b>9</b>", pdf=b"not a pdf"),
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert 'href="#lines-0-quantity"' in page
    assert "Quantity is more than the 40 left to bill on this line." in page
    assert "not a readable PDF" in page
    assert 'value="41"' in page and 'value="2"' in page
    assert "INV-&lt;b&gt;9&lt;/b&gt;" in page and "<b>9</b>" not in page
    assert "choose the invoice PDF and any supporting files again" in page
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_no_lines_filled_in(signed_in):
    client, order = signed_in
    response = client.post(f"/invoices/new?purchase_order={order.id}", data=form_data(order),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Enter a quantity to bill on at least one line." in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("lines-0-purchase_order_line_id", "abc"), ("lines-0-purchase_order_line_id", "99999"),
    ("invoice_date", "not-a-date"), ("lines-0-quantity", "1e30"), ("lines-0-quantity", "-5"),
    ("invoice_number", "x" * 500), ("lines-0-purchase_order_line_id", "²"),
    ("lines-0-quantity", "1_0"), ("invoice_number", "INV\u200b-1"), ("invoice_date", "2026-W48-1"),
])
def test_tampered_or_absurd_values_get_a_clear_error_not_a_500(signed_in, field, value):
    client, order = signed_in
    data = form_data(order, q0="1")
    data[field] = value
    response = client.post(f"/invoices/new?purchase_order={order.id}", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_double_submit_creates_one_invoice(signed_in):
    client, order = signed_in
    first = client.post(f"/invoices/new?purchase_order={order.id}", data=form_data(order, q0="1"),
                        content_type="multipart/form-data")
    second = client.post(f"/invoices/new?purchase_order={order.id}", data=form_data(order, q0="1"),
                         content_type="multipart/form-data")
    assert first.status_code == 302 and second.status_code == 422
    assert "already submitted invoice INV-100" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_request_over_the_size_limit_gets_a_page(app, signed_in):
    client, order = signed_in
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post(f"/invoices/new?purchase_order={order.id}",
                           data=form_data(order, q0="1", pdf=pdf_bytes() + b"0" * 20_000),
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "must be under" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/purchase-orders/99999999999999999999999", "/invoices/99999999999999999999999",
                                  "/invoices/99999999999999999999999/files/1",
                                  "/invoices/new?purchase_order=99999999999999999999999"])
def test_out_of_range_ids_are_404_not_500(signed_in, path):
    client, _ = signed_in
    assert client.get(path).status_code == 404


def test_po_page_shows_balances_and_last_sync(signed_in):
    client, order = signed_in
    page = client.get(f"/purchase-orders/{order.id}").get_data(as_text=True)
    assert re.search(r"Left to bill", page) and "$5,400.00" in page and "Last synced" in page
