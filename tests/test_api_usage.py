"""API usage per credential: Redis day counters, the flush into api_usage_daily, the pages."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from app.auth.models import Role
from app.credentials.models import ApiKey
from app.extensions import db
from app.usage import counter
from app.usage.chart import bar_chart, nice_ceiling
from app.usage.jobs import flush_api_usage
from app.usage.models import ApiUsageDaily
from app.usage.services import DailyUsage, flush_usage, top_credentials, usage_for_key
from tests.factories import login, make_api_key, make_partner, make_user

SCOPES = ("invoices:read", "invoices:write", "profile:read", "purchase_orders:read")


def key_row(secret: str) -> ApiKey:
    return db.session.scalar(select(ApiKey).where(ApiKey.public_id == secret.split("_")[2]))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def acme(app):
    partner = make_partner("Acme Concrete LLC", 45)
    secret = make_api_key(partner, SCOPES)
    return partner, key_row(secret), secret


def call_mix(client, secret: str) -> None:
    """Two successes, a 404 and a 422: four requests, two client errors."""
    headers = bearer(secret)
    assert client.get("/api/v1/purchase-orders", headers=headers).status_code == 200
    assert client.get("/api/v1/profile", headers=headers).status_code == 200
    assert client.get("/api/v1/purchase-orders/999999", headers=headers).status_code == 404
    assert client.post("/api/v1/invoices", json={"lines": "nope"},
                       headers={**headers, "Idempotency-Key": "usage-1"}).status_code == 422


def stored_rows() -> list[tuple]:
    db.session.expire_all()
    return [(r.api_key_id, r.day, r.requests, r.client_errors, r.server_errors)
            for r in db.session.scalars(select(ApiUsageDaily).order_by(ApiUsageDaily.day))]


def test_calls_with_a_key_are_counted_per_day_with_errors(client, acme):
    _, key, secret = acme
    call_mix(client, secret)
    assert client.get("/api/v1/purchase-orders").status_code == 401  # no credential: not counted
    today = counter.utc_today()
    raw = counter.usage_redis().hgetall(counter.usage_key(today))
    assert {k.decode(): int(v) for k, v in raw.items()} == {f"{key.id}:r": 4, f"{key.id}:c": 2}
    assert 0 < counter.usage_redis().ttl(counter.usage_key(today)) <= counter.COUNTER_TTL_SECONDS
    usage = usage_for_key(key.id)
    assert len(usage) == 30 and usage[0].day == today - timedelta(days=29)
    assert usage[-1] == DailyUsage(today, requests=4, errors=2, client_errors=2, server_errors=0)
    assert all(u.requests == 0 for u in usage[:-1])


def test_server_errors_are_counted_apart(app, acme):
    _, key, _ = acme
    with app.test_request_context():
        for status in (200, 503, 500, 429):
            counter.count_api_request(key, status)
    assert usage_for_key(key.id, days=1) == [DailyUsage(counter.utc_today(), 4, 3, 1, 2)]


def test_flush_writes_absolute_day_totals_and_rerunning_never_double_counts(client, acme):
    _, key, secret = acme
    today = counter.utc_today()
    yesterday = today - timedelta(days=1)
    counter.usage_redis().hset(counter.usage_key(yesterday), mapping={f"{key.id}:r": 7, f"{key.id}:s": 1})
    call_mix(client, secret)

    assert flush_usage() == 2
    db.session.commit()
    expected = [(key.id, yesterday, 7, 0, 1), (key.id, today, 4, 2, 0)]
    assert stored_rows() == expected
    assert flush_api_usage() == 2  # the scheduled job: same work, same result
    assert stored_rows() == expected

    assert client.get("/api/v1/profile", headers=bearer(secret)).status_code == 200
    flush_api_usage()
    assert stored_rows()[-1] == (key.id, today, 5, 2, 0)


def test_stored_days_merge_with_live_counts_and_survive_a_lost_redis(client, acme):
    _, key, secret = acme
    call_mix(client, secret)
    flush_api_usage()
    counter.usage_redis().flushdb()  # Redis restarted without its data
    assert client.get("/api/v1/profile", headers=bearer(secret)).status_code == 200
    flush_api_usage()
    assert stored_rows()[-1][2:] == (4, 2, 0)  # never goes down
    assert usage_for_key(key.id)[-1].requests == 4


def test_flush_skips_counters_of_unknown_credentials(app, acme):
    _, key, _ = acme
    counter.usage_redis().hset(counter.usage_key(counter.utc_today()),
                               mapping={f"{key.id}:r": 3, "999999:r": 5, "junk": 1})
    assert flush_usage() == 1
    db.session.commit()
    assert [row[0] for row in stored_rows()] == [key.id]


def test_flush_command(app, runner, acme):
    _, key, _ = acme
    counter.usage_redis().hset(counter.usage_key(counter.utc_today() - timedelta(days=10)),
                               mapping={f"{key.id}:r": 3})
    result = runner.invoke(args=["api-usage", "flush", "--days", "35"])
    assert result.exit_code == 0, result.output
    assert "1 credential-days written" in result.output
    assert stored_rows()[0][2] == 3
    assert runner.invoke(args=["api-usage", "flush", "--days", "0"]).exit_code != 0


def test_redis_down_never_fails_an_api_request(client, app, acme, caplog, monkeypatch):
    _, key, secret = acme
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(counter.usage_redis(), "connection_pool", dead.connection_pool)
    caplog.set_level(logging.WARNING, logger="rebar.api_usage")
    for _ in range(3):
        assert client.get("/api/v1/profile", headers=bearer(secret)).status_code == 200
    warnings = [r for r in caplog.records if r.name == "rebar.api_usage" and "not counted" in r.message]
    assert len(warnings) == 1  # once per outage, not once per request
    assert usage_for_key(key.id)[-1].requests == 0  # reading degrades to the stored numbers


def test_owner_sees_the_chart_and_numbers(client, acme):
    partner, key, secret = acme
    call_mix(client, secret)
    login(client, make_user(partner, email="owner@acme.example"))
    page = client.get(f"/api-keys/{key.id}/usage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "<title" in html
    assert "4 requests, 2 errors" in html  # the bar's tooltip
    assert "50%" in html  # error rate
    assert 'class="visually-hidden"' in html and "<caption>" in html


def test_other_companys_key_is_not_found_and_viewers_may_not_look(client, acme):
    _, key, _ = acme
    other = make_partner("Brightline Electrical Inc.", 46)
    login(client, make_user(other, email="owner@brightline.example"))
    assert client.get(f"/api-keys/{key.id}/usage").status_code == 404
    assert client.get("/api-keys/999999/usage").status_code == 404
    client.post("/logout")
    login(client, make_user(acme[0], email="viewer@acme.example", role=Role.PARTNER_VIEWER))
    assert client.get(f"/api-keys/{key.id}/usage").status_code == 403


def test_owner_sees_the_usage_of_their_test_mode_keys(client, acme):
    """rbr_test_ keys belong to the company's sandbox twin (app/credentials/sandbox.py)."""
    from app.partners.models import Partner

    partner = acme[0]
    twin = Partner(name="Acme Concrete LLC (test)", is_sandbox=True, sandbox_of_id=partner.id)
    db.session.add(twin)
    db.session.commit()
    test_key = key_row(make_api_key(twin, SCOPES))
    login(client, make_user(partner, email="owner@acme.example"))
    assert client.get(f"/api-keys/{test_key.id}/usage").status_code == 200


