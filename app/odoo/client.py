"""OdooClient: the only Odoo API the rest of Rebar uses.

It hides the differences between protocols (JSON-2 answers `create` with [id], XML-RPC
with id) and between versions (renamed fields, purchase order states, message_post).
Every read names its fields: Odoo would otherwise send every field of the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from app.odoo.errors import OdooPermanentError
from app.odoo.settings import OdooSettings
from app.odoo.transport import Transport, make_transport


class _RenamedField(NamedTuple):
    old_name: str
    renamed_in: tuple[int, int]


_RENAMED_FIELDS: dict[tuple[str, str], _RenamedField] = {
    ("purchase.order.line", "product_uom_id"): _RenamedField("product_uom", (18, 1)),
    ("purchase.order.line", "tax_ids"): _RenamedField("taxes_id", (18, 2)),
}
PO_DONE_STATE_REMOVED_IN = (18, 3)
BODY_IS_HTML_SINCE = (17, 0)


class OdooClient:
    """Typed ORM calls over any Transport."""

    def __init__(self, transport: Transport, *, is_sandbox: bool = False) -> None:
        self._transport = transport
        self._version: tuple[int, int] | None = None
        # Talks to the test-mode Odoo sandbox: what it creates is bound as sandbox records.
        self.is_sandbox = is_sandbox

    def __repr__(self) -> str:
        return f"OdooClient({self._transport!r})"

    @property
    def version(self) -> tuple[int, int]:
        """Odoo's (major, minor). The first access asks the server once, then it is cached."""
        if self._version is None:
            self._version = self._transport.server_version()
        return self._version

    @property
    def confirmed_po_states(self) -> tuple[str, ...]:
        """States of a confirmed purchase order: 19 replaced 'done' by a `locked` flag."""
        if self.version >= PO_DONE_STATE_REMOVED_IN:
            return ("purchase",)
        return ("purchase", "done")

    def field_name(self, model: str, canonical: str) -> str:
        """The name this server uses for a field Rebar knows by its Odoo 19 name."""
        renamed = _RENAMED_FIELDS.get((model, canonical))
        if renamed and self.version < renamed.renamed_in:
            return renamed.old_name
        return canonical

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: dict | None = None,
    ) -> list[dict]:
        params: dict[str, Any] = {"domain": list(domain), "fields": _field_list(fields)}
        params.update(_given(offset=offset or None, limit=limit, order=order))
        return self._transport.call(model, "search_read", kwargs=params, context=context)

    def read(
        self, model: str, ids: Iterable[int], fields: Sequence[str], *, context: dict | None = None
    ) -> list[dict]:
        """Records that exist among `ids`; Odoo silently leaves out missing ones."""
        id_list = list(ids)
        field_list = _field_list(fields)
        if not id_list:
            return []
        return self._transport.call(
            model, "read", kwargs={"fields": field_list}, ids=id_list, context=context
        )

    def search(
        self,
        model: str,
        domain: Sequence[Any],
        *,
        order: str | None = None,
        limit: int | None = None,
        context: dict | None = None,
    ) -> list[int]:
        params: dict[str, Any] = {"domain": list(domain), **_given(limit=limit, order=order)}
        return self._transport.call(model, "search", kwargs=params, context=context)

    def create(self, model: str, values: dict, *, context: dict | None = None) -> int:
        """Create one record and return its id."""
        result = self._transport.call(
            model, "create", kwargs={"vals_list": [values]}, context=context
        )
        return _single_id(result, f"{model}.create")

    def write(
        self, model: str, ids: Iterable[int], values: dict, *, context: dict | None = None
    ) -> None:
        self._transport.call(
            model, "write", kwargs={"vals": values}, ids=list(ids), context=context
        )

    def call(
        self,
        model: str,
        method: str,
        ids: Iterable[int] | int | None,
        *,
        context: dict | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call a public method such as action_post or button_cancel.

        `ids=None` calls a model-level method. A method that returns None answers None
        on every protocol (over XML-RPC Odoo reports it as a fault after committing).
        """
        return self._transport.call(
            model, method, kwargs=kwargs, ids=_id_list(ids), context=context
        )

    def message_post(
        self,
        model: str,
        record_id: int,
        *,
        body: str,
        attachment_ids: Sequence[int] = (),
        subtype_xmlid: str = "mail.mt_note",
        message_type: str = "comment",
        context: dict | None = None,
    ) -> int:
        """Post a chatter message and return the mail.message id.

        `body` is HTML, sanitised by Odoo: escape untrusted text first
        (markupsafe.escape). Odoo 17+ would escape a plain str unless told it is HTML.
        """
        params: dict[str, Any] = {"body": body}
        if attachment_ids:
            params["attachment_ids"] = [int(attachment_id) for attachment_id in attachment_ids]
        params.update(message_type=message_type, subtype_xmlid=subtype_xmlid)
        if self.version >= BODY_IS_HTML_SINCE:
            params["body_is_html"] = True
        result = self._transport.call(
            model, "message_post", kwargs=params, ids=[record_id], context=context
        )
        return _single_id(result, f"{model}.message_post")


def client_from_settings(settings: OdooSettings,
                         known_version: tuple[int, int] | None = None) -> OdooClient:
    """A client over the transport that settings.protocol names (no request is sent yet)."""
    return OdooClient(make_transport(settings, known_version))


def _field_list(fields: Sequence[str]) -> list[str]:
    if isinstance(fields, str) or not fields:
        raise ValueError("name the fields to read: with none, Odoo sends every field")
    return list(fields)


def _given(**params: Any) -> dict[str, Any]:
    return {name: value for name, value in params.items() if value is not None}


def _id_list(ids: Iterable[int] | int | None) -> list[int] | None:
    if ids is None:
        return None
    if isinstance(ids, int):
        return [ids]
    return list(ids)


def _single_id(result: Any, what: str) -> int:
    """JSON-2 and Odoo 19 RPC answer [id] where Odoo 16 to 18 RPC answer id."""
    if isinstance(result, list) and len(result) == 1:
        result = result[0]
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    raise OdooPermanentError(f"{what} returned {result!r} instead of one id")
