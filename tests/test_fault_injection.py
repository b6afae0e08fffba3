"""Fault injection: real Redis, the Odoo sandbox and real `flask worker` processes, with the
sandbox failing on purpose. Whatever goes wrong, every invoice ends as exactly one bill in Odoo
(one attachment per file, one chatter note) and its outbox event `synced`, or `failed` with
the reason kept when only a person can fix it."""
from __future__ import annotations

import time

import psutil
import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.integration import jobs
from app.integration.breaker import OdooCircuitBreaker
from app.integration.models import DeliveryState, OutboxEvent
from app.integration.queue import get_queue, get_redis
from app.invoices.models import Invoice
from app.invoices.presenters import delivery_for
from tests.factories import login, make_partner, make_user
from tests.fault_helpers import (DeliveryStalled, FaultWorker, all_synced,
                                 assert_each_delivered_exactly_once, event_states, kill_point,
                                 requests_seen, submit)
from tests.live import wait_until
from tests.odoo_helpers import clear_faults, sandbox_state, set_faults

pytestmark = pytest.mark.slow


@pytest.fixture
def acme(app, odoo):
    partner = make_partner()
    jobs.sync_purchase_orders(partner.id)
    user = make_user(partner, email="billing@acme-concrete.example")
    return partner, user


@pytest.fixture
def workers(app, request):
    """Start real workers (no cron: the test calls reconcile_outbox where the scheduler would);
    every one of them, with its scheduler and work horse, is dead when the test ends."""
    started: list[FaultWorker] = []

    def start(name: str, **env) -> FaultWorker:
        worker = FaultWorker(dict(app.config), name=f"faults-{request.node.name}-{name}", **env)
        started.append(worker)
        return worker

    yield start
    family: list[psutil.Process] = []
    for worker in started:
        if worker.alive:
            parent = psutil.Process(worker.process.pid)
            family += [parent, *parent.children(recursive=True)]  # scheduler, work horse
            worker.kill_hard()
    _gone, alive = psutil.wait_procs(family, timeout=5)
    survivors = [p.pid for p in alive if _running(p)]
    assert not survivors, f"worker processes outlived the test: {survivors}"


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# ------------------------------------------------------------------------- 1. SIGKILL mid-push
# The k-th Odoo call after each worker starts is where it dies. Every call is slowed a little
# before it runs (delay_s) and its answer is held after Odoo committed it ("timeout" mode with
# timeout_s far below the worker's ODOO_TIMEOUT, so it is only slow): a kill seen on the k-th
# request lands after Odoo did that call and before the worker heard back.
KILL_AT_CALL = [2, 1, 4, 8, 3, 6, 2, 9, 5, 4, 1, 7, 2, 8, 6, 3, 10, 4, 2, 5]


def test_worker_sigkilled_20_times_mid_push_every_invoice_once_in_odoo(acme, odoo, workers):
    partner, user = acme
    numbers = [f"KILL-{n}" for n in range(8)]
    for number in numbers:
        submit(partner, user, number, support=True)  # the PDF and a photo: two attachments each
    set_faults(odoo, fail_every=1, mode="timeout", timeout_s=0.2, delay_s=0.02)

    kill_points = []
    for round_, calls in enumerate(KILL_AT_CALL):
        target = requests_seen(odoo) + calls  # no worker runs: nothing else calls Odoo
        worker = workers(f"kill-{round_}", PUSH_LOCK_SECONDS=2)
        wait_until(lambda: requests_seen(odoo) >= target, timeout=20, interval=0.02,
                   message=f"call {calls} of round {round_}")
        worker.kill_hard()
        db.session.expire_all()
        victims = db.session.scalars(select(Invoice).join(OutboxEvent, OutboxEvent.subject_id == Invoice.id)
                                     .where(OutboxEvent.state == DeliveryState.SENDING)).all()
        assert len(victims) == 1, f"round {round_}: {len(victims)} pushes were in flight"
        kill_points.append(kill_point(odoo, victims[0]))
        jobs.reconcile_outbox(stale_after_seconds=0)  # the scheduler's job, minutes early

    landed = set(kill_points)
    for point in ("before the bill", "bill in Odoo, not bound", "attachment in Odoo, not bound",
                  "note in Odoo, not bound"):
        assert point in landed, f"no kill landed at {point!r}: {kill_points}"

    clear_faults(odoo)
    workers("recovery")
    jobs.reconcile_outbox(stale_after_seconds=0)
    wait_until(lambda: all_synced(numbers), timeout=60, interval=0.3, message="all synced after the kills")
    assert_each_delivered_exactly_once(odoo, numbers, files_per_invoice=2)


