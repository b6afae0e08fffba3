"""Self-registration, staff review and four-eyes bank changes (issue 4, points 3 and 4)."""
from __future__ import annotations

import logging
from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEntry
from app.auth.models import Role, User
from app.extensions import db
from app.integration.models import OutboxEvent
from app.onboarding.models import ReviewEvent, ReviewEventKind
from app.partners.models import BankAccountStatus, Partner, PartnerBankAccount, PartnerStatus
from tests.factories import PASSWORD, PNG_BYTES, login, make_partner, make_user, pdf_bytes
from tests.mail_helpers import deliver_emails, text_of

IBAN = "DE89370400440532013000"
US_ACCOUNT = "000123456789"
ROUTING = "021000021"
COMPANY = {"name": "Nordbau GmbH", "country_code": "DE", "tax_id": "DE136695976",
           "street": "Hauptstr. 1", "city": "Berlin", "zip_code": "10115", "trades": ["concrete", "steel"],
           "ap_name": "Anna Kasse", "ap_email": "ap@nordbau.example", "ap_phone": "+49 30 1234"}


def make_applicant(name: str = "Nordbau GmbH", email: str = "owner@nordbau.example") -> tuple[Partner, User]:
    partner = Partner(name=name, status=PartnerStatus.DRAFT)
    db.session.add(partner)
    db.session.commit()
    return partner, make_user(partner, email=email)


def staff(email: str) -> User:
    return make_user(None, email=email, role=Role.STAFF_REVIEWER)


def upload(client, kind: str, content: bytes, filename: str = "doc.pdf", expires_on: str = ""):
    return client.post("/onboarding/documents", data={"kind": kind, "expires_on": expires_on,
                                                      "file": (BytesIO(content), filename)},
                       content_type="multipart/form-data")


def complete_application(client) -> None:
    assert client.post("/onboarding/company", data=COMPANY).status_code == 302
    assert client.post("/onboarding/bank", data={"account_holder": "Nordbau GmbH", "country_code": "DE",
                                                 "account_number": IBAN}).status_code == 302
    assert upload(client, "tax_form", pdf_bytes("W-8")).status_code == 302
    future = (date.today() + timedelta(days=200)).isoformat()
    assert upload(client, "insurance", pdf_bytes("COI"), expires_on=future).status_code == 302


def submit_application(client) -> None:
    response = client.post("/onboarding/review", data={"accept_terms": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def switch(client, user) -> None:
    client.post("/logout")
    login(client, user)


# Registration steps ---------------------------------------------------------------------------

def test_register_creates_a_draft_company_and_its_owner(app, client):
    assert 'href="/register"' in client.get("/login").get_data(as_text=True)
    response = client.post("/register", data={"company_name": "Nordbau GmbH", "email": "Owner@Nordbau.example",
                                              "password": "correct horse battery staple"})
    assert response.status_code == 302
    partner = db.session.scalar(select(Partner).where(Partner.name == "Nordbau GmbH"))
    assert partner.status is PartnerStatus.DRAFT and not partner.is_approved
    owner = db.session.scalar(select(User).where(User.partner_id == partner.id))
    assert owner.role is Role.PARTNER_OWNER and owner.email == "owner@nordbau.example"
    assert owner.email_verified_at is None
    assert response.headers["Location"].endswith("/login/two-step/set-up")  # owners must enrol first
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.topic == "email.send")) == 1  # the verification link


