"""The models the sandbox emulates, by Odoo model name."""
from __future__ import annotations

from ..orm import BaseModel
from .account import AccountMove, AccountMoveLine
from .base import (AccountAccount, AccountJournal, AccountTax, MailMessageSubtype, ProductProduct,
                   ProjectProject, ResCompany, ResCurrency, ResPartner, ResUsers, UomUom)
from .mail import IrAttachment, MailMessage
from .partner import ResBank, ResCountry, ResCountryState, ResPartnerBank
from .purchase import PurchaseOrder, PurchaseOrderLine

MODEL_CLASSES: tuple[type[BaseModel], ...] = (
    ResPartner, ResCompany, ResCurrency, ResUsers, UomUom, ProductProduct, ProjectProject, AccountTax,
    AccountAccount, AccountJournal, PurchaseOrder, PurchaseOrderLine, AccountMove,
    AccountMoveLine, IrAttachment, MailMessage, MailMessageSubtype, ResPartnerBank, ResBank,
    ResCountry, ResCountryState,
)
REGISTRY: dict[str, type[BaseModel]] = {cls._name: cls for cls in MODEL_CLASSES}
