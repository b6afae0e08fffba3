"""What an API key may reach and from where, its status, and when it was last used."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, false, or_, select, true, update

from app.credentials.models import ApiKey
from app.database import is_database_id, utcnow
from app.extensions import db
from app.invoices.models import Invoice
from app.purchasing.models import PurchaseOrder

# last_used_at/last_used_ip are written at most this often per key: no write per request.
LAST_USE_RESOLUTION = timedelta(minutes=1)
EXPIRING_SOON = timedelta(days=7)
MAX_NETWORKS = 50


class NetworkListError(ValueError):
    pass


@dataclass(frozen=True)
class KeyStatus:
    code: str   # active, expiring, expired, revoked, rotating
    label: str
    tone: str   # a status-<tone> CSS class


STATUS_CODES = ("active", "expiring", "rotating", "expired", "revoked")


def key_status(key: ApiKey, now: datetime | None = None) -> KeyStatus:
    now = now or utcnow()
    if key.revoked_at is not None:
        return KeyStatus("revoked", "Revoked", "muted")
    if key.expires_at is not None and key.expires_at <= now:
        return KeyStatus("expired", "Expired", "danger")
    if key.previous_secret_expires_at is not None and key.previous_secret_expires_at > now:
        return KeyStatus("rotating", "Rotating", "info")
    if key.expires_at is not None and key.expires_at - now <= EXPIRING_SOON:
        return KeyStatus("expiring", "Expiring soon", "danger")
    return KeyStatus("active", "Active", "success")


# IP allow-list ------------------------------------------------------------------------------

def parse_networks(text: str) -> list[str]:
    """One IP address or CIDR range per line (commas work too) → normalised CIDRs."""
    entries = [part.strip() for line in (text or "").splitlines() for part in line.split(",")]
    networks: list[str] = []
    for entry in filter(None, entries):
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError:
            raise NetworkListError(_network_hint(entry)) from None
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > MAX_NETWORKS:
        raise NetworkListError(f"At most {MAX_NETWORKS} addresses or ranges.")
    return networks


def _network_hint(entry: str) -> str:
    shown = entry if len(entry) <= 60 else entry[:60] + "…"
    try:
        loose = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return f"“{shown}” is not an IP address or CIDR range (e.g. 203.0.113.7 or 203.0.113.0/24)."
    return f"“{shown}” has host bits set; did you mean {loose}?"


def network_refusal(key: ApiKey, remote_addr: str | None) -> str | None:
    """Why this caller's address may not use the key, or None when it may."""
    if not key.allowed_networks:
        return None
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        address = None
    if address is not None and getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if address is not None and any(address in ipaddress.ip_network(n) for n in key.allowed_networks):
        return None
    return (f"This API key only works from its allowed IP addresses; this request came from "
            f"{remote_addr or 'an unknown address'}.")


# Purchase order / project restriction -------------------------------------------------------

def is_restricted(key: ApiKey) -> bool:
    return bool(key.allowed_purchase_order_ids or key.allowed_projects)


def allowed_purchase_order_filter(key: ApiKey) -> ColumnElement[bool]:
    """A WHERE clause on PurchaseOrder: the orders this key may see (all when unrestricted)."""
    if not is_restricted(key):
        return true()
    clauses = []
    if key.allowed_purchase_order_ids:
        clauses.append(PurchaseOrder.id.in_(key.allowed_purchase_order_ids))
    if key.allowed_projects:
        clauses.append(PurchaseOrder.project_name.in_(key.allowed_projects))
    return or_(*clauses) if clauses else false()


def allowed_invoice_filter(key: ApiKey) -> ColumnElement[bool]:
    if not is_restricted(key):
        return true()
    return Invoice.purchase_order_id.in_(
        select(PurchaseOrder.id).where(PurchaseOrder.partner_id == key.partner_id,
                                       allowed_purchase_order_filter(key)))


def allows_purchase_order(key: ApiKey, order: PurchaseOrder) -> bool:
    if not is_restricted(key):
        return True
    return (order.id in (key.allowed_purchase_order_ids or [])
            or (order.project_name is not None and order.project_name in (key.allowed_projects or [])))


def allows_purchase_order_id(key: ApiKey, purchase_order_id: object) -> bool:
    """For writes naming an order: only the company's own orders outside the restriction are
    refused here; anything else is left to the normal 'not one of your orders' answer."""
    if not is_restricted(key) or not is_database_id(purchase_order_id):
        return True
    order = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.id == purchase_order_id,
                                                          PurchaseOrder.partner_id == key.partner_id))
    return order is None or allows_purchase_order(key, order)


# Last use -----------------------------------------------------------------------------------

def record_key_use(key: ApiKey, remote_addr: str | None) -> None:
    """At most one write per key per minute; the conditional UPDATE keeps concurrent requests
    from all writing. Commits at once, before the view runs (its transaction is separate)."""
    now = utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USE_RESOLUTION:
        return
    cutoff = now - LAST_USE_RESOLUTION
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == key.id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < cutoff))
        .values(last_used_at=now, last_used_ip=(remote_addr or "")[:45] or None)
        .execution_options(synchronize_session=False))
    db.session.commit()
