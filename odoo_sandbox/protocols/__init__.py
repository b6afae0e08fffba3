"""Odoo's wire protocols: XML-RPC, JSON-RPC and JSON-2."""
