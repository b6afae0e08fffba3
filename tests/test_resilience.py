"""Odoo down: the circuit breaker stops calls, says so in plain words, and recovers."""
import time

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.integration import jobs
from app.integration.breaker import OdooCircuitBreaker
from tests.factories import login
from tests.odoo_helpers import bills_for_ref, clear_faults, set_faults
from tests.test_odoo_push import deliver, event_for, submit, synced_partner

pytestmark = pytest.mark.config(BREAKER_FAILURE_THRESHOLD=2, BREAKER_COOLDOWN_SECONDS=1)


def requests_seen(odoo):
    return requests.get(f"{odoo}/sandbox/faults", timeout=5).json()["requests_seen"]


def test_breaker_opens_stops_calling_odoo_and_closes_after_a_successful_probe(odoo, app):
    partner = synced_partner()
    invoices = [submit(partner, number=f"DOWN-{n}", quantities=("1",)) for n in range(4)]
    set_faults(odoo, fail_every=1, mode="down")
    assert [deliver(i) for i in invoices[:2]] == ["retrying", "retrying"]
    assert OdooCircuitBreaker().state().is_open

    seen = requests_seen(odoo)
    assert deliver(invoices[2]) == "waiting"
    assert requests_seen(odoo) == seen  # nothing sent while open
    waiting = event_for(invoices[2])
    assert waiting.attempts == 0 and "Odoo unreachable since" in waiting.last_error

    clear_faults(odoo)
    time.sleep(1.1)
    for invoice in invoices:
        assert deliver(invoice) == "synced"
    assert not OdooCircuitBreaker().state().is_open
    assert all(len(bills_for_ref(odoo, f"DOWN-{n}")) == 1 for n in range(4))


def test_only_one_probe_while_half_open(odoo, app):
    breaker = OdooCircuitBreaker()
    breaker.record_failure("down")
    breaker.record_failure("down")
    assert not breaker.allow()
    time.sleep(1.1)
    assert breaker.allow() and not breaker.allow()


def test_an_answer_from_odoo_resets_the_count(odoo, app):
    breaker = OdooCircuitBreaker()
    breaker.record_failure("down")
    breaker.record_success()
    breaker.record_failure("down")
    assert not breaker.state().is_open


def test_staff_and_partner_are_told_in_plain_words(odoo, app, client):
    from app.auth.models import Role
    from tests.factories import make_user
    partner = synced_partner()
    invoice = submit(partner, number="DOWN-1", quantities=("1",))
    set_faults(odoo, fail_every=1, mode="http500")
    deliver(invoice)
    second = submit(partner, number="DOWN-2", quantities=("1",))
    deliver(second)
    page = login(client, make_user(partner, email="clerk@acme.example")).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "is not answering right now" in page and "will be sent automatically" in page
    client.post("/logout")
    staff = make_user(None, email="ap@summit.example", role=Role.STAFF_ADMIN)
    page = login(client, staff).get("/staff/invoices").get_data(as_text=True)
    assert "Odoo unreachable since" in page and "2 items waiting" in page


def test_po_sync_failure_is_kept_and_feeds_the_breaker(odoo, app):
    from app.odoo.errors import OdooTransientError
    from app.purchasing.models import SyncCursor
    partner = synced_partner()
    set_faults(odoo, fail_every=1, mode="http500")
    for _ in range(2):
        with pytest.raises(OdooTransientError):
            jobs.sync_purchase_orders(partner.id)
    cursor = db.session.scalars(select(SyncCursor)).one()
    assert cursor.last_error and cursor.last_success_at < cursor.last_run_at
    assert OdooCircuitBreaker().state().is_open
    seen = requests_seen(odoo)
    with pytest.raises(OdooTransientError, match="circuit breaker open"):
        jobs.sync_purchase_orders(partner.id)
    assert requests_seen(odoo) == seen
