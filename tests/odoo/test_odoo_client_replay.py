"""OdooClient against replayed Odoo 19 (JSON-2, XML-RPC) and Odoo 17 (XML-RPC)."""

from __future__ import annotations

import xmlrpc.client

import pytest

from app.odoo.client import OdooClient
from app.odoo.errors import (
    OdooAuthError,
    OdooError,
    OdooPermanentError,
    OdooTransientError,
)
from odoo_replay import Recording, ReplayServer, load, named_params
from odoo_targets import ODOO17_XMLRPC, ODOO19_JSON2, ODOO19_XMLRPC, TARGETS, Target

SCENARIOS = {
    ODOO19_JSON2.label: {
        "search_read": "json2:search_read_purchase_order",
        "po_lines": "json2:search_read_purchase_order_line",
        "create": "json2:create_vendor_bill",
        "message_post": "json2:message_post",
        "none_result": "json2:none_result_button_cancel",
    },
    ODOO19_XMLRPC.label: {
        "search_read": "xmlrpc:search_read_purchase_order",
        "po_lines": "xmlrpc:search_read_purchase_order_line",
        "create": "xmlrpc:create_vendor_bill",
        "message_post": "xmlrpc:message_post_with_attachment",
        "none_result": "xmlrpc:none_result_button_cancel",
    },
    ODOO17_XMLRPC.label: {
        "search_read": "xmlrpc:search_read_purchase_order",
        "po_lines": "xmlrpc:read_purchase_order_line",
        "create": "xmlrpc:create_vendor_bill",
        "message_post": "xmlrpc:message_post_with_attachment",
        "none_result": "xmlrpc:none_result_button_cancel",
    },
}

