"""Reading and steering the Odoo sandbox from tests."""
from __future__ import annotations

import requests


def sandbox_state(url: str) -> dict:
    response = requests.get(f"{url}/sandbox/state", timeout=5)
    response.raise_for_status()
    return response.json()


def bills_for_ref(url: str, ref: str) -> list[dict]:
    return [b for b in sandbox_state(url)["bills"] if b["ref"] == ref]


def set_faults(url: str, **plan) -> None:
    requests.post(f"{url}/sandbox/faults", json=plan, timeout=5).raise_for_status()


def clear_faults(url: str) -> None:
    requests.delete(f"{url}/sandbox/faults", timeout=5).raise_for_status()


def clerk_action(url: str, bill_id: int, action: str) -> None:
    requests.post(f"{url}/sandbox/bills/{bill_id}/{action}", timeout=5).raise_for_status()


def deliver_event_now(event_id: int) -> str:
    """Run the outbox delivery job in the test process, as a worker would once it took the
    job off the queue (the queued copy is dropped so no worker runs it twice)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from app.extensions import db
    from app.integration import jobs
    from app.integration.queue import get_queue, outbox_job_id

    try:
        Job.fetch(outbox_job_id(event_id), connection=get_queue().connection).delete()
    except NoSuchJobError:
        pass
    result = jobs.deliver_outbox_event(event_id)
    db.session.expire_all()
    return result
