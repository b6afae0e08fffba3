"""Redis and RQ plumbing: one queue, job ids derived from the work they do."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from redis import Redis
from rq import Queue

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


def enqueue_outbox_event(event_id: int, *, delay: timedelta | None = None) -> None:
    """Queue delivery of one outbox row; the job id makes a second enqueue replace the first."""
    queue = get_queue()
    options = dict(job_id=outbox_job_id(event_id), result_ttl=RESULT_TTL_SECONDS,
                   failure_ttl=7 * 24 * 3600, job_timeout=JOB_TIMEOUT_SECONDS)
    if delay:
        queue.enqueue_in(delay, "app.integration.jobs.deliver_outbox_event", event_id, **options)
    else:
        queue.enqueue("app.integration.jobs.deliver_outbox_event", event_id, **options)

