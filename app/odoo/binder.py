"""Binder: which Odoo record a portal record became (unique both ways)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.integration.models import OdooBinding


def odoo_id_for(local_type: str, local_id: int, odoo_model: str) -> int | None:
    return db.session.scalar(select(OdooBinding.odoo_id).where(
        OdooBinding.local_type == local_type, OdooBinding.local_id == local_id,
        OdooBinding.odoo_model == odoo_model))


def local_id_for(local_type: str, odoo_model: str, odoo_id: int, *,
                 is_sandbox: bool = False) -> int | None:
    return db.session.scalar(select(OdooBinding.local_id).where(
        OdooBinding.local_type == local_type, OdooBinding.odoo_model == odoo_model,
        OdooBinding.odoo_id == odoo_id, OdooBinding.is_sandbox.is_(is_sandbox)))


def bind(local_type: str, local_id: int, odoo_model: str, odoo_id: int, *,
         is_sandbox: bool = False) -> None:
    """Record the binding and commit at once: after a remote create, this row is what stops
    a re-run from creating the record a second time."""
    db.session.add(OdooBinding(local_type=local_type, local_id=local_id,
                               odoo_model=odoo_model, odoo_id=odoo_id, is_sandbox=is_sandbox))
    db.session.commit()


def bound_local_ids(local_type: str, odoo_model: str) -> dict[int, int]:
    """Local id → Odoo id for every binding of one kind."""
    return dict(db.session.execute(select(OdooBinding.local_id, OdooBinding.odoo_id).where(
        OdooBinding.local_type == local_type, OdooBinding.odoo_model == odoo_model)).all())
