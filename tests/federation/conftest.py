"""Two real OpenID providers for the session (the company's/shared one and a partner's own),
and a live app configured with the staff and shared-partner providers."""
from __future__ import annotations

import pytest

from tests.federation.idp import TestIdP
from tests.live import LiveServer

STAFF_CLIENT = ("rebar-staff", "staff-client-secret-0123456789")
SHARED_CLIENT = ("rebar-partners", "partners-client-secret-0123456789")


@pytest.fixture(scope="session")
def corp_idp_process():
    idp = TestIdP("127.0.0.1", "corp")
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def partner_idp_process():
    idp = TestIdP("localhost", "partner")
    yield idp
    idp.stop()


@pytest.fixture
def corp_idp(corp_idp_process):
    corp_idp_process.reset()
    return corp_idp_process


@pytest.fixture
def partner_idp(partner_idp_process):
    partner_idp_process.reset()
    return partner_idp_process


def provider_settings(issuer: str, client: tuple[str, str], audience: str) -> dict:
    return {"issuer": issuer, "client_id": client[0], "client_secret": client[1], "audience": audience}


@pytest.fixture
def live(app, corp_idp):
    """The app over HTTP with CSRF on; `corp` (staff) and `shared` (partners) on the corp IdP."""
    config = dict(app.config)
    config["OIDC_PROVIDERS"] = {
        **config.get("OIDC_PROVIDERS", {}),
        "corp": provider_settings(corp_idp.issuer, STAFF_CLIENT, "staff"),
        "shared": provider_settings(corp_idp.issuer, SHARED_CLIENT, "partners"),
    }
    server = LiveServer(config)
    server.app.config["PUBLIC_BASE_URL"] = server.url
    app.config["PUBLIC_BASE_URL"] = server.url
    app.config["OIDC_PROVIDERS"] = config["OIDC_PROVIDERS"]
    corp_idp.client(*STAFF_CLIENT, [f"{server.url}/auth/oidc/corp/callback"])
    corp_idp.client(*SHARED_CLIENT, [f"{server.url}/auth/oidc/shared/callback"])
    yield server
    server.stop()
