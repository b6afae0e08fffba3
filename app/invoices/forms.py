from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import FieldList, Form, FormField, HiddenField, StringField

from app.forms import PortalForm
from app.invoices.services import InvoiceRequest, LineRequest
from app.uploads import Upload


_ASCII_DIGITS = re.compile(r"^[0-9]{1,10}$", re.ASCII)


class InvoiceLineForm(Form):
    purchase_order_line_id = HiddenField()
    quantity = StringField(_l("Quantity to bill"),
                           render_kw={"inputmode": "decimal", "autocomplete": "off", "size": 10})


class InvoiceForm(PortalForm):
    invoice_number = StringField(_l("Your invoice number"),
                                 render_kw={"autocomplete": "off", "size": 24, "maxlength": 64})
    invoice_date = StringField(_l("Invoice date"), render_kw={"type": "date", "autocomplete": "off"})
    lines = FieldList(FormField(InvoiceLineForm))
    invoice_pdf = FileField(_l("Invoice PDF"), render_kw={"accept": "application/pdf,.pdf"})
    support_files = MultipleFileField(
        _l("Supporting files (optional)"),
        render_kw={"accept": "application/pdf,image/*,.xlsx,.docx"})


def parse_locale_quantity(raw: str) -> Decimal | str:
    """Parse as the user's locale writes numbers; hand back the text if it is not one
    (the service then says so). Only ASCII digits and the locale's own separators count."""
    locale = str(get_locale())
    text = raw.strip()
    allowed = set("0123456789") | {get_decimal_symbol(locale), get_group_symbol(locale)}
    if not text or not set(text) <= allowed:
        return raw
    try:
        return parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, ValueError):
        return raw


def _upload(storage) -> Upload | None:
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return Upload(filename=storage.filename, content=storage.read())


def to_invoice_request(form: InvoiceForm, purchase_order_id: int) -> tuple[InvoiceRequest, list[int]]:
    """Only CSRF is checked by WTForms here; every business rule is the service's.
    Returns the service's request, and for each of its lines the index of the form row it came from."""
    lines, row_of_line = [], []
    for row_index, row in enumerate(form.lines.entries):
        raw = (row.form.quantity.data or "").strip()
        if not raw:
            continue
        line_id = row.form.purchase_order_line_id.data
        lines.append(LineRequest(purchase_order_line_id=int(line_id) if _ASCII_DIGITS.match(line_id or "") else line_id,
                                 quantity=parse_locale_quantity(raw)))
        row_of_line.append(row_index)
    support = [u for u in (_upload(s) for s in (form.support_files.data or [])) if u]
    request = InvoiceRequest(
        purchase_order_id=purchase_order_id, invoice_number=form.invoice_number.data,
        invoice_date=form.invoice_date.data,
        lines=lines, invoice_pdf=_upload(form.invoice_pdf.data), support_files=support)
    return request, row_of_line
