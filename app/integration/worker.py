"""The worker process: an RQ worker with its scheduler, plus the periodic jobs."""
from __future__ import annotations

import logging
import multiprocessing
import os

from flask import Flask
from rq import Worker
from rq.cron import CronScheduler

from app.credentials.reminders import send_api_key_expiry_reminders
from app.integration import jobs
from app.integration.queue import get_queue, get_redis
from app.usage.jobs import flush_api_usage

log = logging.getLogger("rebar.worker")


def _run_cron(app: Flask) -> None:
    with app.app_context():
        scheduler = CronScheduler(connection=get_redis(), logging_level=app.config["RQ_LOG_LEVEL"])
        queue_name = app.config["RQ_QUEUE"]
        scheduler.register(jobs.sync_purchase_orders, queue_name,
                           interval=app.config["PO_SYNC_INTERVAL_SECONDS"], job_timeout=600)
        scheduler.register(jobs.refresh_bill_statuses, queue_name,
                           interval=app.config["BILL_STATUS_INTERVAL_SECONDS"], job_timeout=600)
        scheduler.register(jobs.reconcile_outbox, queue_name, interval=60, job_timeout=300)
        scheduler.register(send_api_key_expiry_reminders, queue_name,
                           interval=app.config["API_KEY_REMINDER_INTERVAL_SECONDS"], job_timeout=300)
        scheduler.register(flush_api_usage, queue_name,
                           interval=app.config["API_USAGE_FLUSH_INTERVAL_SECONDS"], job_timeout=300)
        scheduler.start()


def run_worker(app: Flask, *, burst: bool = False, with_cron: bool = True) -> None:
    os.environ[jobs.WORKER_PID_ENV] = str(os.getpid())
    cron_process = None
    if with_cron and not burst:
        cron_process = multiprocessing.get_context("fork").Process(
            target=_run_cron, args=(app,), name="rebar-cron", daemon=True)
        cron_process.start()
    try:
        connection = get_redis()
        worker = Worker([get_queue(connection)], connection=connection)
        worker.work(with_scheduler=True, burst=burst, logging_level=app.config["RQ_LOG_LEVEL"])
    finally:
        if cron_process is not None and cron_process.is_alive():
            cron_process.terminate()
            cron_process.join(5)
