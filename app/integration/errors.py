"""Delivery outcomes any outbox handler can raise (Odoo's own errors live in app.odoo.errors)."""


class TransientDeliveryError(Exception):
    """Worth another attempt later (the peer is down, busy or deferred)."""


class PermanentDeliveryError(Exception):
    """Will never succeed as it is; a person has to look."""
