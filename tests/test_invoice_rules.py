"""The submission rules, through the one service the browser and the API share."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.integration.models import OutboxEvent
from app.invoices.models import Invoice, InvoiceFile, InvoiceLine, InvoiceStatus
from app.invoices.services import InvoiceRejected, InvoiceRequest, LineRequest, submit_invoice
from app.uploads import Upload
from tests.factories import PNG_BYTES, make_partner, make_purchase_order, make_user, pdf_bytes

TODAY = date(2026, 12, 3)


@pytest.fixture
def acme(app):
    partner = make_partner()
    return partner, make_user(partner), make_purchase_order(partner)


def request_for(order, quantities, number="INV-1", pdf=None, **overrides):
    values = dict(purchase_order_id=order.id, invoice_number=number, invoice_date="2026-12-01",
                  lines=[LineRequest(order.lines[i].id, q) for i, q in quantities],
                  invoice_pdf=Upload("invoice.pdf", pdf if pdf is not None else pdf_bytes()))
    values.update(overrides)
    return InvoiceRequest(**values)


def nothing_stored():
    for model in (Invoice, InvoiceLine, InvoiceFile, OutboxEvent):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def rejected(partner, user, request) -> dict[str, str]:
    with pytest.raises(InvoiceRejected) as info:
        submit_invoice(partner.id, request, actor=user, today=TODAY)
    db.session.rollback()
    return info.value.errors


def test_valid_invoice_writes_invoice_lines_files_audit_and_outbox(acme):
    partner, user, order = acme
    invoice = submit_invoice(partner.id, request_for(order, [(0, "12.5"), (1, Decimal("1"))]),
                             actor=user, today=TODAY)
    db.session.commit()
    assert invoice.status is InvoiceStatus.SUBMITTED
    assert [l.amount for l in invoice.lines] == [Decimal("1687.5000"), Decimal("140.0000")]
    assert invoice.amount_untaxed == Decimal("1827.5")
    assert invoice.files[0].content_type == "application/pdf"
    event = db.session.scalar(select(OutboxEvent))
    assert (event.topic, event.subject_id) == ("invoice.submitted", invoice.id)
    from app.integration.queue import get_queue, outbox_job_id
    assert get_queue().job_ids == [outbox_job_id(event.id)]  # enqueued by the commit, not before


def test_over_billing_is_refused_with_the_quantity_left(acme):
    partner, user, order = acme
    errors = rejected(partner, user, request_for(order, [(0, "40.01")]))
    assert errors == {"lines[0].quantity": "Quantity is more than the 40 left to bill on this line."}
    nothing_stored()


def test_quantities_in_flight_count_against_the_line(acme):
    partner, user, order = acme
    submit_invoice(partner.id, request_for(order, [(0, "30")]), actor=user, today=TODAY)
    db.session.commit()
    errors = rejected(partner, user, request_for(order, [(0, "10.5")], number="INV-2"))
    assert "10 left" in errors["lines[0].quantity"]


def test_already_billed_in_odoo_counts(app):
    partner = make_partner()
    user = make_user(partner)
    order = make_purchase_order(partner, lines=((27, "Pour", "40", "39", "135"),))
    errors = rejected(partner, user, request_for(order, [(0, "2")]))
    assert "1 left" in errors["lines[0].quantity"]


@pytest.mark.parametrize("quantity, message", [
    ("-1", "more than 0"), ("0", "more than 0"), ("1e30", "as a number"), (1e30, "left to bill"),
    (Decimal("1E+30"), "left to bill"), (-2.5, "more than 0"), ("NaN", "as a number"), ([1], "as a number"),
    ("Infinity", "as a number"), ("abc", "as a number"), ("1.234", "2 decimal places"), ("1_0", "as a number"), ("٣", "as a number"),
    ("", "Enter a quantity"), (True, "Enter a quantity"),
])
def test_bad_quantities_are_refused_and_nothing_is_stored(acme, quantity, message):
    partner, user, order = acme
    errors = rejected(partner, user, request_for(order, [(0, quantity)]))
    assert message in errors["lines[0].quantity"]
    nothing_stored()


@pytest.mark.parametrize("number", ["INV\u200b-1", "\u202eINV-1", "\ufeffINV-1", "INV\ud800", "x" * 65,
                                    True, 12345, None, ["INV-1"]])
def test_invisible_characters_and_non_text_numbers_are_refused(acme, number):
    partner, user, order = acme
    assert "invoice_number" in rejected(partner, user, request_for(order, [(0, "1")], number=number))
    nothing_stored()


def test_duplicate_invoice_number_is_refused_ignoring_case_and_spaces(acme):
    partner, user, order = acme
    submit_invoice(partner.id, request_for(order, [(0, "1")], number="INV-7"), actor=user, today=TODAY)
    db.session.commit()
    errors = rejected(partner, user, request_for(order, [(0, "1")], number="  inv-7 "))
    assert "already submitted invoice inv-7" in errors["invoice_number"]


def test_same_number_is_fine_for_another_partner(acme):
    partner, user, order = acme
    submit_invoice(partner.id, request_for(order, [(0, "1")], number="INV-7"), actor=user, today=TODAY)
    other = make_partner("Brightline Electrical Inc.", 46)
    other_order = make_purchase_order(other, odoo_id=14, number="P00014",
                                      lines=((40, "Wiring", "10", "0", "50"),))
    submit_invoice(other.id, request_for(other_order, [(0, "1")], number="INV-7"),
                   actor=make_user(other), today=TODAY)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 2


def test_text_file_named_pdf_is_refused(acme):
    partner, user, order = acme
    errors = rejected(partner, user, request_for(order, [(0, "1")], pdf=b"hello, I am not a PDF"))
    assert "not a readable PDF" in errors["invoice_pdf"]
    nothing_stored()


def test_truncated_pdf_header_only_is_refused(acme):
    partner, user, order = acme
    errors = rejected(partner, user, request_for(order, [(0, "1")], pdf=b"%PDF-1.7\n garbage"))
    assert "invoice_pdf" in errors


def test_pdf_over_the_size_limit_is_refused(acme, app):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    partner, user, order = acme
    errors = rejected(partner, user, request_for(order, [(0, "1")], pdf=pdf_bytes() + b" " * 2000))
    assert "larger than" in errors["invoice_pdf"]


def test_support_files_are_sniffed(acme):
    partner, user, order = acme
    bad = request_for(order, [(0, "1")], support_files=[Upload("photo.jpg", b"MZ\x90\x00 windows exe")])
    assert "Supporting files can be" in rejected(partner, user, bad)["support_files[0]"]
    good = request_for(order, [(0, "1")], support_files=[Upload("../../etc/photo.png", PNG_BYTES)])
    invoice = submit_invoice(partner.id, good, actor=user, today=TODAY)
    assert invoice.files[1].filename == "photo.png"
    assert invoice.files[1].content_type == "image/png"


def test_another_companys_purchase_order_looks_missing(acme):
    partner, user, _ = acme
    other = make_partner("Brightline Electrical Inc.", 46)
    other_order = make_purchase_order(other, odoo_id=14, number="P00014",
                                      lines=((40, "Wiring", "10", "0", "50"),))
    errors = rejected(partner, user, request_for(other_order, [(0, "1")]))
    assert errors == {"purchase_order_id": "Choose one of your purchase orders."}
    nothing_stored()


def test_lines_of_another_po_are_refused(acme):
    partner, user, order = acme
    second = make_purchase_order(partner, odoo_id=15, number="P00015",
                                 lines=((50, "Formwork", "10", "0", "20"),))
    request = request_for(order, [])
    request.lines = [LineRequest(second.lines[0].id, "1")]
    assert "not on the purchase order" in rejected(partner, user, request)["lines[0].purchase_order_line_id"]


def test_unconfirmed_po_is_refused(app):
    partner = make_partner()
    order = make_purchase_order(partner, state="cancelled")
    errors = rejected(partner, make_user(partner), request_for(order, [(0, "1")]))
    assert "not a confirmed purchase order" in errors["purchase_order_id"]


@pytest.mark.parametrize("raw, message", [
    ("2026-13-01", "real date"), ("yesterday", "real date"), ("2026-12-31", "future"),
    ("1999-01-01", "more recent"), (None, "real date"), ("2026-W48-1", "real date"),
    ("20261201", "real date"), (20261201, "real date"),
])
def test_bad_dates_are_refused(acme, raw, message):
    partner, user, order = acme
    assert message in rejected(partner, user, request_for(order, [(0, "1")], invoice_date=raw))["invoice_date"]


def test_every_problem_is_reported_at_once(acme):
    partner, user, order = acme
    errors = rejected(partner, user, request_for(order, [(0, "-2"), (1, "999")], number="",
                                                 invoice_date="nope", pdf=b"nope"))
    assert set(errors) == {"invoice_number", "invoice_date", "lines[0].quantity",
                           "lines[1].quantity", "invoice_pdf"}


def test_money_is_rounded_to_the_currency(app):
    partner = make_partner()
    order = make_purchase_order(partner, currency="JPY", lines=((27, "Bolts", "10", "0", "33.335"),))
    invoice = submit_invoice(partner.id, request_for(order, [(0, "0.5")]), actor=make_user(partner),
                             today=TODAY)
    assert invoice.lines[0].amount == Decimal("17")


def nested_page_tree_pdf(depth: int, fan: int = 3) -> bytes:
    """A tiny PDF whose page tree has fan**depth leaves: walking it would take minutes."""
    objects = ["<< /Type /Page /MediaBox [0 0 10 10] >>"]
    for level in range(depth):
        kids = " ".join([f"{len(objects)} 0 R"] * fan)
        objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {fan ** (level + 1)} >>")
    objects.append(f"<< /Type /Catalog /Pages {len(objects)} 0 R >>")
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj {obj} endobj\n".encode()
    xref = f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    trailer = f"trailer << /Size {len(objects) + 1} /Root {len(objects)} 0 R >>\nstartxref\n{len(body)}\n%%EOF\n"
    return body + xref.encode() + trailer.encode()


def test_pdf_check_does_not_walk_a_hostile_page_tree():
    from app.uploads import check_invoice_pdf
    checked = check_invoice_pdf(Upload("deep.pdf", nested_page_tree_pdf(depth=14)), max_bytes=10**6)
    assert checked.content_type == "application/pdf"


def test_html_pdf_polyglot_is_refused(acme):
    partner, user, order = acme
    polyglot = b"<html><script>alert(1)</script></html>\n" + pdf_bytes()
    assert "not a readable PDF" in rejected(partner, user, request_for(order, [(0, "1")], pdf=polyglot))["invoice_pdf"]