RECORDED_ERRORS = [
    (ODOO19_XMLRPC, "xmlrpc:error_search_read_purchase_order_line_taxes_id", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_create_invalid_partner", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_create_missing_required_attachment_name", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_create_missing_required_po_partner", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_nonexistent_model", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_nonexistent_method", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_private_method", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_wrong_password", OdooAuthError),
    (ODOO19_XMLRPC, "xmlrpc:error_wrong_uid", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_bad_domain", OdooPermanentError),
    (ODOO19_XMLRPC, "xmlrpc:error_write_posted_bill", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_create_invalid_partner", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_create_missing_required_attachment_name", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_nonexistent_model", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_nonexistent_method", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_bad_api_key", OdooAuthError),
    (ODOO19_JSON2, "json2:error_password_as_bearer", OdooAuthError),
    (ODOO19_JSON2, "json2:error_no_auth_header", OdooAuthError),
    (ODOO19_JSON2, "json2:error_unknown_field_taxes_id", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_bad_argument", OdooPermanentError),
    (ODOO19_JSON2, "json2:error_ids_on_model_method", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_read_purchase_order_line_tax_ids", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_read_purchase_order_line_19_names", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:duplicate_ref_post_second", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_create_invalid_partner", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_create_missing_required_attachment_name", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_create_missing_required_po_partner", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_nonexistent_model", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_nonexistent_method", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_private_method", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_wrong_password", OdooAuthError),
    (ODOO17_XMLRPC, "xmlrpc:error_wrong_uid", OdooPermanentError),
    (ODOO17_XMLRPC, "xmlrpc:error_bad_domain", OdooPermanentError),
]
REDIRECT_WARNING_MESSAGE = (
    "Duplicated vendor reference detected. "
    "You probably encoded twice the same vendor bill/credit note."
)
XMLRPC_TARGETS = (ODOO19_XMLRPC, ODOO17_XMLRPC)


def by_label(targets: tuple[Target, ...]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("target", targets, ids=[target.label for target in targets])


def scenario(target: Target, name: str) -> Recording:
    return load(target.folder, SCENARIOS[target.label][name])[0]


def start_client(target: Target, replay, recording: Recording) -> tuple[OdooClient, ReplayServer]:
    server = replay(target.recordings() + [recording])
    return target.client(server.url), server


def sent_as_recorded(server: ReplayServer, recording: Recording) -> bool:
    sent = server.received[-1].call
    return sent.key == recording.call.key and (sent.args, sent.kwargs) == (
        recording.call.args,
        recording.call.kwargs,
    )


def replay_recorded_call(client: OdooClient, recording: Recording):
    ids, params = named_params(recording.call)
    return client.call(recording.call.model, recording.call.method, ids, **params)


def expected_message(recording: Recording) -> str:
    if recording.protocol == "json2":
        return recording.decoded["message"]
    if recording.name == "duplicate_ref_post_second":
        return REDIRECT_WARNING_MESSAGE
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(recording.body)
    if fault.value.faultCode == 1:
        return recording.decoded["faultString_last_line"].split(": ", 1)[1]
    return fault.value.faultString


@by_label(TARGETS)
def test_search_read_returns_the_recorded_rows(target: Target, replay) -> None:
    recording = scenario(target, "search_read")
    client, server = start_client(target, replay, recording)
    _, params = named_params(recording.call)

    rows = client.search_read(
        recording.call.model, params["domain"], params["fields"], limit=params.get("limit")
    )

    assert rows == recording.result
    assert sent_as_recorded(server, recording)


@by_label(TARGETS)
def test_purchase_order_line_field_names_follow_the_server_version(target: Target, replay) -> None:
    recording = scenario(target, "po_lines")
    client, server = start_client(target, replay, recording)
    ids, params = named_params(recording.call)
    canonical_names = {"taxes_id": "tax_ids", "product_uom": "product_uom_id"}
    canonical = [canonical_names.get(name, name) for name in params["fields"]]

    fields = [client.field_name("purchase.order.line", name) for name in canonical]
    if ids is None:
        rows = client.search_read("purchase.order.line", params["domain"], fields, order=params.get("order"))
    else:
        rows = client.read("purchase.order.line", ids, fields)

    assert fields == params["fields"]
    assert rows == recording.result
    assert sent_as_recorded(server, recording)


@by_label(TARGETS)
def test_create_returns_the_new_id_as_an_int(target: Target, replay) -> None:
    recording = scenario(target, "create")
    client, _ = start_client(target, replay, recording)
    _, params = named_params(recording.call)
    values = params["vals_list"][0] if isinstance(params["vals_list"], list) else params["vals_list"]

    new_id = client.create("account.move", values)

    recorded = recording.result
    assert new_id == (recorded[0] if isinstance(recorded, list) else recorded)
    assert type(new_id) is int


@by_label(TARGETS)
def test_message_post_returns_the_message_id_as_an_int(target: Target, replay) -> None:
    recording = scenario(target, "message_post")
    client, server = start_client(target, replay, recording)
    ids, params = named_params(recording.call)

    message_id = client.message_post(
        "account.move", ids[0], body=params["body"], attachment_ids=params["attachment_ids"]
    )

    recorded = recording.result
    assert message_id == (recorded[0] if isinstance(recorded, list) else recorded)
    assert type(message_id) is int
    sent = server.calls("message_post")[-1].call
    sent_params = named_params(sent)[1]
    assert sent_params["subtype_xmlid"] == "mail.mt_note"
    assert sent_params["message_type"] == "comment"
    assert sent_params["body_is_html"] is True


@by_label(TARGETS)
def test_a_method_returning_none_is_a_success(target: Target, replay) -> None:
    recording = scenario(target, "none_result")
    client, server = start_client(target, replay, recording)
    ids, _ = named_params(recording.call)

    assert client.call("account.move", "button_cancel", ids) is None
    assert sent_as_recorded(server, recording)


@pytest.mark.parametrize(
    ("target", "selector", "expected_class"),
    RECORDED_ERRORS,
    ids=[f"{target.label}-{selector.split(':')[1]}" for target, selector, _ in RECORDED_ERRORS],
)
def test_recorded_errors_are_classified_with_odoo_message_kept(
    target: Target, selector: str, expected_class: type[OdooError], replay
) -> None:
    recording = load(target.folder, selector)[0]
    client, _ = start_client(target, replay, recording)

    with pytest.raises(OdooError) as raised:
        replay_recorded_call(client, recording)

    error = raised.value
    assert type(error) is expected_class
    assert error.message == expected_message(recording)
    assert "Traceback" not in error.message
    expected_status = recording.status if recording.protocol == "json2" else int(
        recording.decoded["faultCode"]
    )
    assert error.status == expected_status


def test_redirect_warning_on_odoo17_names_its_class(replay) -> None:
    recording = load(ODOO17_XMLRPC.folder, "xmlrpc:duplicate_ref_post_second")[0]
    client, _ = start_client(ODOO17_XMLRPC, replay, recording)

    with pytest.raises(OdooPermanentError) as raised:
        client.call("account.move", "action_post", [26])

    assert raised.value.odoo_class == "odoo.exceptions.RedirectWarning"


@by_label(XMLRPC_TARGETS)
def test_a_refused_login_is_an_auth_error(target: Target, replay) -> None:
    server = replay(load(target.folder, "xmlrpc:common_authenticate_bad_password"))
    client = target.client(server.url)

    with pytest.raises(OdooAuthError):
        client.search_read("purchase.order", [], ["name"])

    assert not server.calls("search_read")


@by_label(XMLRPC_TARGETS)
def test_an_unknown_database_is_a_transient_operational_error(target: Target, replay) -> None:
    """psycopg2.OperationalError is retried: it also covers a database server that is down."""
    server = replay(load(target.folder, "xmlrpc:common_authenticate_unknown_db"))
    client = target.client(server.url)

    with pytest.raises(OdooTransientError) as raised:
        client.search_read("purchase.order", [], ["name"])

    assert raised.value.odoo_class == "psycopg2.OperationalError"
    assert "Traceback" not in raised.value.message


@by_label(TARGETS)
def test_version_and_version_shims(target: Target, replay) -> None:
    server = replay(target.recordings())
    client = target.client(server.url)

    expected = (19, 0) if target.folder.name == "odoo-recordings" else (17, 0)
    assert client.version == expected
    assert client.confirmed_po_states == (("purchase",) if expected >= (19, 0) else ("purchase", "done"))
    assert client.version == expected
    assert len(server.calls("version")) == 1
