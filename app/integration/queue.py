"""Redis and RQ plumbing: one queue, job ids derived from the work they do."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

JOB_TIMEOUT_SECONDS = 300
RESULT_TTL_SECONDS = 3600


def get_redis() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=10,
                          socket_connect_timeout=5)


def get_queue(connection: Redis | None = None) -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=connection or get_redis(),
                 default_timeout=JOB_TIMEOUT_SECONDS)


def outbox_job_id(event_id: int) -> str:
    """Job ids are global in a Redis database: the queue name keeps two portals sharing one
    Redis from replacing each other's jobs."""
    return f"{current_app.config['RQ_QUEUE']}-outbox-{event_id}"


WAITING_STATUSES = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def enqueue_once(func_path: str, *args, job_id: str, delay: timedelta | None = None) -> bool:
    """Enqueue unless the same work (same job id) is already waiting; RQ itself would queue
    the id twice and run it twice. Returns whether a job was enqueued."""
    queue = get_queue()
    try:
        if Job.fetch(job_id, connection=queue.connection).get_status() in WAITING_STATUSES:
            return False
    except NoSuchJobError:
        pass
    options = dict(job_id=job_id, result_ttl=RESULT_TTL_SECONDS, failure_ttl=7 * 24 * 3600,
                   job_timeout=JOB_TIMEOUT_SECONDS)
    if delay:
        queue.enqueue_in(delay, func_path, *args, **options)
    else:
        queue.enqueue(func_path, *args, **options)
    return True


JOB_HEARTBEAT_GRACE = timedelta(seconds=90)


def has_live_job(job_id: str) -> bool:
    """Waiting in Redis, or running with a recent heartbeat from its work horse."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
        status = job.get_status()
    except NoSuchJobError:
        return False
    if status in WAITING_STATUSES:
        return True
    if status == JobStatus.STARTED and job.last_heartbeat:
        heartbeat = job.last_heartbeat.replace(tzinfo=job.last_heartbeat.tzinfo or timezone.utc)
        return datetime.now(timezone.utc) - heartbeat < JOB_HEARTBEAT_GRACE
    return False


def enqueue_outbox_event(event_id: int, *, delay: timedelta | None = None) -> None:
    """Queue delivery of one outbox row."""
    enqueue_once("app.integration.jobs.deliver_outbox_event", event_id,
                 job_id=outbox_job_id(event_id), delay=delay)



def enqueue_odoo_refresh(odoo_model: str, odoo_id: int) -> None:
    """A burst of webhooks for one record collapses into one queued re-read."""
    enqueue_once("app.integration.jobs.refresh_from_odoo", odoo_model, odoo_id,
                 job_id=f"{current_app.config['RQ_QUEUE']}-odoo-{odoo_model.replace('.', '_')}-{odoo_id}")
