"""OdooClient's own logic, over a fake transport (no network)."""

from __future__ import annotations

from typing import Any

import pytest

from app.odoo.client import OdooClient
from app.odoo.errors import OdooPermanentError


class FakeTransport:
    """Answers every call with `answer` and remembers what it was asked."""

    def __init__(self, version: tuple[int, int], answer: Any = None) -> None:
        self.version = version
        self.answer = answer
        self.calls: list[dict[str, Any]] = []
        self.version_requests = 0

    def call(self, model, method, args=None, kwargs=None, ids=None, context=None) -> Any:
        self.calls.append(dict(model=model, method=method, args=args, kwargs=kwargs, ids=ids, context=context))
        return self.answer

    def server_version(self) -> tuple[int, int]:
        self.version_requests += 1
        return self.version


@pytest.mark.parametrize(
    ("version", "tax_field", "uom_field", "po_states"),
    [
        ((16, 0), "taxes_id", "product_uom", ("purchase", "done")),
        ((17, 0), "taxes_id", "product_uom", ("purchase", "done")),
        ((18, 0), "taxes_id", "product_uom", ("purchase", "done")),
        ((18, 4), "tax_ids", "product_uom_id", ("purchase",)),
        ((19, 0), "tax_ids", "product_uom_id", ("purchase",)),
    ],
)
def test_version_shims(version, tax_field, uom_field, po_states) -> None:
    client = OdooClient(FakeTransport(version))

    assert client.field_name("purchase.order.line", "tax_ids") == tax_field
    assert client.field_name("purchase.order.line", "product_uom_id") == uom_field
    assert client.field_name("account.move.line", "tax_ids") == "tax_ids"
    assert client.field_name("purchase.order.line", "name") == "name"
    assert client.confirmed_po_states == po_states


def test_version_is_asked_once() -> None:
    transport = FakeTransport((17, 0))
    client = OdooClient(transport)

    assert client.version == client.version == (17, 0)
    assert transport.version_requests == 1


@pytest.mark.parametrize(("version", "sends_body_is_html"), [((16, 0), False), ((17, 0), True), ((19, 0), True)])
def test_message_post_sends_body_is_html_only_from_17(version, sends_body_is_html) -> None:
    transport = FakeTransport(version, answer=[653])

    message_id = OdooClient(transport).message_post("account.move", 57, body="<p>Hi</p>")

    assert message_id == 653
    sent = transport.calls[-1]
    assert sent["ids"] == [57]
    assert ("body_is_html" in sent["kwargs"]) is sends_body_is_html
    assert sent["kwargs"]["subtype_xmlid"] == "mail.mt_note"
    assert "attachment_ids" not in sent["kwargs"]


@pytest.mark.parametrize("fields", [[], (), "name"])
def test_reads_must_name_their_fields(fields) -> None:
    client = OdooClient(FakeTransport((19, 0), answer=[]))

    with pytest.raises(ValueError):
        client.search_read("purchase.order", [], fields)
    with pytest.raises(ValueError):
        client.read("purchase.order", [1], fields)


def test_read_of_no_ids_asks_nothing() -> None:
    transport = FakeTransport((19, 0))

    assert OdooClient(transport).read("purchase.order", [], ["name"]) == []
    assert transport.calls == []


def test_search_read_sends_only_the_options_given() -> None:
    transport = FakeTransport((19, 0), answer=[])

    OdooClient(transport).search_read("purchase.order", [("id", "=", 1)], ["name"], limit=5)

    assert transport.calls[-1]["kwargs"] == {"domain": [("id", "=", 1)], "fields": ["name"], "limit": 5}


@pytest.mark.parametrize("answer", [57, [57]])
def test_create_normalises_the_id(answer) -> None:
    transport = FakeTransport((19, 0), answer=answer)

    assert OdooClient(transport).create("account.move", {"ref": "A"}) == 57
    assert transport.calls[-1]["kwargs"] == {"vals_list": [{"ref": "A"}]}


@pytest.mark.parametrize("answer", [[], [1, 2], True, None, False])
def test_create_refuses_an_answer_that_is_not_one_id(answer) -> None:
    with pytest.raises(OdooPermanentError):
        OdooClient(FakeTransport((19, 0), answer=answer)).create("account.move", {})


def test_write_and_call_pass_ids_and_context() -> None:
    transport = FakeTransport((19, 0), answer=True)
    client = OdooClient(transport)

    assert client.write("account.move", [57], {"ref": "B"}, context={"lang": "en_US"}) is None
    client.call("account.move", "action_post", 57)
    client.call("res.users", "context_get", None)

    write, post, model_call = transport.calls
    assert (write["ids"], write["kwargs"], write["context"]) == ([57], {"vals": {"ref": "B"}}, {"lang": "en_US"})
    assert (post["method"], post["ids"], post["kwargs"]) == ("action_post", [57], {})
    assert model_call["ids"] is None
