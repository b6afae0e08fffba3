"""Company users: invitations over real SMTP, roles, deactivation, at least one owner."""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.company import services
from app.company.invitations import InvitationError, accept_invitation, find_open_invitation, invite
from app.company.models import Invitation
from app.company.services import TeamError
from app.credentials.services import create_api_key
from app.database import utcnow
from app.extensions import db
from tests.factories import PASSWORD, login, make_partner, make_purchase_order, make_user
from tests.mail_helpers import deliver_emails, text_of

NEW_PASSWORD = "gravel truck on level nine"


@pytest.fixture
def partner(app):
    return make_partner()


@pytest.fixture
def owner(partner):
    return make_user(partner, email="owner@acme.example")


@pytest.fixture
def owner_client(app, owner):
    return login(app.test_client(), owner)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _invite(owner_client, email: str, role: Role = Role.PARTNER_BILLING):
    return owner_client.post("/team/invitations", data={"email": email, "role": role.value})


def _link_from_smtp(smtp_server, to: str) -> str:
    deliver_emails()
    message = smtp_server.to(to)[-1]
    return re.search(r"http://[^/\s]+(/invitations/\S+)", text_of(message)).group(1)


def _invitation(email: str) -> Invitation:
    db.session.expire_all()
    return db.session.scalar(select(Invitation).where(Invitation.email == email))


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _api_key(user: User, scopes=("purchase_orders:read", "invoices:read", "invoices:write")) -> str:
    _, secret = create_api_key(user.partner_id, list(scopes), created_by=user, actor=user)
    db.session.commit()
    return secret


# Invitations --------------------------------------------------------------------------------

def test_invite_mail_accept_signs_in_with_the_role(app, owner_client, smtp_server):
    response = _invite(owner_client, "Ben@Acme.example", Role.PARTNER_VIEWER)
    assert response.status_code == 302
    link = _link_from_smtp(smtp_server, "ben@acme.example")
    message = smtp_server.to("ben@acme.example")[-1]
    assert "owner@acme.example invites you to join Acme Concrete LLC" in text_of(message)
    stored = _invitation("ben@acme.example")
    assert stored.token_hash not in link and len(stored.token_hash) == 64
    assert abs((stored.expires_at - stored.sent_at) - timedelta(days=7)) < timedelta(seconds=1)

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and "Viewer" in page.get_data(as_text=True)
    response = invitee.post(link, data={"password": NEW_PASSWORD}, follow_redirects=True)
    assert response.status_code == 200 and "Welcome to Acme Concrete LLC" in response.get_data(as_text=True)
    user = _user("ben@acme.example")
    assert user.role is Role.PARTNER_VIEWER and user.partner_id == stored.partner_id
    assert user.email_verified_at is not None and user.last_login_at is not None
    assert invitee.get("/purchase-orders").status_code == 200
    assert invitee.get("/invoices/new").status_code == 403  # viewer
    assert {"invitation.sent", "invitation.accepted"} <= set(_actions())
    assert _invitation("ben@acme.example").accepted_user_id == user.id
    login(app.test_client(), user, password=NEW_PASSWORD)


def test_link_is_single_use(app, owner_client, smtp_server):
    _invite(owner_client, "ben@acme.example")
    link = _link_from_smtp(smtp_server, "ben@acme.example")
    assert app.test_client().post(link, data={"password": NEW_PASSWORD}).status_code == 302
    again = app.test_client().post(link, data={"password": "another long pass phrase here"})
    assert again.status_code == 410 and "already accepted" in again.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 410


def test_link_expires_after_seven_days(app, owner_client, smtp_server):
    _invite(owner_client, "ben@acme.example")
    link = _link_from_smtp(smtp_server, "ben@acme.example")
    db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = app.test_client().post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 410 and "has expired" in response.get_data(as_text=True)
    assert _user("ben@acme.example") is None
    assert find_open_invitation("ben@acme.example") is None


def test_resend_kills_the_old_link_and_renews_expiry(app, owner_client, smtp_server):
    _invite(owner_client, "ben@acme.example")
    old_link = _link_from_smtp(smtp_server, "ben@acme.example")
    invitation = _invitation("ben@acme.example")
    db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert owner_client.post(f"/team/invitations/{invitation.id}/resend").status_code == 302
    new_link = _link_from_smtp(smtp_server, "ben@acme.example")
    assert new_link != old_link and len(smtp_server.to("ben@acme.example")) == 2
    assert app.test_client().get(old_link).status_code == 404
    renewed = _invitation("ben@acme.example")
    assert renewed.expires_at > utcnow() + timedelta(days=6, hours=23)
    assert app.test_client().post(new_link, data={"password": NEW_PASSWORD}).status_code == 302
    assert "invitation.resent" in _actions()


