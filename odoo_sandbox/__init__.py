"""Odoo sandbox: a small server speaking Odoo 17/19 wire protocols (XML-RPC, JSON-RPC,
JSON-2) for the models and methods Rebar's connector uses. See docs/odoo-sandbox.md."""
from .config import SandboxConfig
from .server import SandboxApp, create_sandbox_app, serve_in_thread

__all__ = ["SandboxApp", "SandboxConfig", "create_sandbox_app", "serve_in_thread"]