def test_register_refuses_weak_password_and_taken_address(app, client):
    make_applicant()
    response = client.post("/register", data={"company_name": "X", "email": "owner@nordbau.example",
                                              "password": "correct horse battery staple"})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    response = client.post("/register", data={"company_name": "Y", "email": "new@y.example", "password": "short"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 1


@pytest.mark.parametrize("country,tax_id,message", [
    ("US", "12-34", "not a valid US EIN"),
    ("DE", "DE123", "not a valid EU VAT number for Germany"),
    ("FR", "FR00000000000", "not a valid EU VAT number for France"),
    ("GB", "GB123", "not a valid UK VAT number"),
])
def test_company_step_checks_the_tax_id_by_country(app, client, country, tax_id, message):
    partner, owner = make_applicant()
    login(client, owner)
    response = client.post("/onboarding/company", data={**COMPANY, "country_code": country, "tax_id": tax_id})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Hauptstr. 1" in html  # what was typed is kept
    db.session.refresh(partner)
    assert partner.tax_id is None


def test_company_step_requires_accounts_payable_contact_and_a_trade(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    response = client.post("/onboarding/company", data={**COMPANY, "ap_email": "", "trades": []})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the accounts-payable e-mail address." in html and "Choose at least one trade." in html


def test_company_step_saves_normalised_data(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    response = client.post("/onboarding/company", data={**COMPANY, "country_code": "US", "tax_id": "123456789"})
    assert response.headers["Location"].endswith("/onboarding/bank")
    db.session.refresh(partner)
    assert partner.tax_id == "12-3456789" and partner.trades == ["concrete", "steel"]
    assert partner.contacts[0]["role"] == "accounts_payable" and partner.contact_email == "ap@nordbau.example"


@pytest.mark.parametrize("data,message", [
    ({"country_code": "DE", "account_number": "DE89370400440532013001"}, "not a valid IBAN"),
    ({"country_code": "US", "routing_number": "021000022", "account_number": US_ACCOUNT}, "not a valid ABA routing number"),
    ({"country_code": "US", "routing_number": ROUTING, "account_number": "12"}, "4 to 17 digits"),
])
def test_bank_step_checks_iban_and_aba(app, client, data, message):
    partner, owner = make_applicant()
    login(client, owner)
    response = client.post("/onboarding/bank", data={"account_holder": "Nordbau", **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert data["account_number"] not in html  # never echoed back
    assert db.session.scalar(select(func.count()).select_from(PartnerBankAccount)) == 0


def test_bank_numbers_are_stored_encrypted_and_shown_masked(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    partner, owner = make_applicant()
    login(client, owner)
    response = client.post("/onboarding/bank", data={"account_holder": "Nordbau Inc", "country_code": "US",
                                                     "routing_number": ROUTING, "account_number": US_ACCOUNT})
    assert response.status_code == 302
    account = db.session.scalar(select(PartnerBankAccount))
    assert account.account_number == US_ACCOUNT and account.routing_number == ROUTING
    raw = db.session.execute(text("SELECT account_number, routing_number FROM partner_bank_accounts")).one()
    assert US_ACCOUNT not in raw[0] and ROUTING not in raw[1]
    for page in ("/onboarding/bank", "/onboarding/review"):
        html = client.get(page).get_data(as_text=True)
        assert "6789" in html and US_ACCOUNT not in html and ROUTING not in html
    assert US_ACCOUNT not in caplog.text and ROUTING not in caplog.text
    details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEntry)))
    assert US_ACCOUNT not in details
    response = client.post("/onboarding/bank", data={"account_holder": "Nordbau GmbH", "country_code": "DE",
                                                     "account_number": IBAN})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(a.status, a.last4) for a in partner.bank_accounts] == [(BankAccountStatus.DRAFT, "3000")]


def test_documents_step_refuses_expired_insurance_fake_pdf_and_big_files(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = upload(client, "insurance", pdf_bytes(), expires_on=yesterday)
    assert response.status_code == 400 and "has expired" in response.get_data(as_text=True)
    response = upload(client, "insurance", pdf_bytes(), expires_on="")
    assert response.status_code == 400 and "Enter the date the insurance certificate expires" in response.get_data(as_text=True)
    response = upload(client, "tax_form", b"<html>not a pdf</html>", filename="w9.pdf")
    assert response.status_code == 400 and "Documents can be PDF, JPEG or PNG files." in response.get_data(as_text=True)
    response = upload(client, "tax_form", b"", filename="w9.pdf")
    assert response.status_code == 400 and "Choose a file" in response.get_data(as_text=True) \
        or "empty" in response.get_data(as_text=True)
    assert upload(client, "licence", PNG_BYTES, filename="licence.png").status_code == 302


@pytest.mark.config(MAX_UPLOAD_BYTES=1024)
def test_documents_step_refuses_files_over_the_limit(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    response = upload(client, "tax_form", pdf_bytes() + b"%" * 2048)
    assert response.status_code == 400 and "larger than" in response.get_data(as_text=True)


def test_draft_resumes_where_the_applicant_stopped(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    client.post("/onboarding/company", data=COMPANY)
    client.post("/logout")
    login(client, owner)
    assert client.get("/onboarding").headers["Location"].endswith("/onboarding/bank")
    html = client.get("/onboarding/company").get_data(as_text=True)
    assert "DE136695976" in html and "Anna Kasse" in html and "25%" in html


def test_unapproved_partner_sees_only_onboarding(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    for page in ("/purchase-orders", "/invoices"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith("/onboarding")
    colleague = make_user(partner, email="viewer@nordbau.example", role=Role.PARTNER_VIEWER)
    switch(client, colleague)
    assert client.get("/purchase-orders").headers["Location"].endswith("/onboarding")
    waiting = client.get("/onboarding")
    assert waiting.status_code == 200
    assert "not approved yet" in waiting.get_data(as_text=True) and owner.email in waiting.get_data(as_text=True)
    assert client.get("/onboarding/company").status_code == 403
    approved = make_partner("Approved Ltd", 77)
    other = make_user(approved, email="ok@approved.example")
    switch(client, other)
    assert client.get("/purchase-orders").status_code == 200


def test_submit_needs_every_step_and_the_terms(app, client):
    partner, owner = make_applicant()
    login(client, owner)
    client.post("/onboarding/review", data={"accept_terms": "y"})
    db.session.refresh(partner)
    assert partner.status is PartnerStatus.DRAFT
    complete_application(client)
    response = client.post("/onboarding/review", data={})
    assert response.status_code == 400 and "Accept the partner terms" in response.get_data(as_text=True)
    submit_application(client)
    db.session.refresh(partner)
    assert partner.status is PartnerStatus.SUBMITTED and partner.terms_version and partner.terms_accepted_at
    response = client.post("/onboarding/company", data={**COMPANY, "name": "Changed after submit"})
    assert response.status_code == 302
    db.session.refresh(partner)
    assert partner.name == "Nordbau GmbH"


# Staff review -------------------------------------------------------------------------------

def test_request_changes_resubmit_approve_once(app, client, smtp_server):
    partner, owner = make_applicant()
    reviewer = staff("reviewer@buyer.example")
    login(client, owner)
    complete_application(client)
    submit_application(client)
    switch(client, reviewer)
    queue = client.get("/staff/onboarding").get_data(as_text=True)
    assert "Nordbau GmbH" in queue and "100%" in queue
    detail = client.get(f"/staff/onboarding/{partner.id}").get_data(as_text=True)
    assert "3000" in detail and IBAN not in detail
    response = client.post(f"/staff/onboarding/{partner.id}/request-changes", data={"message": ""})
    assert response.status_code == 400 and "Tell the applicant what to change." in response.get_data(as_text=True)
    client.post(f"/staff/onboarding/{partner.id}/request-changes",
                data={"message": "Please upload the <b>signed</b> W-8BEN-E."})
    deliver_emails()
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == owner.email and "signed" in text_of(mail)

    switch(client, owner)
    html = client.get("/onboarding/documents").get_data(as_text=True)
    assert "Please upload the &lt;b&gt;signed&lt;/b&gt; W-8BEN-E." in html
    assert upload(client, "tax_form", pdf_bytes("W-8BEN-E signed")).status_code == 302
    submit_application(client)

    switch(client, reviewer)
    client.post(f"/staff/onboarding/{partner.id}/approve")
    client.post(f"/staff/onboarding/{partner.id}/approve")
    db.session.expire_all()
    assert partner.status is PartnerStatus.APPROVED and partner.decided_at
    assert partner.active_bank_account.account_number == IBAN
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "partner.approved")).all()
    assert len(events) == 1 and events[0].subject_id == partner.id
    kinds = [e.kind for e in db.session.scalars(select(ReviewEvent).order_by(ReviewEvent.id))]
    assert kinds == [ReviewEventKind.SUBMITTED, ReviewEventKind.CHANGES_REQUESTED,
                     ReviewEventKind.SUBMITTED, ReviewEventKind.APPROVED]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "onboarding.approved")) == 1
    deliver_emails()
    mails = smtp_server.wait_for(2)
    assert "approved" in mails[1]["Subject"]

    switch(client, owner)
    assert client.get("/purchase-orders").status_code == 200
    profile = client.get("/profile").get_data(as_text=True)
    assert "Changes requested" in profile and "3000" in profile and IBAN not in profile


def test_reject_with_reason(app, client, smtp_server):
    partner, owner = make_applicant()
    reviewer = staff("reviewer@buyer.example")
    login(client, owner)
    complete_application(client)
    submit_application(client)
    switch(client, reviewer)
    response = client.post(f"/staff/onboarding/{partner.id}/reject", data={"message": "   "})
    assert response.status_code == 400 and "Give the reason" in response.get_data(as_text=True)
    client.post(f"/staff/onboarding/{partner.id}/reject", data={"message": "Not in our region."})
    db.session.expire_all()
    assert partner.status is PartnerStatus.REJECTED
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.topic == "partner.approved")) == 0
    deliver_emails()
    [mail] = smtp_server.wait_for(1)
    assert "Not in our region." in text_of(mail)
    for decision, data in (("approve", {}), ("reject", {"message": "Again"}),
                           ("request-changes", {"message": "More"})):
        response = client.post(f"/staff/onboarding/{partner.id}/{decision}", data=data, follow_redirects=True)
        assert response.status_code == 200 and "already decided" in response.get_data(as_text=True)
    db.session.expire_all()
    assert partner.status is PartnerStatus.REJECTED
    switch(client, owner)
    assert "Not in our region." in client.get("/onboarding/review").get_data(as_text=True)


# Four-eyes bank change ----------------------------------------------------------------------

def _approved_with_account() -> tuple[Partner, User]:
    partner = make_partner("Brightline Electrical Inc.", 46)
    db.session.add(PartnerBankAccount(partner=partner, status=BankAccountStatus.ACTIVE, account_holder="Brightline",
                                      country_code="US", account_number="111122223333",
                                      routing_number=ROUTING, last4="3333"))
    db.session.commit()
    return partner, make_user(partner, email="owner@brightline.example")


def test_four_eyes_bank_change(app, client, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    partner, owner = _approved_with_account()
    second_owner = make_user(partner, email="owner2@brightline.example")
    first, second = staff("first@buyer.example"), staff("second@buyer.example")
    login(client, owner)
    change = {"account_holder": "Brightline Electrical Inc.", "country_code": "US",
              "routing_number": ROUTING, "account_number": US_ACCOUNT}
    response = client.post("/profile/bank-change", data={**change, "password": "wrong password here"})
    assert response.status_code == 400 and "Your password is not right." in response.get_data(as_text=True)
    assert US_ACCOUNT not in response.get_data(as_text=True)
    assert client.post("/profile/bank-change", data={**change, "password": PASSWORD}).status_code == 302
    pending = db.session.scalar(select(PartnerBankAccount).where(PartnerBankAccount.status == BankAccountStatus.PENDING))
    deliver_emails()
    mails = smtp_server.wait_for(2)
    assert {m["To"] for m in mails} == {owner.email, second_owner.email}
    assert all(US_ACCOUNT not in text_of(m) and "6789" not in text_of(m) for m in mails)
    assert "waiting for approval" in client.get("/profile").get_data(as_text=True)

    switch(client, first)
    client.post(f"/staff/bank-changes/{pending.id}/approve")
    response = client.post(f"/staff/bank-changes/{pending.id}/approve", follow_redirects=True)
    assert "already approved this change" in response.get_data(as_text=True)
    db.session.expire_all()
    assert pending.status is BankAccountStatus.PENDING and pending.first_approver_id == first.id

    switch(client, second)
    detail = client.get(f"/staff/onboarding/{partner.id}").get_data(as_text=True)
    assert "6789" in detail and US_ACCOUNT not in detail
    client.post(f"/staff/bank-changes/{pending.id}/approve")
    db.session.expire_all()
    assert pending.status is BankAccountStatus.ACTIVE and pending.second_approver_id == second.id
    statuses = sorted(a.status.value for a in partner.bank_accounts)
    assert statuses == ["active", "superseded"]
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "partner.bank_changed")).all()
    assert len(events) == 1 and events[0].subject_id == pending.id
    deliver_emails()
    assert len(smtp_server.wait_for(4)) == 4
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"bank_change.requested", "bank_change.first_approval", "bank_change.activated"} <= actions
    assert US_ACCOUNT not in caplog.text


