"""Real processes for end-to-end tests: the web app over HTTP and RQ workers."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests
from werkzeug.serving import make_server

from app import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


class LiveServer:
    """The Flask app served over real HTTP in a thread, CSRF switched on."""

    def __init__(self, config: dict):
        self.app = create_app({**config, "WTF_CSRF_ENABLED": True})
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def worker_env(config: dict) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": config["REDIS_URL"],
        "RQ_QUEUE": config["RQ_QUEUE"], "ODOO_URL": config["ODOO_URL"],
        "ODOO_PROTOCOL": config["ODOO_PROTOCOL"], "ODOO_TIMEOUT": str(config["ODOO_TIMEOUT"]),
        "PUSH_RETRY_BASE_SECONDS": "0.5", "PUSH_LOCK_SECONDS": "3",
        "LOG_FORMAT": "text", "PYTHONPATH": str(PROJECT_ROOT),
    })
    return env


class Worker:
    """`flask worker` as operators run it, in its own process group, logging to a file."""

    started: list["Worker"] = []

    def __init__(self, config: dict, name: str = "worker", cron: bool = True):
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}.log"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--cron" if cron else "--no-cron"],
            cwd=PROJECT_ROOT,
            env=worker_env(config), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        Worker.started.append(self)

    @classmethod
    def stop_all(cls) -> None:
        for worker in cls.started:
            if worker.process.poll() is None:
                worker.kill_hard()

    def kill_hard(self) -> None:
        """SIGKILL the worker, its scheduler and its work horse (which has its own session)."""
        parent = psutil.Process(self.process.pid)
        for process in parent.children(recursive=True) + [parent]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait(10)
        if not self._log.closed:
            self._log.close()

    def stop(self) -> None:
        """SIGTERM as an operator would; anything of the worker's still alive after is killed."""
        if self.process.poll() is None:
            family = psutil.Process(self.process.pid).children(recursive=True)
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill_hard()
            for leftover in family:
                if leftover.is_running():
                    leftover.kill()
        if not self._log.closed:
            self._log.close()


def wait_until(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def browser_login(session: requests.Session, base_url: str, email: str, password: str) -> None:
    page = session.get(f"{base_url}/login").text
    response = session.post(f"{base_url}/login", data={"email": email, "password": password,
                                                        "csrf_token": csrf_token(page)},
                            allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    if response.headers.get("Location", "").endswith("/login/two-step"):
        from tests.factories import TOTP_SECRET, forget_last_code, totp_code
        forget_last_code(email)
        page = session.get(f"{base_url}/login/two-step").text
        response = session.post(f"{base_url}/login/two-step",
                                data={"code": totp_code(secret=TOTP_SECRET), "csrf_token": csrf_token(page)},
                                allow_redirects=False)
        assert response.status_code == 302, response.text[:300]
