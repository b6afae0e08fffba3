"""The replayed Odoo servers the connector is tested against."""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from app.odoo.client import OdooClient
from app.odoo.settings import OdooSettings
from app.odoo.transport import Json2Transport, XmlRpcTransport
from odoo_replay import RECORDINGS_17, RECORDINGS_19, Recording, load


@dataclass(frozen=True)
class Target:
    """One replayed Odoo: a recordings folder and the protocol the client speaks to it."""

    label: str
    folder: Path
    protocol: str
    base: tuple[str, ...]

    def recordings(self, *selectors: str) -> list[Recording]:
        return load(self.folder, *self.base, *selectors)

    def settings(self, url: str, **overrides: object) -> OdooSettings:
        db, login, api_key, _ = xmlrpc.client.loads(
            load(self.folder, "xmlrpc:common_authenticate_apikey")[0].request_body
        )[0]
        values = dict(url=url, db=db, login=login, api_key=api_key, protocol=self.protocol, timeout=5.0)
        values.update(overrides)
        return OdooSettings(**values)  # type: ignore[arg-type]

    def transport(self, url: str, **overrides: object) -> Json2Transport | XmlRpcTransport:
        settings = self.settings(url, **overrides)
        transport_class = Json2Transport if self.protocol == "json2" else XmlRpcTransport
        return transport_class(settings)

    def client(self, url: str, **overrides: object) -> OdooClient:
        return OdooClient(self.transport(url, **overrides))


ODOO19_JSON2 = Target("odoo19-json2", RECORDINGS_19, "json2", ("xmlrpc:common_version",))
ODOO19_XMLRPC = Target(
    "odoo19-xmlrpc", RECORDINGS_19, "xmlrpc",
    ("xmlrpc:common_version", "xmlrpc:common_authenticate_apikey"),
)
ODOO17_XMLRPC = Target(
    "odoo17-xmlrpc", RECORDINGS_17, "xmlrpc",
    ("xmlrpc:common_version", "xmlrpc:common_authenticate_apikey"),
)
TARGETS = (ODOO19_JSON2, ODOO19_XMLRPC, ODOO17_XMLRPC)