# --------------------------------------------------------------------------------- 2. Redis lost
def test_redis_flushed_with_50_invoices_pending_all_delivered_once(acme, odoo, workers):
    partner, user = acme
    numbers = [f"FLUSH-{n:02d}" for n in range(50)]
    for number in numbers:
        submit(partner, user, number)
    assert get_queue().count == 50

    get_redis().flushdb()  # the queue, its jobs and every registry are gone
    assert get_queue().count == 0
    assert set(event_states().values()) == {DeliveryState.QUEUED}

    assert jobs.reconcile_outbox(stale_after_seconds=0) == 50
    workers("after-flush")
    wait_until(lambda: sum(s is DeliveryState.SYNCED for s in event_states().values()) >= 15,
               timeout=60, message="15 delivered")
    get_redis().flushdb()  # and again, while the worker is busy delivering
    jobs.reconcile_outbox(stale_after_seconds=0)
    wait_until(lambda: all_synced(numbers), timeout=90, interval=0.5, message="all 50 synced")
    assert_each_delivered_exactly_once(odoo, numbers, files_per_invoice=1)


# ------------------------------------------------------------------------ 3. Odoo down, then up
BREAKER = dict(BREAKER_FAILURE_THRESHOLD=2, BREAKER_COOLDOWN_SECONDS=2)


@pytest.mark.config(**BREAKER)
def test_odoo_down_opens_the_breaker_then_all_delivered_once_and_it_closes(acme, odoo, workers):
    partner, user = acme
    numbers = [f"DOWN-{n}" for n in range(6)]
    for number in numbers:
        submit(partner, user, number)
    set_faults(odoo, fail_every=1, mode="down")  # every connection closed without an answer
    workers("down", **BREAKER)

    breaker = OdooCircuitBreaker()
    wait_until(lambda: breaker.state().is_open, timeout=20, interval=0.05, message="the breaker to open")
    seen_when_opened = requests_seen(odoo)
    open_seen, down_until = 0, time.monotonic() + 6
    while time.monotonic() < down_until:  # Odoo stays down 6 s more: three cool-downs
        open_seen += breaker.state().is_open
        time.sleep(0.1)
    calls_while_open = requests_seen(odoo) - seen_when_opened
    assert open_seen > 0
    # Only the probes reach Odoo: about one per cool-down (each fails on its first call).
    assert calls_while_open <= 5, f"{calls_while_open} calls reached Odoo while the breaker was open"
    db.session.expire_all()
    events = db.session.scalars(select(OutboxEvent)).all()
    assert {e.state for e in events} <= {DeliveryState.QUEUED, DeliveryState.RETRYING, DeliveryState.SENDING}
    assert any("Odoo unreachable since" in (e.last_error or "") for e in events), [e.last_error for e in events]
    assert sandbox_state(odoo)["bills"] == []

    clear_faults(odoo)  # Odoo is back
    wait_until(lambda: all_synced(numbers), timeout=40, interval=0.3, message="all synced after Odoo came back")
    assert not breaker.state().is_open
    assert_each_delivered_exactly_once(odoo, numbers, files_per_invoice=1)
    db.session.expire_all()
    assert max(e.attempts for e in db.session.scalars(select(OutboxEvent))) < 8


# --------------------------------------------------------------- 4. every third Odoo call fails
def assert_flaky_odoo_delivers_each_once(odoo, workers, partner, user, mode, fail_every, count):
    numbers = [f"FLAKY-{mode}-{fail_every}-{n}" for n in range(count)]
    for number in numbers:
        submit(partner, user, number)
    # "timeout": Odoo runs and commits the call, then holds the answer past the worker's
    # ODOO_TIMEOUT, so the worker cannot know whether its create happened.
    set_faults(odoo, fail_every=fail_every, mode=mode, timeout_s=1.5)
    # The breaker is kept out of the way here (a very high threshold): its reaction to a flaky
    # Odoo is test_flaky_odoo_does_not_stall_deliveries_behind_the_breaker.
    workers(mode, ODOO_TIMEOUT=1, BREAKER_FAILURE_THRESHOLD=1000)

    def settled():
        states = event_states()
        return all(states.get(n) in (DeliveryState.SYNCED, DeliveryState.FAILED) for n in numbers)

    wait_until(settled, timeout=90, interval=0.3, message="every event synced or failed")
    faults = sandbox_state(odoo)["faults"]
    assert faults["failures_injected"] >= count, faults
    db.session.expire_all()
    failed = {e.id: e.last_error for e in db.session.scalars(select(OutboxEvent))
              if e.state is DeliveryState.FAILED}
    if failed:
        raise DeliveryStalled(f"gave up on a flaky Odoo: {failed}")
    assert_each_delivered_exactly_once(odoo, numbers, files_per_invoice=1)


