"""Error classification, from recorded faults and from the cases no recording shows."""

from __future__ import annotations

import xmlrpc.client

import pytest

from app.odoo.errors import (
    OdooAmbiguousError,
    OdooAuthError,
    OdooPermanentError,
    OdooTransientError,
    error_from_http_status,
    error_from_json2,
    error_from_xmlrpc_fault,
    final_exception,
    is_none_result_fault,
)
from odoo_replay import RECORDINGS_17, RECORDINGS_19, load

COOLDOWN = "Too many login failures, please wait a bit before trying again."


def recorded_fault(folder, selector: str) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        xmlrpc.client.loads(load(folder, selector)[0].body)
    return raised.value


@pytest.mark.parametrize("folder", [RECORDINGS_19, RECORDINGS_17], ids=["odoo19", "odoo17"])
def test_legacy_endpoint_string_fault_for_a_wrong_password_is_an_auth_error(folder) -> None:
    fault = recorded_fault(folder, "xmlrpc:error_wrong_password_xmlrpc_v1")

    error = error_from_xmlrpc_fault(fault.faultCode, fault.faultString)

    assert type(error) is OdooAuthError
    assert error.message == "Access Denied"


def test_legacy_endpoint_warning_fault_names_the_class() -> None:
    error = error_from_xmlrpc_fault("warning -- MissingError\n\nRecord does not exist", "ignored")

    assert type(error) is OdooPermanentError
    assert (error.odoo_class, error.message) == ("MissingError", "Record does not exist")


@pytest.mark.parametrize(
    ("folder", "selector"),
    [(RECORDINGS_19, "xmlrpc:none_result_button_cancel"), (RECORDINGS_17, "xmlrpc:none_result_button_cancel")],
    ids=["odoo19", "odoo17"],
)
def test_cannot_marshal_none_is_recognised(folder, selector) -> None:
    fault = recorded_fault(folder, selector)

    assert is_none_result_fault(fault.faultCode, fault.faultString)


def test_other_type_errors_are_not_a_none_result() -> None:
    fault = recorded_fault(RECORDINGS_19, "xmlrpc:error_search_read_purchase_order_line_taxes_id")

    assert not is_none_result_fault(fault.faultCode, fault.faultString)
    assert not is_none_result_fault(2, "TypeError: cannot marshal None unless allow_none is enabled")


def test_final_exception_of_a_chained_traceback_is_the_last_one() -> None:
    fault = recorded_fault(RECORDINGS_19, "xmlrpc:common_authenticate_unknown_db")

    odoo_class, message = final_exception(fault.faultString)

    assert odoo_class == "psycopg2.OperationalError"
    assert message.startswith("connection to server at")


def test_final_exception_keeps_a_multi_line_message() -> None:
    traceback_text = (
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "    <source line redacted>\n"
        "odoo.exceptions.ValidationError: first line\n"
        "Model: 'Attachment' (ir.attachment)\n"
    )

    assert final_exception(traceback_text) == (
        "odoo.exceptions.ValidationError",
        "first line\nModel: 'Attachment' (ir.attachment)",
    )


def test_login_cooldown_is_transient_not_an_auth_error() -> None:
    xmlrpc_error = error_from_xmlrpc_fault(3, COOLDOWN)
    json2_error = error_from_json2(403, {"name": "odoo.exceptions.AccessDenied", "message": COOLDOWN})

    for error in (xmlrpc_error, json2_error):
        assert type(error) is OdooTransientError
        assert error.message == COOLDOWN


@pytest.mark.parametrize(
    "name",
    [
        "psycopg2.errors.SerializationFailure",
        "psycopg2.errors.DeadlockDetected",
        "psycopg2.errors.LockNotAvailable",
        "psycopg2.OperationalError",
        "odoo.exceptions.ConcurrencyError",
    ],
)
def test_json2_500_concurrency_and_database_errors_are_transient(name) -> None:
    error = error_from_json2(500, {"name": name, "message": "try again"})

    assert type(error) is OdooTransientError


@pytest.mark.parametrize(
    ("status", "name", "expected_class"),
    [
        (403, "odoo.exceptions.AccessError", OdooPermanentError),
        (403, "odoo.exceptions.AccessDenied", OdooAuthError),
        (409, "odoo.exceptions.LockError", OdooTransientError),
        (500, "odoo.exceptions.RedirectWarning", OdooPermanentError),
        (500, "builtins.KeyError", OdooPermanentError),
    ],
)
def test_json2_statuses_and_classes(status, name, expected_class) -> None:
    assert type(error_from_json2(status, {"name": name, "message": "m"})) is expected_class


def test_json2_redirect_warning_keeps_only_its_message() -> None:
    body = {
        "name": "odoo.exceptions.RedirectWarning",
        "message": "Duplicated vendor reference detected.\n{'id': 252}\nOpen list\nNone",
        "arguments": ["Duplicated vendor reference detected.", {"id": 252}, "Open list", None],
    }

    assert error_from_json2(500, body).message == "Duplicated vendor reference detected."


@pytest.mark.parametrize(
    ("status", "may_have_committed", "expected_class"),
    [
        (502, True, OdooAmbiguousError),
        (502, False, OdooTransientError),
        (504, True, OdooAmbiguousError),
        (500, False, OdooTransientError),
        (429, True, OdooTransientError),
        (401, True, OdooAuthError),
        (404, True, OdooPermanentError),
        (415, True, OdooPermanentError),
    ],
)
def test_http_errors_without_an_odoo_body(status, may_have_committed, expected_class) -> None:
    error = error_from_http_status(status, "Reason", may_have_committed=may_have_committed)

    assert type(error) is expected_class
    assert error.status == status


def test_unknown_fault_codes_are_permanent() -> None:
    assert type(error_from_xmlrpc_fault(7, "odd")) is OdooPermanentError
