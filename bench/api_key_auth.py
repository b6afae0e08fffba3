"""API benchmark: what API-key authentication costs, and invoice create throughput.

    .venv/bin/python -m bench.api_key_auth [--iterations 2000] [--invoices 200]

Runs in-process (Flask test client: no socket noise) on a fresh SQLite file, or on
BENCH_DATABASE_URL (e.g. an empty PostgreSQL database); Redis from BENCH_REDIS_URL (the rate
limiter's storage, as in production). The same endpoint (/api/v1/openapi.json, which needs no
key) is timed with and without a valid key in one run: the only difference is the key lookup
(parse, one indexed SELECT, HMAC-SHA256, constant-time compare), so the ratio is its cost."""
from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from app import create_app



def _pdf() -> bytes:
    import io

    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _app(database_url: str, redis_url: str):
    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "TESTING": True,
        "RQ_QUEUE": f"rebar-bench-{os.getpid()}", "LOG_LEVEL": "WARNING", "MAIL_BACKEND": "console",
        "API_RATE_LIMIT_PER_KEY": "10000000 per minute", "API_RATE_LIMIT_PER_PARTNER": "10000000 per minute",
    })


def _timed(call: Callable[[], int], iterations: int, expected: int) -> list[float]:
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        status = call()
        samples.append(time.perf_counter() - started)
        if status != expected:
            raise SystemExit(f"unexpected status {status} (wanted {expected}); see the app log")
    return samples


def _seed():
    from datetime import datetime, timezone
    from decimal import Decimal

    from app.credentials.services import SCOPES, create_api_key
    from app.extensions import db
    from app.partners.services import create_partner
    from app.purchasing.models import PurchaseOrder, PurchaseOrderLine

    partner = create_partner("Bench Concrete LLC", 9001)
    order = PurchaseOrder(partner_id=partner.id, odoo_id=9001, number="P-BENCH", state="confirmed",
                          buyer_company_odoo_id=1, buyer_company_name="Summit Builders", currency_code="USD",
                          currency_odoo_id=1, ordered_at=datetime.now(timezone.utc),
                          amount_untaxed=Decimal("1000000"), amount_total=Decimal("1000000"))
    order.lines.append(PurchaseOrderLine(odoo_id=9001, sequence=0, description="Bench line", quantity=Decimal("1000000"),
                                         unit_price=Decimal("1"), odoo_tax_ids=[]))
    db.session.add(order)
    _, key = create_api_key(partner.id, sorted(SCOPES), name="bench")
    db.session.commit()
    return order.id, order.lines[0].id, key


def _lookup_only(app, key: str, iterations: int) -> list[float]:
    """The key lookup alone (parse, one SELECT with partner and creator, HMACs), without the
    per-credential rate limits and usage counters that a keyed request also pays for."""
    from app.credentials.services import authenticate_api_key
    from app.extensions import db

    samples = []
    with app.test_request_context():
        for _ in range(iterations):
            started = time.perf_counter()
            authenticate_api_key(key)
            samples.append(time.perf_counter() - started)
            db.session.rollback()  # a fresh identity map, as in a new request
    return samples


def run(iterations: int, invoices: int, database_url: str | None = None,
        redis_url: str | None = None) -> dict[str, float]:
    """Medians in milliseconds, the with/without-key ratio, and invoices created per second."""
    from flask_migrate import upgrade

    workdir = tempfile.mkdtemp(prefix="rebar-bench-")
    database_url = database_url or os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(workdir) / 'bench.db'}"
    redis_url = redis_url or os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    app = _app(database_url, redis_url)
    with app.app_context():
        upgrade()
        order_id, line_id, key = _seed()
    client = app.test_client()
    keyed = {"Authorization": f"Bearer {key}"}
    for _ in range(min(50, iterations)):  # warm up caches and connections
        client.get("/api/v1/openapi.json", headers=keyed)
        client.get("/api/v1/openapi.json")
    bare, with_key = [], []
    for _ in range(iterations):  # interleaved, so drift hits both alike
        bare += _timed(lambda: client.get("/api/v1/openapi.json").status_code, 1, 200)
        with_key += _timed(lambda: client.get("/api/v1/openapi.json", headers=keyed).status_code, 1, 200)
    lookup = _lookup_only(app, key, iterations)
    profile = _timed(lambda: client.get("/api/v1/profile", headers=keyed).status_code, iterations, 200)
    pdf = base64.b64encode(_pdf()).decode()
    counter = iter(range(invoices))
    started = time.perf_counter()
    _timed(lambda: client.post("/api/v1/invoices", headers={**keyed, "Idempotency-Key": f"bench-{next(counter)}"}, json={
        "purchase_order_id": order_id, "invoice_number": f"BENCH-{time.perf_counter_ns()}",
        "invoice_date": time.strftime("%Y-%m-%d"),
        "lines": [{"purchase_order_line_id": line_id, "quantity": "1"}],
        "attachments": [{"filename": "bench.pdf", "content_base64": pdf}]}).status_code, invoices, 201)
    elapsed = time.perf_counter() - started
    with app.app_context():
        from app.extensions import db
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    results = {
        "bare_median_ms": statistics.median(bare) * 1000,
        "with_key_median_ms": statistics.median(with_key) * 1000,
        "key_auth_ratio": statistics.median(with_key) / statistics.median(bare),
        "key_lookup_cost_ms": (statistics.median(with_key) - statistics.median(bare)) * 1000,
        "lookup_only_median_ms": statistics.median(lookup) * 1000,
        "profile_with_key_median_ms": statistics.median(profile) * 1000,
        "invoice_creates_per_second": invoices / elapsed if elapsed else 0.0,
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=200)
    args = parser.parse_args()
    results = run(args.iterations, args.invoices)
    print(f"GET /api/v1/openapi.json, median of {args.iterations}:")
    print(f"  without a key   {results['bare_median_ms']:.3f} ms")
    print(f"  with a key      {results['with_key_median_ms']:.3f} ms")
    print(f"  ratio           {results['key_auth_ratio']:.3f}  (key lookup ≈ {results['key_lookup_cost_ms']:.3f} ms)")
    print(f"  of which the key lookup itself {results['lookup_only_median_ms']:.3f} ms; the rest is the "
          "per-credential and per-company rate limits and usage counters (Redis)")
    print(f"GET /api/v1/profile with a key: median {results['profile_with_key_median_ms']:.3f} ms")
    print(f"POST /api/v1/invoices: {results['invoice_creates_per_second']:.1f} invoices/s over {args.invoices}")


if __name__ == "__main__":
    main()
