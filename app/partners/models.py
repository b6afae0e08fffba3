from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedString
from app.database import UTCDateTime, string_enum, utcnow
from app.extensions import db


class PartnerStatus(str, enum.Enum):
    """Where a company is in onboarding. Partners created by operators start approved."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class Partner(db.Model):
    """A subcontractor or supplier company; `odoo_partner_id` binds it to its Odoo vendor."""

    __tablename__ = "partners"
    # Odoo ids are unique per Odoo: a sandbox twin's vendor id may equal a live vendor's.
    __table_args__ = (UniqueConstraint("odoo_partner_id", "is_sandbox"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    odoo_partner_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[PartnerStatus] = mapped_column(string_enum(PartnerStatus, length=24),
                                                  default=PartnerStatus.APPROVED,
                                                  server_default=PartnerStatus.APPROVED.value)
    country_code: Mapped[str | None] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(50), index=True)
    street: Mapped[str | None] = mapped_column(String(200))
    street2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state_region: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    trades: Mapped[list[str]] = mapped_column(JSON, default=list)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terms_version: Mapped[str | None] = mapped_column(String(20))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff override of the API rate limit for the whole company, e.g. "600 per minute".
    api_rate_limit: Mapped[str | None] = mapped_column(String(100))
    # Test mode: a sandbox twin mirrors one real partner against the Odoo sandbox; its rows
    # (POs, invoices, rbr_test_ keys) live under its own id, so partner scoping keeps them apart.
    is_sandbox: Mapped[bool] = mapped_column(default=False, server_default=false())
    sandbox_of_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), unique=True)

    bank_accounts: Mapped[list["PartnerBankAccount"]] = relationship(
        back_populates="partner", order_by="PartnerBankAccount.id")
    sandbox_of: Mapped["Partner | None"] = relationship(remote_side=[id])

    @property
    def real_company(self) -> "Partner":
        """The company itself, also for its sandbox twin: whose owners, budget and settings apply."""
        return self.sandbox_of or self

    @property
    def is_approved(self) -> bool:
        return self.status is PartnerStatus.APPROVED

    @property
    def active_bank_account(self) -> "PartnerBankAccount | None":
        return next((account for account in self.bank_accounts
                     if account.status is BankAccountStatus.ACTIVE), None)

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name!r}>"


class BankAccountStatus(str, enum.Enum):
    """DRAFT: part of an application not yet approved. PENDING: a change by an approved
    partner waiting for two staff approvals. ACTIVE: the one account payments go to."""

    DRAFT = "draft"
    PENDING = "pending"
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class PartnerBankAccount(db.Model):
    """Remit-to bank details. Numbers are encrypted at rest and shown masked (`last4`)."""

    __tablename__ = "partner_bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    status: Mapped[BankAccountStatus] = mapped_column(string_enum(BankAccountStatus, length=16),
                                                      default=BankAccountStatus.DRAFT)
    account_holder: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    # An IBAN without spaces, or a US account number (then `routing_number` is the ABA number).
    account_number: Mapped[str] = mapped_column(EncryptedString)
    routing_number: Mapped[str | None] = mapped_column(EncryptedString)
    last4: Mapped[str] = mapped_column(String(4))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    odoo_bank_id: Mapped[int | None]

    partner: Mapped[Partner] = relationship(back_populates="bank_accounts")

    @property
    def masked_number(self) -> str:
        return f"•••• {self.last4}"