def test_revoked_and_unknown_links_get_a_clear_page(app, owner_client, smtp_server):
    _invite(owner_client, "ben@acme.example")
    link = _link_from_smtp(smtp_server, "ben@acme.example")
    invitation = _invitation("ben@acme.example")
    assert owner_client.post(f"/team/invitations/{invitation.id}/revoke").status_code == 302
    response = app.test_client().post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 410 and "withdrawn" in response.get_data(as_text=True)
    for token in ("nonsense", "x" * 500, "%00"):
        assert app.test_client().get(f"/invitations/{token}").status_code == 404
    assert "invitation.revoked" in _actions() and _user("ben@acme.example") is None


def test_bad_password_keeps_the_invitation_open(app, owner_client, smtp_server):
    _invite(owner_client, "ben@acme.example")
    link = _link_from_smtp(smtp_server, "ben@acme.example")
    response = app.test_client().post(link, data={"password": "short"})
    assert response.status_code == 400 and "at least 12 characters" in response.get_data(as_text=True)
    response = app.test_client().post(link, data={"password": ""})
    assert response.status_code == 400 and "Enter a password" in response.get_data(as_text=True)
    assert _user("ben@acme.example") is None and _invitation("ben@acme.example").accepted_at is None
    assert app.test_client().post(link, data={"password": NEW_PASSWORD}).status_code == 302


def test_address_with_an_account_gets_a_link_that_says_so(app, partner, owner, owner_client, smtp_server):
    other = make_partner("Brightline Electrical Inc.", 46)
    make_user(other, email="taken@bright.example", role=Role.PARTNER_BILLING)
    response = _invite(owner_client, "TAKEN@bright.example")  # another company's user: not revealed
    assert response.status_code == 302
    link = _link_from_smtp(smtp_server, "taken@bright.example")
    response = app.test_client().get(link)
    assert response.status_code == 410 and "already has an account" in response.get_data(as_text=True)
    colleague = make_user(owner.partner, email="mate@acme.example", role=Role.PARTNER_VIEWER)
    response = _invite(owner_client, colleague.email)
    assert response.status_code == 400 and "already a member of your company" in response.get_data(as_text=True)

    _invite(owner_client, "late@acme.example")
    link = _link_from_smtp(smtp_server, "late@acme.example")
    make_user(other, email="late@acme.example", role=Role.PARTNER_BILLING)
    response = app.test_client().post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 410 and "already has an account" in response.get_data(as_text=True)


@pytest.mark.parametrize("email, message", [("", "Enter an e-mail address"),
                                            ("not-an-address", "valid e-mail address")])
