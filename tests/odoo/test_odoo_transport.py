"""Transports: failures on the wire, request shapes, protocol detection, logging."""

from __future__ import annotations

import json
import logging
import time
import xmlrpc.client

import pytest

from app.odoo.client import OdooClient
from app.odoo.errors import (
    OdooAmbiguousError,
    OdooPermanentError,
    OdooTransientError,
)
from app.odoo.settings import OdooSettings
from app.odoo.transport import (
    AutoTransport,
    Json2Transport,
    XmlRpcTransport,
    make_transport,
    parse_server_version,
)
from odoo_replay import Recording, load, refused_url
from odoo_targets import ODOO17_XMLRPC, ODOO19_JSON2, ODOO19_XMLRPC, TARGETS, Target

SHORT_TIMEOUT = 0.3
GATEWAY_PAGE = "<html><body><h1>503 Service Unavailable</h1></body></html>"
HTML_HEADERS = [("Content-Type", "text/html")]


def by_label(targets: tuple[Target, ...]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("target", targets, ids=[target.label for target in targets])


def one(target: Target, selector: str) -> Recording:
    return load(target.folder, selector)[0]


def create_bill(client: OdooClient) -> int:
    return client.create("account.move", {"move_type": "in_invoice", "partner_id": 45})


def read_orders(client: OdooClient) -> list[dict]:
    return client.search_read("purchase.order", [], ["name"])


@by_label(TARGETS)
def test_a_server_that_never_answers_is_ambiguous_within_the_timeout(target, silent_server) -> None:
    server = silent_server()
    client = target.client(server.url, timeout=SHORT_TIMEOUT)

    started = time.monotonic()
    with pytest.raises(OdooAmbiguousError):
        create_bill(client)

    assert time.monotonic() - started < SHORT_TIMEOUT + 1.5


@by_label(TARGETS)
def test_a_connection_dropped_before_the_answer_is_ambiguous_and_not_resent(
    target, silent_server
) -> None:
    server = silent_server(drop=True)
    client = target.client(server.url)

    with pytest.raises(OdooAmbiguousError):
        create_bill(client)

    time.sleep(0.1)
    assert server.requests_seen == 1


@by_label(TARGETS)
def test_a_refused_connection_is_transient_but_not_ambiguous(target) -> None:
    client = target.client(refused_url())

    with pytest.raises(OdooTransientError) as raised:
        create_bill(client)

    assert not isinstance(raised.value, OdooAmbiguousError)


@by_label(TARGETS)
def test_http_503_on_a_read_is_transient(target, replay) -> None:
    selector = f"{target.protocol}:search_read_purchase_order"
    unavailable = one(target, selector).with_response(status=503, body=GATEWAY_PAGE, headers=HTML_HEADERS)
    client = target.client(replay(target.recordings() + [unavailable]).url)

    with pytest.raises(OdooTransientError) as raised:
        read_orders(client)

    assert raised.value.status == 503
    assert not isinstance(raised.value, OdooAmbiguousError)


@by_label(TARGETS)
def test_http_503_on_a_create_is_ambiguous(target, replay) -> None:
    selector = f"{target.protocol}:create_vendor_bill"
    unavailable = one(target, selector).with_response(status=503, body=GATEWAY_PAGE, headers=HTML_HEADERS)
    client = target.client(replay(target.recordings() + [unavailable]).url)

    with pytest.raises(OdooAmbiguousError):
        create_bill(client)


def test_json2_500_serialization_failure_is_transient(replay) -> None:
    recorded = one(ODOO19_JSON2, "json2:error_unknown_field_taxes_id")
    body = json.loads(recorded.body)
    body.update(
        name="psycopg2.errors.SerializationFailure",
        message="could not serialize access due to concurrent update",
        arguments=["could not serialize access due to concurrent update"],
    )
    conflict = recorded.with_response(body=json.dumps(body))
    client = ODOO19_JSON2.client(replay([conflict]).url)

    with pytest.raises(OdooTransientError) as raised:
        client.search_read("purchase.order.line", [("order_id", "=", 13)], ["name"])

    assert raised.value.status == 500
    assert raised.value.odoo_class == "psycopg2.errors.SerializationFailure"


def test_json2_409_lock_error_is_transient(replay) -> None:
    recorded = one(ODOO19_JSON2, "json2:error_create_missing_required_attachment_name")
    body = json.loads(recorded.body) | {"name": "odoo.exceptions.LockError", "message": "locked"}
    locked = recorded.with_response(status=409, body=json.dumps(body))
    client = ODOO19_JSON2.client(replay([locked]).url)

    with pytest.raises(OdooTransientError):
        client.create("ir.attachment", {"name": "x.pdf"})


@by_label((ODOO19_XMLRPC, ODOO17_XMLRPC))
def test_xmlrpc_fault_1_with_a_serialization_failure_is_transient(target, replay) -> None:
    selector = {
        ODOO19_XMLRPC.label: "xmlrpc:error_search_read_purchase_order_line_taxes_id",
        ODOO17_XMLRPC.label: "xmlrpc:error_read_purchase_order_line_tax_ids",
    }[target.label]
    recorded = one(target, selector)
    last_line = recorded.decoded["faultString_last_line"]
    conflict_line = "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"
    conflict = recorded.with_response(body=recorded.body.replace(last_line, conflict_line))
    client = target.client(replay(target.recordings() + [conflict]).url)

    with pytest.raises(OdooTransientError) as raised:
        client.call(recorded.call.model, recorded.call.method, None)

    assert raised.value.odoo_class == "psycopg2.errors.SerializationFailure"
    assert raised.value.message == "could not serialize access due to concurrent update"


def test_xmlrpc_create_sends_the_values_positionally_like_the_odoo17_recording(replay) -> None:
    recorded = one(ODOO17_XMLRPC, "xmlrpc:create_vendor_bill")
    values = recorded.call.args[0]
    server = replay(ODOO17_XMLRPC.recordings() + [recorded])
    transport = ODOO17_XMLRPC.transport(server.url)

    assert transport.call("account.move", "create", kwargs={"vals_list": values}) == 25

    sent = server.calls("create")[-1]
    settings = ODOO17_XMLRPC.settings(server.url)
    recorded_password = xmlrpc.client.loads(recorded.request_body)[0][2]
    assert sent.body.replace(settings.api_key, recorded_password) == recorded.request_body


def test_client_create_over_xmlrpc_puts_the_values_first_never_as_a_keyword(replay) -> None:
    recorded = one(ODOO17_XMLRPC, "xmlrpc:create_vendor_bill")
    values = recorded.call.args[0]
    server = replay(ODOO17_XMLRPC.recordings() + [recorded])

    assert ODOO17_XMLRPC.client(server.url).create("account.move", values, context={"lang": "en_US"}) == 25

    sent = server.calls("create")[-1].call
    assert sent.args == [[values]]
    assert sent.kwargs == {"context": {"lang": "en_US"}}


def test_json2_sends_bearer_key_database_and_named_parameters(replay) -> None:
    recorded = one(ODOO19_JSON2, "json2:search_read_purchase_order")
    server = replay([recorded])
    settings = ODOO19_JSON2.settings(server.url)
    domain, fields = recorded.call.kwargs["domain"], recorded.call.kwargs["fields"]

    ODOO19_JSON2.client(server.url).search_read("purchase.order", domain, fields)

    sent = server.received[-1]
    assert sent.path == "/json/2/purchase.order/search_read"
    assert sent.headers["Authorization"] == f"bearer {settings.api_key}"
    assert sent.headers["X-Odoo-Database"] == settings.db
    assert sent.headers["Content-Type"].startswith("application/json")
    assert sent.headers["User-Agent"].startswith("Rebar")
    assert json.loads(sent.body) == json.loads(recorded.request_body)


def test_json2_refuses_positional_arguments() -> None:
    transport = ODOO19_JSON2.transport(refused_url())

    with pytest.raises(TypeError):
        transport.call("account.move", "create", args=[{"name": "x"}])


def test_xmlrpc_logs_in_once_per_transport(replay) -> None:
    recordings = ODOO19_XMLRPC.recordings("xmlrpc:search_read_purchase_order")
    server = replay(recordings)
    client = ODOO19_XMLRPC.client(server.url)

    read_orders(client)
    read_orders(client)

    assert len(server.calls("authenticate")) == 1
    assert len(server.calls("search_read")) == 2


@pytest.mark.parametrize(
    ("target", "expected_class"),
    [(ODOO19_XMLRPC, Json2Transport), (ODOO17_XMLRPC, XmlRpcTransport)],
    ids=["odoo19-json2", "odoo17-xmlrpc"],
)
def test_auto_detection_picks_json2_on_19_and_xmlrpc_on_17(target, expected_class, replay) -> None:
    server = replay(load(target.folder, "xmlrpc:common_version"))
    transport = make_transport(target.settings(server.url, protocol="auto"))

    assert isinstance(transport, AutoTransport)
    assert not server.received
    assert isinstance(transport.resolve(), expected_class)
    assert transport.resolve() is transport.resolve()
    assert transport.server_version() == ((19, 0) if expected_class is Json2Transport else (17, 0))
    assert len(server.calls("version")) == 1


def test_auto_detection_uses_json2_from_saas_18_4(replay) -> None:
    recorded = one(ODOO19_XMLRPC, "xmlrpc:common_version")
    saas_version = {
        "server_version": "saas~18.4",
        "server_version_info": ["saas~18", 4, 0, "final", 0, ""],
        "server_serie": "saas~18.4",
        "protocol_version": 1,
    }
    saas = recorded.with_response(body=xmlrpc.client.dumps((saas_version,), methodresponse=True))
    transport = AutoTransport(ODOO19_XMLRPC.settings(replay([saas]).url))

    assert isinstance(transport.resolve(), Json2Transport)
    assert transport.server_version() == (18, 4)


@pytest.mark.parametrize(
    ("version_info", "expected"),
    [
        ([19, 0, 0, "final", 0, ""], (19, 0)),
        ([17, 0, 0, "final", 0, ""], (17, 0)),
        (["saas~18.4", 0, 0, "final", 0, ""], (18, 4)),
        (["saas~18", 4, 0, "final", 0, ""], (18, 4)),
        ("saas~18.4", (18, 4)),
        ("16.0", (16, 0)),
    ],
)
def test_parse_server_version(version_info, expected) -> None:
    assert parse_server_version(version_info) == expected


@by_label(TARGETS)
def test_logs_carry_model_method_and_time_but_never_the_key(target, replay, caplog) -> None:
    selector = f"{target.protocol}:search_read_purchase_order"
    server = replay(target.recordings(selector, f"{target.protocol}:error_nonexistent_model"))
    settings = target.settings(server.url)
    client = target.client(server.url)
    caplog.set_level(logging.DEBUG, logger="rebar.odoo")

    read_orders(client)
    with pytest.raises(OdooPermanentError):
        client.search_read("x_no.such.model", [], ["id"])

    records = [record for record in caplog.records if record.name == "rebar.odoo"]
    assert {(record.odoo_model, record.odoo_method) for record in records} >= {
        ("purchase.order", "search_read"),
        ("x_no.such.model", "search_read"),
    }
    assert all(record.elapsed_ms >= 0 for record in records)
    assert settings.api_key not in caplog.text
    assert settings.api_key not in repr(make_transport(settings))


def test_repr_of_a_client_hides_the_key() -> None:
    settings = OdooSettings("http://127.0.0.1:9", "db", "bot", "secret-key-123", protocol="json2")

    assert "secret-key-123" not in repr(OdooClient(make_transport(settings)))


def test_json2_never_sends_back_a_session_cookie(replay) -> None:
    """Odoo 19 refuses (403) a session_id cookie together with X-Odoo-Database."""
    recorded = one(ODOO19_JSON2, "json2:search_read_purchase_order")
    with_cookie = recorded.with_response(
        headers=recorded.headers + [("Set-Cookie", "session_id=abc123; Path=/; HttpOnly")]
    )
    server = replay([with_cookie])
    client = ODOO19_JSON2.client(server.url)

    read_orders(client)
    read_orders(client)

    assert "Cookie" not in server.received[-1].headers