def test_staff_see_any_credential_and_the_busiest_list(client, acme):
    partner, key, secret = acme
    quiet_secret = make_api_key(make_partner("Brightline Electrical Inc.", 46), SCOPES)
    call_mix(client, secret)
    assert client.get("/api/v1/profile", headers=bearer(quiet_secret)).status_code == 200
    flush_api_usage()
    login(client, make_user(None, email="staff@summit.example", role=Role.STAFF_ADMIN))
    page = client.get(f"/staff/api-keys/{key.id}/usage")
    assert page.status_code == 200 and "Acme Concrete LLC" in page.get_data(as_text=True)
    assert client.get("/staff/api-keys/999999/usage").status_code == 404
    overview = client.get("/staff/api-usage").get_data(as_text=True)
    assert overview.index("Acme Concrete LLC") < overview.index("Brightline Electrical Inc.")
    assert "50%" in overview and f"/staff/api-keys/{key.id}/usage" in overview
    [busiest, quiet] = top_credentials()
    assert (busiest.key.id, busiest.requests, busiest.errors) == (key.id, 4, 2)
    assert (quiet.requests, quiet.error_rate) == (1, 0.0)


@pytest.mark.parametrize("role", [Role.PARTNER_OWNER, Role.PARTNER_VIEWER])
def test_partner_users_may_not_open_staff_pages(client, acme, role):
    partner, key, _ = acme
    login(client, make_user(partner, email=f"{role.value}@acme.example", role=role))
    assert client.get("/staff/api-usage").status_code == 403
    assert client.get(f"/staff/api-keys/{key.id}/usage").status_code == 403


def test_chart_geometry():
    assert [nice_ceiling(v) for v in (0, 1, 3, 10, 11, 180, 501)] == [1, 1, 5, 10, 20, 200, 1000]
    from datetime import date
    usage = [DailyUsage(date(2026, 12, d), r, e, e, 0) for d, r, e in ((1, 0, 0), (2, 10, 5), (3, 20, 0))]
    chart = bar_chart(usage)
    empty, half, full = chart.bars
    assert empty.height == 0 and full.y < half.y and full.height == 2 * half.height
    assert half.error_height == half.height / 2 and full.error_height == 0
    assert [t.value for t in chart.ticks] == [0, 10, 20]
    assert full.label  # today is always labelled
