"""The audit log pages: staff see everything, a partner owner only their company's trail."""
from __future__ import annotations

from app.audit import services as audit
from app.auth.models import Role
from app.extensions import db
from tests.factories import login, make_partner, make_user


def _entries(partner_a, partner_b):
    audit.record("auth.signed_in", actor="a-owner@acme.example", partner_id=partner_a.id)
    audit.record("bank_change.requested", actor="b-owner@bright.example", partner_id=partner_b.id,
                 note="<script>alert(1)</script>")
    audit.record("user.role_changed", actor="a-owner@acme.example", partner_id=partner_a.id,
                 old_role="partner_billing", new_role="partner_owner")
    db.session.commit()


def test_staff_see_every_company_and_filter(app, client):
    a, b = make_partner("Acme", 45), make_partner("Brightline", 46)
    staff = make_user(None, email="staff@buyer.example", role=Role.STAFF_ADMIN)
    _entries(a, b)
    login(client, staff)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "auth.signed_in" in page and "Bank change requested" in page  # staff see the code too
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    filtered = client.get(f"/staff/audit?area=bank&partner={b.id}").get_data(as_text=True)
    assert "bank_change.requested" in filtered and "auth.signed_in" not in filtered
    for area in ("auth", "user", "bank", "api_key", "idp", "delivery"):
        assert client.get(f"/staff/audit?area={area}").status_code == 200


def test_owner_sees_only_their_company(app, client):
    a, b = make_partner("Acme", 45), make_partner("Brightline", 46)
    owner = make_user(a, email="owner@acme.example")
    _entries(a, b)
    login(client, owner)
    page = client.get(f"/activity?partner={b.id}").get_data(as_text=True)
    assert "Bank change requested" not in page
    assert "a-owner@acme.example" in page and "Signed in" in page
    assert "auth.signed_in" not in page  # plain words for partners
    assert "Role changed" in page and "Old role: Billing" in page and "New role: Owner" in page


def test_non_owners_and_partners_are_refused(app, client):
    a = make_partner("Acme", 45)
    viewer = make_user(a, email="viewer@acme.example", role=Role.PARTNER_VIEWER)
    login(client, viewer)
    assert client.get("/activity").status_code == 403
    assert client.get("/staff/audit").status_code == 403


def test_malformed_filters_and_paging_never_fail(app, client):
    a = make_partner("Acme", 45)
    staff = make_user(None, email="staff@buyer.example", role=Role.STAFF_ADMIN)
    for n in range(105):
        audit.record("invoice.submitted", actor=f"user{n}@acme.example", partner_id=a.id)
    db.session.commit()
    login(client, staff)
    for query in ("since=2026-13-45", "before=-3", "before=99999999999999999999", "partner=abc",
                  "area=%00", "actor=" + "x" * 5000, "actor=100%25_\\", "until=9999-12-31",
                  "since=0001-01-01", "before=%C2%B2", "partner=%C2%B2"):
        assert client.get(f"/staff/audit?{query}").status_code == 200, query
    first = client.get("/staff/audit?area=invoice").get_data(as_text=True)
    assert "Older entries" in first and "user104@acme.example" in first
    assert "user0@acme.example" not in first


def test_every_recorded_action_has_words_and_an_area():
    """A new audit action must get a plain-language label and fall into a filter area."""
    import re
    from pathlib import Path

    from app.audit.presenters import ACTIONS, AREAS

    source = "\n".join(p.read_text() for p in (Path(__file__).parent.parent / "app").rglob("*.py"))
    recorded = set(re.findall(r'record\(\s*"([a-z_]+\.[a-z_]+)"', source))
    assert recorded and recorded <= set(ACTIONS), sorted(recorded - set(ACTIONS))
    prefixes = [prefix for _label, covered in AREAS.values() for prefix in covered]
    assert all(any(action.startswith(p) for p in prefixes) for action in recorded)


def test_times_in_details_read_as_dates(app, client):
    a = make_partner("Acme", 45)
    owner = make_user(a, email="owner@acme.example")
    audit.record("api_key.created", actor=owner, partner_id=a.id, expires_at="2027-03-01T23:59:59+00:00")
    db.session.commit()
    login(client, owner)
    page = client.get("/activity").get_data(as_text=True)
    assert "1 Mar 2027" in page and "2027-03-01T23:59:59" not in page
