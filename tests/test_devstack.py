"""`make run`'s launcher: everything up on embedded defaults, everything gone after Ctrl-C."""
import os
import signal
import socket
import subprocess
import sys

import psutil
import pyotp
import pytest
import requests

from app.demo import demo_totp_secret
from tests.live import ARTIFACTS, PROJECT_ROOT, wait_until

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_stack_with_embedded_redis_starts_and_stops_cleanly(tmp_path):
    web_port, sandbox_port, test_sandbox_port, dead_redis_port = free_port(), free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "ODOO_", "REDIS_URL"))}
    env.update(PORT=str(web_port), ODOO_SANDBOX_PORT=str(sandbox_port), ODOO_TEST_SANDBOX_PORT=str(test_sandbox_port),
               REDIS_URL=f"redis://127.0.0.1:{dead_redis_port}/0",
               DATABASE_URL=f"sqlite:///{tmp_path / 'rebar.db'}")
    log_path = ARTIFACTS / "devstack.log"
    preexisting_redis = {p.pid for p in psutil.process_iter(["name"]) if "redis-server" in (p.info["name"] or "")}
    with open(log_path, "wb") as log:
        launcher = subprocess.Popen([sys.executable, "-m", "app.devstack"], cwd=PROJECT_ROOT, env=env,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: b"Rebar is running" in log_path.read_bytes(), timeout=90, message="banner")
        output = log_path.read_text()
        assert "starting an embedded one" in output
        assert "billing@acme-concrete.example / rebar-demo-2026" in output
        family = psutil.Process(launcher.pid).children(recursive=True)
        embedded = [p for p in psutil.process_iter(["name", "cwd"])
                    if "redis-server" in (p.info["name"] or "") and p.pid not in preexisting_redis]
        assert len(embedded) == 1, embedded
        base = f"http://127.0.0.1:{web_port}"
        assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        assert "P00013" in requests.get(f"http://127.0.0.1:{sandbox_port}/", timeout=5).text
        # test mode has an Odoo of its own, never the one playing the live books
        assert f"Test mode (rbr_test_ keys): http://127.0.0.1:{test_sandbox_port}" in output
        assert requests.get(f"http://127.0.0.1:{test_sandbox_port}/", timeout=5).status_code == 200
        session = requests.Session()
        page = session.get(f"{base}/login", timeout=5).text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = session.post(f"{base}/login", data={"email": "billing@acme-concrete.example",
                                                       "password": "rebar-demo-2026", "csrf_token": token})
        assert "two-factor-code" in output and response.url.endswith("/login/two-step")
        token = response.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        code = pyotp.TOTP(demo_totp_secret("billing@acme-concrete.example")).now()
        response = session.post(f"{base}/login/two-step", data={"code": code, "csrf_token": token})
        assert "P00013" in response.text and "Summit Builders Civil LLC" in response.text
    finally:
        os.killpg(launcher.pid, signal.SIGINT)
        launcher.wait(30)
    assert launcher.returncode == 0
    wait_until(lambda: not [p for p in family + embedded if p.is_running() and p.status() != psutil.STATUS_ZOMBIE],
               timeout=15, message="every started process to stop")