def test_requester_cannot_approve_own_bank_change_and_staff_can_reject(app, client, smtp_server):
    partner, owner = _approved_with_account()
    reviewer = staff("first@buyer.example")
    login(client, owner)
    client.post("/profile/bank-change", data={"account_holder": "B", "country_code": "DE",
                                              "account_number": IBAN, "password": PASSWORD})
    pending = db.session.scalar(select(PartnerBankAccount).where(PartnerBankAccount.status == BankAccountStatus.PENDING))
    assert client.post(f"/staff/bank-changes/{pending.id}/approve").status_code == 403
    pending.requested_by_user_id = reviewer.id  # staff requested it on the partner's behalf
    db.session.commit()
    switch(client, reviewer)
    response = client.post(f"/staff/bank-changes/{pending.id}/approve", follow_redirects=True)
    assert "You requested this change" in response.get_data(as_text=True)
    client.post(f"/staff/bank-changes/{pending.id}/reject", data={"message": "Call-back failed."})
    db.session.expire_all()
    assert pending.status is BankAccountStatus.REJECTED and pending.decision_note == "Call-back failed."
    assert partner.active_bank_account.last4 == "3333"


def test_documents_download_for_their_owner_and_staff(app, client):
    partner, owner = make_applicant()
    reviewer = staff("reviewer@buyer.example")
    login(client, owner)
    complete_application(client)
    from app.onboarding.models import OnboardingDocument
    document = db.session.scalar(select(OnboardingDocument).order_by(OnboardingDocument.id))
    response = client.get(f"/onboarding/documents/{document.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    switch(client, reviewer)
    response = client.get(f"/staff/onboarding/{partner.id}/documents/{document.id}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/staff/onboarding/{partner.id + 1}/documents/{document.id}").status_code == 404


def test_two_staff_approving_at_once_publish_once(app, client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    import threading

    from app.onboarding import services
    partner, owner = make_applicant()
    login(client, owner)
    complete_application(client)
    submit_application(client)
    reviewers = [staff("one@buyer.example").id, staff("two@buyer.example").id]
    barrier, outcomes = threading.Barrier(2), []

    def approve(reviewer_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.approve(partner.id, db.session.get(User, reviewer_id))
                db.session.commit()
                outcomes.append("approved")
            except services.OnboardingError:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.topic == "partner.approved")) == 1


def test_every_problem_shows_in_one_round(app, client):
    """Format checks (tax id, routing number, account number) run with the required-field checks."""
    partner, owner = make_applicant()
    login(client, owner)
    html = client.post("/onboarding/company", data={"country_code": "US", "tax_id": "12345"}).get_data(as_text=True)
    assert "not a valid US EIN" in html and "Enter the street address." in html
    html = client.post("/onboarding/bank", data={"country_code": "US", "routing_number": "021000022",
                                                 "account_number": "DE89370400440532013000"}).get_data(as_text=True)
    assert "not a valid ABA routing number" in html and "4 to 17 digits" in html
    assert "Enter the account holder." in html
    html = client.post("/onboarding/bank", data={"country_code": "US", "account_holder": "N",
                                                 "account_number": "123456"}).get_data(as_text=True)
    assert "not a valid ABA routing number" in html


def test_one_line_fields_refuse_control_characters_everywhere(app, client):
    """Names travel into e-mail subjects and Odoo: every one-line field of every form refuses them."""
    response = client.post("/register", data={"company_name": "Nordbau\r\nBcc: x@evil.example",
                                              "email": "o@nordbau.example", "password": "correct horse battery staple"})
    assert response.status_code == 400 and "one line of plain text" in response.get_data(as_text=True)
    partner, owner = make_applicant()
    login(client, owner)
    response = client.post("/onboarding/company", data={**COMPANY, "city": "Berlin\x00"})
    assert response.status_code == 400 and "one line of plain text" in response.get_data(as_text=True)
