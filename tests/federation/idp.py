"""Drive the test OpenID provider (tests/oidc_provider/server.mjs, panva/oidc-provider) and
the browser side of a sign-in over real HTTP."""
from __future__ import annotations

import re
import socket
import subprocess
import threading
from pathlib import Path

import requests

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


class TestIdP:
    """One provider process (one issuer); `host` 127.0.0.1 or localhost keeps the cookies of
    two providers apart in one requests.Session (cookies ignore ports)."""

    __test__ = False

    def __init__(self, host: str, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self._log = open(ARTIFACTS / f"oidc-provider-{name}.log", "ab")
        self.process = subprocess.Popen(["node", "server.mjs", "--port", "0", "--host", host],
                                        cwd=PROVIDER_DIR, stdout=subprocess.PIPE, stderr=self._log)
        self.issuer = self._wait_for_issuer()

    def _wait_for_issuer(self) -> str:
        found: list[str] = []

        def read() -> None:
            for line in self.process.stdout:
                text = line.decode(errors="replace")
                if text.startswith("listening "):
                    found.append(text.split()[1])
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(20)
        if not found:
            self.stop()
            raise RuntimeError("the test OpenID provider did not start (npm install in tests/oidc_provider?)")
        return found[0]

    def _control(self, path: str, **body) -> None:
        requests.post(f"{self.issuer}/control/{path}", json=body, timeout=5).raise_for_status()

    def reset(self) -> None:
        self._control("reset")

    def account(self, sub: str, email: str, email_verified: bool = True, name: str = "") -> None:
        self._control("accounts", sub=sub, email=email, email_verified=email_verified, name=name)

    def client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self._control("clients", client_id=client_id, client_secret=client_secret, redirect_uris=redirect_uris)

    def misbehave(self, mode: str) -> None:
        """The next ID token is re-signed with a fault: wrong_aud, wrong_nonce, expired, bad_signature."""
        self._control("misbehave", mode=mode)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def answer_interactions(session: requests.Session, response: requests.Response, sub: str, *,
                        cancel: bool = False) -> requests.Response:
    """Play the user at the provider's login and consent pages until it sends us back."""
    for _ in range(4):
        match = re.search(r"^(.*)/interaction/([^/?#]+)$", response.url)
        if response.status_code != 200 or not match:
            return response
        base, uid = match.groups()
        prompt = re.search(r'id="prompt">(\w+)<', response.text).group(1)
        if prompt == "login":
            response = session.post(f"{base}/interaction/{uid}/login", data={"sub": sub}, timeout=10)
        else:
            action = "abort" if cancel else "confirm"
            response = session.post(f"{base}/interaction/{uid}/{action}", timeout=10)
    return response


def sign_in_through(session: requests.Session, start_url: str, sub: str, *, cancel: bool = False,
                    params: dict | None = None) -> requests.Response:
    """Open the app's start URL, sign in at the provider as `sub`, land back in the app."""
    response = session.get(start_url, params=params, timeout=10)
    return answer_interactions(session, response, sub, cancel=cancel)

