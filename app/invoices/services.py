"""The one place where an invoice submission is checked and recorded (browser and API alike)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.database import is_database_id
from app.extensions import db
from app.i18n import quantity as format_quantity
from app.i18n import round_money
from app.integration import outbox
from app.invoices.models import FileKind, Invoice, InvoiceFile, InvoiceLine, InvoiceStatus
from app.purchasing.models import PurchaseOrder
from app.purchasing.services import (LineBalance, PurchaseOrderNotFound,
                                     get_partner_purchase_order, line_balances)
from app.uploads import Upload, UploadRejected, check_invoice_pdf, check_support_file

MAX_SUPPORT_FILES = 10
MAX_INVOICE_NUMBER_LENGTH = 64
CANONICAL_DECIMAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$", re.ASCII)
ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
EARLIEST_INVOICE_DATE = date(2000, 1, 1)


@dataclass
class LineRequest:
    purchase_order_line_id: Any
    quantity: Any


@dataclass
class InvoiceRequest:
    """What the caller sent, before any checking; values may be of any type."""

    purchase_order_id: Any
    invoice_number: Any
    invoice_date: Any
    lines: list[LineRequest]
    invoice_pdf: Upload | None
    support_files: list[Upload] = field(default_factory=list)


class InvoiceRejected(ValueError):
    """Field errors keyed by field path ('invoice_number', 'lines[0].quantity', 'invoice_pdf')."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _already_submitted(number: str) -> str:
    return _("You have already submitted invoice %(number)s. Use a new invoice number.", number=number)


def invoice_number_key(number: str) -> str:
    return " ".join(number.split()).casefold()


