"""The linter (ruff.toml) runs with the suite, so an unused import or an undefined name never lands."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "app", "tests", "odoo_sandbox",
                             "bench", "migrations", "wsgi.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
