"""API keys self-service: owners create, rotate and revoke keys; staff see and revoke all;
expiry, rotation grace, IP allow-list and PO/project limits are enforced by the API."""
from __future__ import annotations

import base64
import json
import logging
import re
import zlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import Role
from app.credentials.models import ApiKey
from app.credentials.reminders import send_expiry_reminders
from app.database import utcnow
from app.extensions import db
from app.invoices.services import InvoiceRequest, LineRequest, submit_invoice
from app.mail.models import OutgoingEmail
from app.uploads import Upload
from tests.factories import login, make_api_key, make_partner, make_purchase_order, make_user, pdf_bytes

SECRET_RE = re.compile(r"rbr_live_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
READ_WRITE = ["purchase_orders:read", "invoices:read", "invoices:write"]


@pytest.fixture
def partner(app):
    return make_partner()


@pytest.fixture
def owner(partner):
    return make_user(partner, email="owner@acme.example")


@pytest.fixture
def owner_client(app, owner):
    return login(app.test_client(), owner)


def _in_days(days: int) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


def _create(owner_client, **fields):
    data = {"name": "ERP export", "scopes": READ_WRITE, "expires_on": _in_days(30), "allowed_networks": ""}
    data.update(fields)
    return owner_client.post("/api-keys/new", data=data)


def _create_key(owner_client, **fields) -> str:
    response = _create(owner_client, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return SECRET_RE.search(response.get_data(as_text=True)).group(0)


def _key(secret: str) -> ApiKey:
    db.session.expire_all()
    return db.session.scalar(select(ApiKey).where(ApiKey.public_id == secret.split("_")[2]))


def _api(client, secret: str, path: str = "/api/v1/purchase-orders", *, method: str = "GET",
         ip: str = "127.0.0.1", body=None):
    return client.open(path, method=method, headers={"Authorization": f"Bearer {secret}"},
                       json=body, environ_base={"REMOTE_ADDR": ip})


# Creating ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"scopes": []}, "Choose at least one scope."),
    ({"scopes": ["invoices:read", "admin:everything"]}, "Choose from the list."),
    ({"name": ""}, "Give the key a name."),
    ({"expires_on": ""}, "Choose the date the key stops working."),
    ({"expires_on": "2020-01-01"}, "Choose a date after today."),
    ({"expires_on": "not a date"}, "Not a valid date value."),
    ({"expires_on": _in_days(366)}, "Keys can live at most 365 days"),
    ({"allowed_networks": "203.0.113.7\n10.0.0.300"}, "“10.0.0.300” is not an IP address or CIDR range"),
    ({"allowed_networks": "10.0.0.5/24"}, "did you mean 10.0.0.0/24?"),
    ({"purchase_orders": ["999"]}, "Choose from the list."),
    ({"purchase_orders": ["abc"]}, "could not be coerced"),
    ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_create_form_errors_keep_the_form_and_make_no_key(owner_client, fields, message):
    response = _create(owner_client, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.replace("&#34;", '"').replace("&#39;", "'")
    assert f'value="{fields.get("name", "ERP export")}"' in html
    assert db.session.scalar(select(ApiKey)) is None


@pytest.mark.config(API_KEY_MAX_DAYS=30)
def test_maximum_lifetime_is_configurable(owner_client):
    assert "at most 30 days" in _create(owner_client, expires_on=_in_days(31)).get_data(as_text=True)
    assert _create(owner_client, expires_on=_in_days(30)).status_code == 200


def test_secret_is_shown_once_never_cached_and_works(owner_client, owner):
    response = _create(owner_client, allowed_networks="127.0.0.1\n2001:db8::/32")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = SECRET_RE.search(html).group(0)
    assert "shown only once" in html and "copy-secret.js" in html
    key = _key(secret)
    assert key.created_by_user_id == owner.id
    assert key.expires_at.date() == date.fromisoformat(_in_days(30))
    assert key.allowed_networks == ["127.0.0.1/32", "2001:db8::/32"]
    assert secret.split("_", 3)[3] not in key.secret_hmac

    assert _api(owner_client, secret).status_code == 200
    for page in ("/api-keys", f"/api-keys/{key.id}"):
        again = owner_client.get(page).get_data(as_text=True)
        assert secret not in again and secret.split("_", 3)[3] not in again
        assert f"rbr_live_{key.public_id}_…" in again


def test_list_shows_prefix_scopes_creator_dates_last_use_and_status(owner_client, owner, partner):
    secret = _create_key(owner_client, name="Nightly sync")
    assert _api(owner_client, secret, ip="198.51.100.4").status_code == 200
    cli_key = make_api_key(partner)
    keys = {name: _key(s) for name, s in (("mine", secret), ("cli", cli_key))}
    html = owner_client.get("/api-keys").get_data(as_text=True)
    row = html.split(f'id="api-key-{keys["mine"].id}"')[1].split("</tr>")[0]
    assert "Nightly sync" in row and f"rbr_live_{keys['mine'].public_id}_…" in row
    assert all(scope in row for scope in READ_WRITE)
    assert "owner@acme.example" in row and "from 198.51.100.4" in row and "Active" in row
    cli_row = html.split(f'id="api-key-{keys["cli"].id}"')[1].split("</tr>")[0]
    assert "command line" in cli_row and "Never (older key)" in cli_row and "Never" in cli_row

    now = utcnow()
    keys["mine"].expires_at = now + timedelta(days=3)
    db.session.commit()
    assert "Expiring soon" in owner_client.get("/api-keys").get_data(as_text=True)
    keys["mine"].expires_at = now - timedelta(minutes=1)
    db.session.commit()
    assert "Expired" in owner_client.get("/api-keys").get_data(as_text=True)


def test_last_use_is_written_at_most_once_a_minute(owner_client):
    secret = _create_key(owner_client)
    assert _api(owner_client, secret, ip="198.51.100.1").status_code == 200
    first = _key(secret).last_used_at
    assert _api(owner_client, secret, ip="198.51.100.2").status_code == 200
    key = _key(secret)
    assert (key.last_used_at, key.last_used_ip) == (first, "198.51.100.1")
    key.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert _api(owner_client, secret, ip="198.51.100.2").status_code == 200
    key = _key(secret)
    assert key.last_used_ip == "198.51.100.2" and key.last_used_at > first


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_every_change_needs_the_csrf_token(app, owner):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    from tests.factories import totp_code
    assert client.post("/login", data={"email": owner.email, "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 302
    client.post("/login/two-step", data={"code": totp_code(owner), "csrf_token": token})
    assert client.get("/api-keys").status_code == 200
    response = client.post("/api-keys/new", data={"name": "x", "scopes": ["invoices:read"],
                                                  "expires_on": _in_days(5)})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiKey)) is None


# Rotating, revoking, expiry -------------------------------------------------------------------

def test_rotation_keeps_the_old_secret_for_the_grace_period_only(owner_client):
    old = _create_key(owner_client)
    key = _key(old)
    response = owner_client.post(f"/api-keys/{key.id}/rotate", data={"grace": "1h"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = SECRET_RE.search(response.get_data(as_text=True)).group(0)
    assert new != old and new.split("_")[2] == old.split("_")[2]
    assert _api(owner_client, new).status_code == 200
    assert _api(owner_client, old).status_code == 200
    assert "Rotating" in owner_client.get("/api-keys").get_data(as_text=True)

    key = _key(old)
    assert key.previous_secret_expires_at - utcnow() > timedelta(minutes=59)
    key.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused = _api(owner_client, old)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("api-key-rotated")
    assert _api(owner_client, new).status_code == 200
    assert [e.details["grace_seconds"] for e in _entries("api_key.rotated")] == [3600]


def test_rotation_without_grace_ends_the_old_secret_at_once(owner_client):
    old = _create_key(owner_client)
    assert owner_client.post(f"/api-keys/{_key(old).id}/rotate", data={"grace": "forever"}).status_code == 302
    assert _api(owner_client, old).status_code == 200 and _key(old).rotated_at is None
    response = owner_client.post(f"/api-keys/{_key(old).id}/rotate", data={"grace": "none"})
    new = SECRET_RE.search(response.get_data(as_text=True)).group(0)
    assert _api(owner_client, old).status_code == 401
    assert _api(owner_client, new).status_code == 200


def test_revoke_is_immediate_even_for_a_secret_in_grace(owner_client):
    old = _create_key(owner_client)
    key_id = _key(old).id
    new = SECRET_RE.search(owner_client.post(f"/api-keys/{key_id}/rotate", data={"grace": "7d"})
                           .get_data(as_text=True)).group(0)
    response = owner_client.post(f"/api-keys/{key_id}/revoke")
    assert response.status_code == 302
    for secret in (old, new):
        refused = _api(owner_client, secret)
        assert refused.status_code == 401 and "revoked" in refused.json["detail"]
    assert "Revoked" in owner_client.get("/api-keys").get_data(as_text=True)
    assert owner_client.post(f"/api-keys/{key_id}/rotate", data={"grace": "1h"}).status_code == 302
    assert _key(old).rotated_at is not None and len(_entries("api_key.rotated")) == 1


def test_expired_key_gets_401_saying_so(owner_client):
    secret = _create_key(owner_client)
    key = _key(secret)
    key.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused = _api(owner_client, secret)
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert "expired" in refused.json["detail"] and refused.json["type"].endswith("api-key-expired")
    assert "WWW-Authenticate" in refused.headers


def test_older_keys_without_expiry_keep_working(client, partner):
    secret = make_api_key(partner)
    assert _key(secret).expires_at is None
    assert _api(client, secret).status_code == 200


def test_ip_allow_list(owner_client):
    secret = _create_key(owner_client, allowed_networks="203.0.113.0/24\n2001:db8::1")
    denied = _api(owner_client, secret, ip="198.51.100.7")
    assert denied.status_code == 403 and denied.mimetype == "application/problem+json"
    assert denied.json["type"].endswith("ip-not-allowed") and "198.51.100.7" in denied.json["detail"]
    assert _api(owner_client, secret, ip="203.0.113.200").status_code == 200
    assert _api(owner_client, secret, ip="2001:db8::1").status_code == 200
    assert _api(owner_client, secret, ip="::ffff:203.0.113.9").status_code == 200


# PO / project restriction ---------------------------------------------------------------------

@pytest.fixture
def three_orders(partner):
    tower = make_purchase_order(partner, odoo_id=13, number="P00013", lines=((27, "Pour", "40", "0", "135"),))
    mall = make_purchase_order(partner, odoo_id=14, number="P00014", lines=((28, "Rebar", "10", "0", "90"),))
    loose = make_purchase_order(partner, odoo_id=15, number="P00015", lines=((29, "Forms", "5", "0", "50"),))
    tower.project_name, mall.project_name = "Tower A", "Mall"
    db.session.commit()
    return tower, mall, loose


def _invoice_body(order, number: str) -> dict:
    return {"purchase_order_id": order.id, "invoice_number": number, "invoice_date": "2026-12-01",
            "lines": [{"purchase_order_line_id": order.lines[0].id, "quantity": "1"}],
            "attachments": [{"filename": "inv.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}]}


def test_key_limited_to_a_project_and_an_order_sees_only_those(owner_client, owner, partner, three_orders):
    tower, mall, loose = three_orders
    other = submit_invoice(partner.id, InvoiceRequest(mall.id, "M-1", "2026-12-01",
                                                      [LineRequest(mall.lines[0].id, "1")],
                                                      Upload("m.pdf", pdf_bytes())),
                           actor=owner, today=date(2026, 12, 3))
    db.session.commit()
    form = owner_client.get("/api-keys/new").get_data(as_text=True)
    assert "Tower A" in form and "P00015" in form
    secret = _create_key(owner_client, projects=["Tower A"], purchase_orders=[str(loose.id)])
    assert _key(secret).allowed_projects == ["Tower A"]

    listed = _api(owner_client, secret).json
    assert sorted(o["id"] for o in listed["data"]) == [tower.id, loose.id]
    assert _api(owner_client, secret, f"/api/v1/purchase-orders/{mall.id}").status_code == 404
    assert _api(owner_client, secret, f"/api/v1/purchase-orders/{tower.id}").status_code == 200

    refused = _api(owner_client, secret, "/api/v1/invoices", method="POST", body=_invoice_body(mall, "X-1"))
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "purchase_order_id"
    created = _api(owner_client, secret, "/api/v1/invoices", method="POST", body=_invoice_body(tower, "T-1"))
    assert created.status_code == 201, created.json

    invoice_ids = [i["id"] for i in _api(owner_client, secret, "/api/v1/invoices").json["data"]]
    assert invoice_ids == [created.json["id"]]
    assert _api(owner_client, secret, f"/api/v1/invoices/{other.id}").status_code == 404
    assert _api(owner_client, secret, f"/api/v1/invoices/{other.id}/cancel", method="POST").status_code == 404


def test_restriction_to_another_companys_project_is_refused(owner_client, three_orders):
    stranger = make_partner("Brightline Electrical Inc.", 46)
    theirs = make_purchase_order(stranger, odoo_id=99, number="P00099", lines=((90, "Wire", "1", "0", "5"),))
    theirs.project_name = "Secret Project"
    db.session.commit()
    assert _create(owner_client, projects=["Secret Project"]).status_code == 400
    assert _create(owner_client, purchase_orders=[str(theirs.id)]).status_code == 400


# Who may manage --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.PARTNER_VIEWER, Role.PARTNER_BILLING])
def test_only_owners_manage_keys(app, partner, owner_client, role):
    secret = _create_key(owner_client)
    key_id = _key(secret).id
    colleague = login(app.test_client(), make_user(partner, role=role))
    assert colleague.get("/api-keys").status_code == 403
    assert colleague.get("/api-keys/new").status_code == 403
    assert colleague.post("/api-keys/new", data={"name": "x"}).status_code == 403
    assert colleague.get(f"/api-keys/{key_id}").status_code == 403
    assert colleague.post(f"/api-keys/{key_id}/rotate", data={"grace": "none"}).status_code == 403
    assert colleague.post(f"/api-keys/{key_id}/revoke").status_code == 403
    assert colleague.get("/staff/api-keys").status_code == 403
    assert "/api-keys" not in colleague.get("/team").get_data(as_text=True).split("<main")[0]
    assert _api(colleague, secret).status_code == 200


def test_other_companys_key_is_not_found(app, owner_client):
    stranger = make_partner("Brightline Electrical Inc.", 46)
    their_owner = make_user(stranger, email="owner@brightline.example")
    their_secret = _create_key(login(app.test_client(), their_owner))
    key_id = _key(their_secret).id
    assert owner_client.get(f"/api-keys/{key_id}").status_code == 404
    assert owner_client.post(f"/api-keys/{key_id}/rotate", data={"grace": "none"}).status_code == 404
    assert owner_client.post(f"/api-keys/{key_id}/revoke").status_code == 404
    assert "owner@brightline.example" not in owner_client.get("/api-keys").get_data(as_text=True)
    assert _api(owner_client, their_secret).status_code == 200


def test_staff_see_every_company_filter_and_revoke(app, owner_client, partner):
    mine = _create_key(owner_client, name="Acme ERP")
    stranger = make_partner("Brightline Electrical Inc.", 46)
    theirs = make_api_key(stranger)
    revoked = _key(make_api_key(stranger))
    revoked.revoked_at = utcnow()
    db.session.commit()
    staff = login(app.test_client(), make_user(None, email="staff@rebar.example", role=Role.STAFF_ADMIN))
    page = staff.get("/staff/api-keys").get_data(as_text=True)
    assert "Acme ERP" in page and "Brightline Electrical Inc." in page and "Acme Concrete LLC" in page
    assert mine not in page
    filtered = staff.get(f"/staff/api-keys?company={stranger.id}&status=active").get_data(as_text=True)
    assert f"api-key-{_key(theirs).id}" in filtered
    assert f"api-key-{_key(mine).id}" not in filtered and f"api-key-{revoked.id}" not in filtered
    assert staff.get("/staff/api-keys?company=abc&status=bogus").status_code == 200

    response = staff.post(f"/staff/api-keys/{_key(mine).id}/revoke")
    assert response.status_code == 302
    assert _api(staff, mine).status_code == 401
    entry = _entries("api_key.revoked")[-1]
    assert entry.actor_label == "staff@rebar.example" and entry.partner_id == partner.id
    assert staff.post("/staff/api-keys/999999/revoke").status_code == 404
    assert owner_client.post(f"/staff/api-keys/{_key(theirs).id}/revoke").status_code == 403


# Reminders -------------------------------------------------------------------------------------

def test_expiry_reminder_goes_to_owners_once(app, owner_client, partner):
    second_owner = make_user(partner, email="second@acme.example")
    make_user(partner, email="billing@acme.example", role=Role.PARTNER_BILLING)
    soon = _key(_create_key(owner_client, name="Soon"))
    later = _key(_create_key(owner_client, name="Later", expires_on=_in_days(20)))
    fresh = _key(_create_key(owner_client, name="Made short", expires_on=_in_days(3)))
    now = utcnow()
    soon.created_at, soon.expires_at = now - timedelta(days=60), now + timedelta(days=6)
    db.session.commit()

    assert send_expiry_reminders() == 1
    assert send_expiry_reminders() == 0
    mails = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.template == "api_key_expiring")).all()
    assert sorted(m.to_address for m in mails) == ["owner@acme.example", second_owner.email]
    assert "Soon" in mails[0].subject and f"/api-keys/{soon.id}" in mails[0].text_body
    assert f"rbr_live_{soon.public_id}_…" in mails[0].html_body
    assert db.session.get(ApiKey, later.id).expiry_reminder_sent_at is None
    assert db.session.get(ApiKey, fresh.id).expiry_reminder_sent_at is None


# Secrets never leak ----------------------------------------------------------------------------

def test_secret_never_in_logs_job_payloads_audit_or_mail(app, owner_client, partner, caplog):
    from app.integration.queue import get_redis

    order = make_purchase_order(partner)
    caplog.set_level(logging.DEBUG)
    secret = _create_key(owner_client, name="Leak check")
    secret_part = secret.split("_", 3)[3]
    assert _api(owner_client, secret, "/api/v1/invoices", method="POST",
                body=_invoice_body(order, "L-1")).status_code == 201
    assert _api(owner_client, secret, "/api/v1/invoices", method="POST", body={"lines": "x"}).status_code == 422
    assert _api(owner_client, secret[:-1] + ("A" if secret[-1] != "A" else "B")).status_code == 401
    assert _api(owner_client, secret, "/api/v1/purchase-orders?api_key=" + secret).status_code == 400
    rotated = SECRET_RE.search(owner_client.post(f"/api-keys/{_key(secret).id}/rotate", data={"grace": "1h"})
                               .get_data(as_text=True)).group(0)
    key = _key(secret)
    key.created_at, key.expires_at = utcnow() - timedelta(days=60), utcnow() + timedelta(days=2)
    db.session.commit()
    assert send_expiry_reminders() == 1

    needles = {secret_part, rotated.split("_", 3)[3]}
    haystacks = {"logs": caplog.text}
    haystacks["audit"] = json.dumps([e.details for e in db.session.scalars(select(AuditEntry))])
    haystacks["mail"] = " ".join(m.text_body + m.html_body for m in db.session.scalars(select(OutgoingEmail)))
    redis = get_redis()
    assert redis.keys("rq:job:*"), "the invoice and the reminder mails should have queued jobs"
    haystacks["redis"] = _redis_dump(redis)
    for where, text in haystacks.items():
        for needle in needles:
            assert needle not in text, f"secret found in {where}: …{_around(text, needle)}…"
    assert "deliver_outbox_event" in haystacks["redis"], "RQ job data was not unpacked"
    assert "api_key.rotated" in json.dumps([e.action for e in db.session.scalars(select(AuditEntry))])


def _around(text: str, needle: str) -> str:
    at = text.index(needle)
    return text[max(0, at - 300):at + 100].replace(needle, "<SECRET>")


def _redis_dump(redis) -> str:
    """Every value in the test's Redis database, with RQ's zlib-compressed job data unpacked."""
    parts = []
    for name in redis.keys("*"):
        kind = redis.type(name)
        values: list[bytes] = []
        if kind == b"string":
            values = [redis.get(name)]
        elif kind == b"hash":
            values = list(redis.hgetall(name).values())
        elif kind == b"list":
            values = redis.lrange(name, 0, -1)
        elif kind == b"set":
            values = list(redis.smembers(name))
        elif kind == b"zset":
            values = redis.zrange(name, 0, -1)
        for value in values:
            parts.append(repr(value))
            try:
                parts.append(repr(zlib.decompress(value)))
            except (zlib.error, TypeError):
                pass
    return "\n".join(parts)


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# CLI -------------------------------------------------------------------------------------------

def test_cli_keys_expire_too(runner, partner):
    result = runner.invoke(args=["create-api-key", "--partner", str(partner.id), "--scopes", "invoices:read"])
    assert result.exit_code == 0, result.output
    key = _key(result.output.strip())
    assert abs((key.expires_at - utcnow()) - timedelta(days=90)) < timedelta(minutes=1)
    result = runner.invoke(args=["create-api-key", "--partner", str(partner.id), "--scopes", "invoices:read",
                                 "--expires-days", "7"])
    assert abs((_key(result.output.strip()).expires_at - utcnow()) - timedelta(days=7)) < timedelta(minutes=1)
    result = runner.invoke(args=["create-api-key", "--partner", str(partner.id), "--scopes", "invoices:read",
                                 "--expires-days", "400"])
    assert result.exit_code != 0 and "at most 365 days" in result.output


def test_repeated_or_unknown_scopes_are_stored_once_or_refused(owner_client):
    secret = _create_key(owner_client, scopes=READ_WRITE * 40)
    assert _key(secret).scopes == ",".join(sorted(set(READ_WRITE)))
    response = _create(owner_client, scopes=["invoices:read", "admin:everything"])
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["ok\nSubject: pwned", "tab\there", "nul\x00byte", "bell\x07"])
def test_key_names_are_one_line_of_text(owner_client, name):
    response = _create(owner_client, name=name)
    assert response.status_code == 400 and "one line" in response.get_data(as_text=True)
