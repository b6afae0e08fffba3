from bench.api_key_auth import run


def test_api_benchmark_runs_and_reports_the_ratio(redis_url):
    results = run(iterations=5, invoices=2, database_url=None, redis_url=redis_url)
    assert results["key_auth_ratio"] > 0 and results["invoice_creates_per_second"] > 0