def test_invite_form_errors(owner_client, email, message):
    response = owner_client.post("/team/invitations", data={"email": email, "role": "partner_viewer"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    bad_role = owner_client.post("/team/invitations", data={"email": "x@acme.example", "role": "staff_admin"})
    assert bad_role.status_code == 400
    assert db.session.scalar(select(Invitation)) is None


def test_inviting_twice_asks_to_resend(owner_client, smtp_server):
    _invite(owner_client, "ben@acme.example")
    response = _invite(owner_client, "ben@acme.example")
    assert response.status_code == 400 and "Resend that invitation" in response.get_data(as_text=True)


def test_federated_acceptance_creates_a_user_without_password(app, partner, owner):
    invitation = invite(owner, "fed@acme.example", Role.PARTNER_BILLING)
    db.session.commit()
    assert find_open_invitation("FED@acme.example ").id == invitation.id
    user = accept_invitation(invitation)
    db.session.commit()
    assert user.password_hash is None and user.role is Role.PARTNER_BILLING
    assert user.email_verified_at is not None and find_open_invitation("fed@acme.example") is None


def test_two_acceptances_at_once_make_one_user(app, partner, owner):
    invitation_id = invite(owner, "ben@acme.example", Role.PARTNER_BILLING).id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        with app.app_context():
            invitation = db.session.get(Invitation, invitation_id)
            barrier.wait()
            try:
                accept_invitation(invitation, password=NEW_PASSWORD)
                time.sleep(0.5)
                db.session.commit()
                outcomes.append("accepted")
            except (InvitationError, IntegrityError):
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["accepted", "refused"]
    db.session.expire_all()
    assert len(db.session.scalars(select(User).where(User.email == "ben@acme.example")).all()) == 1


# Roles, deactivation ------------------------------------------------------------------------

def test_team_page_lists_members_and_pending_invitations(owner_client, partner, smtp_server):
    make_user(partner, email="<b>bill@acme.example", role=Role.PARTNER_BILLING)
    _invite(owner_client, "ben@acme.example")
    html = owner_client.get("/team").get_data(as_text=True)
    assert "owner@acme.example" in html and "&lt;b&gt;bill@acme.example" in html
    assert "ben@acme.example" in html and "Resend" in html and "Deactivate" in html


def test_non_owners_cannot_manage(app, partner, owner, smtp_server):
    billing = make_user(partner, email="bill@acme.example", role=Role.PARTNER_BILLING)
    client = login(app.test_client(), billing)
    page = client.get("/team")
    assert page.status_code == 200 and "Deactivate" not in page.get_data(as_text=True)
    assert _invite(client, "x@acme.example").status_code == 403
    assert client.post(f"/team/members/{owner.id}/role", data={"role": "partner_viewer"}).status_code == 403
    assert client.post(f"/team/members/{owner.id}/deactivate").status_code == 403
    assert client.post(f"/team/members/{billing.id}/role", data={"role": "partner_owner"}).status_code == 403
    assert _user("owner@acme.example").role is Role.PARTNER_OWNER
    assert _user("bill@acme.example").role is Role.PARTNER_BILLING


def test_last_owner_cannot_be_demoted_or_deactivated(owner_client, owner):
    response = owner_client.post(f"/team/members/{owner.id}/role", data={"role": "partner_viewer"},
                                 follow_redirects=True)
    assert "at least one active owner" in response.get_data(as_text=True)
    response = owner_client.post(f"/team/members/{owner.id}/deactivate", follow_redirects=True)
    assert "at least one active owner" in response.get_data(as_text=True)
    user = _user("owner@acme.example")
    assert user.role is Role.PARTNER_OWNER and user.is_active_user


def test_deactivated_owner_does_not_count(partner, owner):
    second = make_user(partner, email="second@acme.example")
    services.deactivate(owner, second)
    db.session.commit()
    with pytest.raises(TeamError):
        services.change_role(owner, owner, Role.PARTNER_VIEWER)


def test_an_owner_demoted_meanwhile_can_no_longer_manage(partner, owner):
    second = make_user(partner, email="second@acme.example")
    stale_second = db.session.get(User, second.id)
    services.change_role(owner, second, Role.PARTNER_VIEWER)
    db.session.commit()
    with pytest.raises(TeamError, match="Only an active owner"):
        services.deactivate(stale_second, owner)
    db.session.rollback()
    assert _user("owner@acme.example").is_active_user


def test_two_owners_demoting_each_other_at_once_leaves_one(app, partner, owner):
    second = make_user(partner, email="second@acme.example")
    ids = (owner.id, second.id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor_id: int, target_id: int) -> None:
        with app.app_context():
            actor, target = db.session.get(User, actor_id), db.session.get(User, target_id)
            barrier.wait()
            try:
                services.change_role(actor, target, Role.PARTNER_VIEWER)
                time.sleep(0.5)  # hold the lock while the other one tries
                db.session.commit()
                outcomes.append("demoted")
            except TeamError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=pair) for pair in (ids, ids[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["demoted", "refused"]
    db.session.expire_all()
    assert services.active_owner_count(partner.id) == 1


def test_role_change_applies_to_open_session_and_trims_api_key(app, partner, owner, owner_client):
    order = make_purchase_order(partner)
    billing = make_user(partner, email="bill@acme.example", role=Role.PARTNER_BILLING)
    colleague = login(app.test_client(), billing)
    key = {"Authorization": f"Bearer {_api_key(billing)}"}
    api = app.test_client()
    assert colleague.get("/invoices/new").status_code != 403

    response = owner_client.post(f"/team/members/{billing.id}/role", data={"role": "partner_viewer"})
    assert response.status_code == 302
    assert colleague.get("/invoices/new").status_code == 403
    write = api.post("/api/v1/invoices", json={"purchase_order_id": order.id}, headers=key)
    assert write.status_code == 403 and "invoices:write" in write.get_json()["detail"]
    assert api.get("/api/v1/purchase-orders", headers=key).status_code == 200
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.role_changed"))
    assert entry.details == {"email": "bill@acme.example", "old_role": "partner_billing",
                             "new_role": "partner_viewer"} and entry.actor_user_id == owner.id


def test_deactivation_ends_session_and_api_key_at_once(app, partner, owner, owner_client):
    billing = make_user(partner, email="bill@acme.example", role=Role.PARTNER_BILLING)
    colleague = login(app.test_client(), billing, remember=True)
    key = {"Authorization": f"Bearer {_api_key(billing)}"}
    cli_key = {"Authorization": f"Bearer {_cli_key(partner)}"}
    api = app.test_client()
    assert api.get("/api/v1/purchase-orders", headers=key).status_code == 200

    assert owner_client.post(f"/team/members/{billing.id}/deactivate").status_code == 302
    response = colleague.get("/purchase-orders")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert api.get("/api/v1/purchase-orders", headers=key).status_code == 401
    assert api.get("/api/v1/purchase-orders", headers=cli_key).status_code == 200
    assert app.test_client().post("/login", data={"email": billing.email, "password": PASSWORD}).status_code == 401

    assert owner_client.post(f"/team/members/{billing.id}/reactivate").status_code == 302
    assert colleague.get("/purchase-orders").status_code == 302  # old sessions stay ended
    assert api.get("/api/v1/purchase-orders", headers=key).status_code == 401  # and old keys
    login(app.test_client(), billing)
    assert {"user.deactivated", "api_key.revoked", "user.reactivated"} <= set(_actions())


@pytest.mark.parametrize("leaves", ["deactivated", "demoted"])
def test_invitations_of_an_owner_who_leaves_die_with_them(app, partner, owner, smtp_server, leaves):
    second = make_user(partner, email="second@acme.example")
    second_client = login(app.test_client(), second)
    _invite(second_client, "friend@private.example", Role.PARTNER_OWNER)
    link = _link_from_smtp(smtp_server, "friend@private.example")
    owner_client = login(app.test_client(), owner)
    action = "deactivate" if leaves == "deactivated" else "role"
    data = {} if leaves == "deactivated" else {"role": Role.PARTNER_VIEWER.value}
    assert owner_client.post(f"/team/members/{second.id}/{action}", data=data).status_code == 302
    invitee = app.test_client()
    assert invitee.get(link).status_code == 410
    assert invitee.post(link, data={"password": NEW_PASSWORD}).status_code == 410
    assert _user("friend@private.example") is None


def test_a_link_whose_sender_lost_ownership_in_between_is_refused(app, partner, owner):
    """Even an invitation the clean-up missed (changed behind the app's back) stops at acceptance."""
    second = make_user(partner, email="second@acme.example")
    invitation = invite(second, "friend@private.example", Role.PARTNER_OWNER)
    db.session.execute(update(User).where(User.id == second.id).values(role=Role.PARTNER_VIEWER))
    db.session.commit()
    with pytest.raises(InvitationError):
        accept_invitation(db.session.get(Invitation, invitation.id), password=NEW_PASSWORD)


def _cli_key(partner) -> str:
    _, secret = create_api_key(partner.id, ["purchase_orders:read"])
    db.session.commit()
    return secret


def test_other_companys_ids_are_not_found(app, owner_client):
    other = make_partner("Brightline Electrical Inc.", 46)
    stranger = make_user(other, email="b@bright.example", role=Role.PARTNER_BILLING)
    invitation = invite(stranger, "c@bright.example", Role.PARTNER_VIEWER)
    db.session.commit()
    for path in (f"/team/members/{stranger.id}/role", f"/team/members/{stranger.id}/deactivate",
                 f"/team/members/{stranger.id}/reactivate",
                 f"/team/invitations/{invitation.id}/resend", f"/team/invitations/{invitation.id}/revoke"):
        assert owner_client.post(path, data={"role": "partner_viewer"}).status_code == 404, path
    assert _user("b@bright.example").is_active_user and _invitation("c@bright.example").revoked_at is None


def test_invitation_mails_are_limited_per_company(owner_client):
    for number in range(29):
        assert _invite(owner_client, f"person{number}@acme.example").status_code == 302
    invitation = _invitation("person0@acme.example")
    assert owner_client.post(f"/team/invitations/{invitation.id}/resend").status_code == 302
    response = _invite(owner_client, "one-too-many@acme.example")
    assert response.status_code == 429 and _invitation("one-too-many@acme.example") is None


def test_an_invited_owner_sets_up_two_step_verification_before_anything_else(app, owner_client, owner,
                                                                               smtp_server):
    _invite(owner_client, "co-owner@acme.example", Role.PARTNER_OWNER)
    link = _link_from_smtp(smtp_server, "co-owner@acme.example")
    invitee = app.test_client()
    response = invitee.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    for page in ("/purchase-orders", "/team", "/"):
        response = invitee.get(page)
        assert response.status_code == 302 and "/account/two-step" in response.headers["Location"]


def test_the_inviting_owner_is_recorded_as_creating_the_user(app, owner_client, owner, smtp_server):
    _invite(owner_client, "dana@acme.example")
    link = _link_from_smtp(smtp_server, "dana@acme.example")
    app.test_client().post(link, data={"password": NEW_PASSWORD})
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created")
                                .order_by(AuditEntry.id.desc()))
    assert created.actor_user_id == owner.id
