"""Schemathesis fuzzes the live API (real HTTP, real PostgreSQL/SQLite and Redis) from its own
OpenAPI document: no 500, and every response matches the document."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.credentials.services import SCOPES
from tests.factories import make_api_key, make_partner, make_purchase_order
from tests.live import ARTIFACTS, LiveServer

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.mark.timeout(180)
@pytest.mark.config(API_RATE_LIMIT_PER_KEY="100000 per minute", API_RATE_LIMIT_PER_PARTNER="100000 per minute")
def test_schemathesis_finds_no_server_error_and_no_schema_violation(app):
    partner = make_partner()
    make_purchase_order(partner)
    key = make_api_key(partner, sorted(SCOPES))
    server = LiveServer(dict(app.config))
    report = ARTIFACTS / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "schemathesis"), "run",
             f"{server.url}/api/v1/openapi.json", "--url", f"{server.url}/api/v1",
             "--header", f"Authorization: Bearer {key}", "--checks", CHECKS,
             "--max-examples", "40", "--seed", "20261204", "--phases", "examples,coverage,fuzzing",
             "--request-timeout", "20", "--no-color", "--report", "junit", "--report-dir", str(report)],
            capture_output=True, text=True, timeout=170)
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert key not in result.stdout