@pytest.mark.parametrize("mode", ["http500", "timeout"])
def test_every_third_odoo_call_failing_delivers_all_none_doubled(acme, odoo, workers, mode):
    partner, user = acme
    assert_flaky_odoo_delivers_each_once(odoo, workers, partner, user, mode, fail_every=3, count=1)


@pytest.mark.parametrize("mode", ["http500", "timeout"])
def test_every_fourth_odoo_call_failing_delivers_all_none_doubled(acme, odoo, workers, mode):
    partner, user = acme
    assert_flaky_odoo_delivers_each_once(odoo, workers, partner, user, mode, fail_every=4, count=4)


def test_flaky_odoo_does_not_stall_deliveries_behind_the_breaker(acme, odoo, workers):
    partner, user = acme
    numbers = [f"FLAKY-BREAKER-{n}" for n in range(4)]
    for number in numbers:
        submit(partner, user, number)
    set_faults(odoo, fail_every=4, mode="serialization")  # Odoo under load: 1 call in 4 rolled back
    workers("breaker")  # the default breaker: 5 failures, 60 s cool-down
    breaker = OdooCircuitBreaker()
    wait_until(lambda: all_synced(numbers) or breaker.state().is_open, timeout=60, interval=0.1,
               message="all synced, or the breaker open")
    state = breaker.state()
    if state.is_open:
        raise DeliveryStalled(f"breaker opened on an Odoo answering 3 calls in 4 "
                              f"({sandbox_state(odoo)['faults']}); nothing is sent before {state.retry_at}")
    assert_each_delivered_exactly_once(odoo, numbers, files_per_invoice=1)


# ------------------------------------------------------------- 5. permanent error, fixed, replayed
def test_permanent_error_needs_attention_then_fixed_and_replayed_once(acme, odoo, workers, client):
    partner, user = acme
    partner.odoo_partner_id = 999999  # no such vendor in Odoo
    db.session.commit()
    invoice = submit(partner, user, "PERM-1", support=True)
    worker = workers("permanent")
    wait_until(lambda: event_states().get("PERM-1") is DeliveryState.FAILED, timeout=20,
               message="the event to need attention")
    event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.subject_id == invoice.id))
    assert event.attempts == 1, "a permanent error must not be retried"
    assert event.last_error.startswith("Odoo refused it: Record does not exist or has been deleted.")
    assert "999999" in event.last_error and "res.partner" in event.last_error, event.last_error
    assert delivery_for(invoice).label == "Needs attention"
    assert get_queue().scheduled_job_registry.get_job_ids() == []
    state = sandbox_state(odoo)
    assert state["bills"] == [] and state["attachments"] == [] and state["messages"] == []

    partner.odoo_partner_id = 45  # the fix
    db.session.commit()
    login(client, make_user(None, email="ap@summit.example", role=Role.STAFF_ADMIN))
    assert client.post(f"/staff/outbox/{event.id}/retry").status_code == 302
    assert client.post(f"/staff/outbox/{event.id}/retry").status_code == 302  # a double click: refused
    wait_until(lambda: all_synced(["PERM-1"]), timeout=20, message="the replay to sync")
    assert client.post(f"/staff/outbox/{event.id}/retry").status_code == 302  # synced: refused
    time.sleep(1)  # room for a wrongly queued second run
    assert_each_delivered_exactly_once(odoo, ["PERM-1"], files_per_invoice=2)
    db.session.expire_all()
    assert db.session.get(OutboxEvent, event.id).attempts == 1  # a fresh budget, one attempt used
    assert worker.deliveries_run() == 2


# ------------------------------------------------------- 6. four workers, one company, 20 pushes
def test_four_workers_twenty_pushes_one_company_twenty_bills(acme, odoo, workers):
    partner, user = acme
    numbers = [f"RACE-{n:02d}" for n in range(20)]
    for number in numbers:
        submit(partner, user, number)
    set_faults(odoo, delay_s=0.03)  # slow enough that the pushes overlap
    racers = [workers(f"racer-{n}") for n in range(4)]
    wait_until(lambda: all_synced(numbers), timeout=90, interval=0.3, message="all 20 synced")
    assert_each_delivered_exactly_once(odoo, numbers, files_per_invoice=1)
    busy = [w.deliveries_run() for w in racers]
    assert sum(1 for n in busy if n) >= 2, f"the pushes did not run in parallel workers: {busy}"