def parse_quantity(raw: Any, max_decimals: int) -> Decimal:
    """Canonical decimals only ('12.5', 12.5, Decimal); locale formats are the form's job."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise ValueError(_("Enter a quantity."))
    if isinstance(raw, str) and not CANONICAL_DECIMAL_RE.match(raw.strip()):
        raise ValueError(_("Enter the quantity as a number, like 12.5."))
    try:
        value = Decimal(str(raw).strip()) if isinstance(raw, (str, int, float, Decimal)) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(_("Enter the quantity as a number, like 12.5."))
    if value <= 0:
        raise ValueError(_("Quantity must be more than 0."))
    if value.as_tuple().exponent < -max_decimals:
        raise ValueError(_("Use at most %(n)s decimal places.", n=max_decimals))
    return value


def parse_invoice_date(raw: Any, today: date) -> date:
    if isinstance(raw, date):
        value = raw
    else:
        text = raw.strip() if isinstance(raw, str) else ""
        try:
            value = date.fromisoformat(text) if ISO_DATE_RE.match(text) else None
        except ValueError:
            value = None
        if value is None:
            raise ValueError(_("Enter the invoice date as a real date, like 2026-12-03."))
    if value > today + timedelta(days=1):
        raise ValueError(_("The invoice date cannot be in the future."))
    if value < EARLIEST_INVOICE_DATE:
        raise ValueError(_("Enter a more recent invoice date."))
    return value


def _check_number(partner_id: int, raw: Any, errors: dict[str, str]) -> str | None:
    number = " ".join(unicodedata.normalize("NFKC", raw).split()) if isinstance(raw, str) else ""
    if not number:
        errors["invoice_number"] = _("Enter your invoice number.")
        return None
    if len(number) > MAX_INVOICE_NUMBER_LENGTH or not number.isprintable():
        errors["invoice_number"] = _("Use at most %(n)s characters, without invisible or control "
                                     "characters.", n=MAX_INVOICE_NUMBER_LENGTH)
        return None
    if db.session.scalar(select(Invoice.id).where(Invoice.partner_id == partner_id,
                                                  Invoice.number_key == invoice_number_key(number))):
        errors["invoice_number"] = _already_submitted(number)
        return None
    return number


def _check_lines(request: InvoiceRequest, purchase_order: PurchaseOrder,
                 errors: dict[str, str]) -> list[tuple[LineBalance, Decimal]]:
    balances = {b.line.id: b for b in line_balances(purchase_order)}
    accepted: list[tuple[LineBalance, Decimal]] = []
    seen: set[int] = set()
    if not request.lines:
        errors["lines"] = _("Enter a quantity to bill on at least one line.")
    for index, line_request in enumerate(request.lines):
        balance = balances.get(line_request.purchase_order_line_id) \
            if is_database_id(line_request.purchase_order_line_id) else None
        if balance is None:
            errors[f"lines[{index}].purchase_order_line_id"] = _("This line is not on the purchase order.")
            continue
        if balance.line.id in seen:
            errors[f"lines[{index}].purchase_order_line_id"] = _("This line appears twice.")
            continue
        seen.add(balance.line.id)
        try:
            quantity = parse_quantity(line_request.quantity, current_app.config["QUANTITY_DECIMALS"])
        except ValueError as exc:
            errors[f"lines[{index}].quantity"] = str(exc)
            continue
        if quantity > balance.remaining_quantity:
            errors[f"lines[{index}].quantity"] = _(
                "Quantity is more than the %(left)s left to bill on this line.",
                left=format_quantity(balance.remaining_quantity))
            continue
        accepted.append((balance, quantity))
    return accepted


def _check_files(request: InvoiceRequest, errors: dict[str, str]) -> list[tuple[FileKind, Any]]:
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    checked: list[tuple[FileKind, Any]] = []
    if request.invoice_pdf is None:
        errors["invoice_pdf"] = _("Attach the invoice as a PDF.")
    else:
        try:
            checked.append((FileKind.INVOICE_PDF, check_invoice_pdf(request.invoice_pdf, max_bytes)))
        except UploadRejected as exc:
            errors["invoice_pdf"] = str(exc)
    if len(request.support_files) > MAX_SUPPORT_FILES:
        errors["support_files"] = _("Attach at most %(n)s supporting files.", n=MAX_SUPPORT_FILES)
        return checked
    for index, upload in enumerate(request.support_files):
        try:
            checked.append((FileKind.SUPPORT, check_support_file(upload, max_bytes)))
        except UploadRejected as exc:
            errors[f"support_files[{index}]"] = f"{upload.filename or 'File'}: {exc}"
    return checked


def submit_invoice(partner_id: int, request: InvoiceRequest, *, actor: Any, today: date) -> Invoice:
    """Check every rule, then add the invoice, its lines and files, an audit entry and the
    outbox event to the session. Raises InvoiceRejected with every problem at once.
    The caller commits; delivery to Odoo is enqueued after that commit."""
    errors: dict[str, str] = {}
    try:
        purchase_order = get_partner_purchase_order(partner_id, request.purchase_order_id,
                                                    for_update=True)
    except PurchaseOrderNotFound:
        raise InvoiceRejected({"purchase_order_id": _("Choose one of your purchase orders.")}) from None
    if not purchase_order.is_confirmed:
        raise InvoiceRejected({"purchase_order_id": _("%(number)s is not a confirmed purchase order.",
                                                      number=purchase_order.number)})
    number = _check_number(partner_id, request.invoice_number, errors)
    try:
        invoice_date = parse_invoice_date(request.invoice_date, today)
    except ValueError as exc:
        errors["invoice_date"] = str(exc)
    lines = _check_lines(request, purchase_order, errors)
    files = _check_files(request, errors)
    if errors:
        raise InvoiceRejected(errors)
    return _record_invoice(partner_id, purchase_order, number, invoice_date, lines, files, actor)


def _record_invoice(partner_id, purchase_order, number, invoice_date, lines, files, actor) -> Invoice:
    currency = purchase_order.currency_code
    invoice = Invoice(partner_id=partner_id, purchase_order=purchase_order, number=number,
                      number_key=invoice_number_key(number), invoice_date=invoice_date,
                      currency_code=currency, status=InvoiceStatus.SUBMITTED,
                      amount_untaxed=Decimal(0))
    _set_submitter(invoice, actor)
    for balance, quantity in lines:
        amount = round_money(quantity * balance.line.unit_price, currency)
        invoice.lines.append(InvoiceLine(purchase_order_line=balance.line, quantity=quantity,
                                         unit_price=balance.line.unit_price, amount=amount))
        invoice.amount_untaxed += amount
    used_names: set[str] = set()
    for kind, checked in files:
        invoice.files.append(InvoiceFile(kind=kind, filename=_unique_name(checked.filename, used_names),
                                         size=checked.size,
                                         content_type=checked.content_type,
                                         sha256=checked.sha256, content=checked.content))
    db.session.add(invoice)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvoiceRejected({"invoice_number": _already_submitted(number)}) from None
    audit.record("invoice.submitted", actor=actor, partner_id=partner_id, subject=invoice,
                 number=number, purchase_order=purchase_order.number,
                 amount_untaxed=str(invoice.amount_untaxed))
    outbox.publish("invoice.submitted", invoice, partner_id=partner_id)
    return invoice


def _unique_name(filename: str, used: set[str]) -> str:
    """Phones call every photo image.jpg; within one invoice each file needs its own name."""
    stem, _, extension = filename.rpartition(".")
    candidate, counter = filename, 1
    while candidate.casefold() in used:
        counter += 1
        candidate = f"{stem}-{counter}.{extension}"
    used.add(candidate.casefold())
    return candidate


def _set_submitter(invoice: Invoice, actor: Any) -> None:
    from app.auth.models import User
    from app.credentials.models import ApiKey

    if isinstance(actor, User):
        invoice.submitted_by_user_id = actor.id
    elif isinstance(actor, ApiKey):
        invoice.submitted_by_api_key_id = actor.id


def partner_invoices(partner_id: int) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.partner_id == partner_id)
                                   .order_by(Invoice.created_at.desc(), Invoice.id.desc())))


class InvoiceNotFound(LookupError):
    """Missing or another company's: callers answer 404 either way."""


def get_partner_invoice(partner_id: int, invoice_id: object) -> Invoice:
    if not is_database_id(invoice_id):
        raise InvoiceNotFound(invoice_id)
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id,
                                                      Invoice.partner_id == partner_id))
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    return invoice
