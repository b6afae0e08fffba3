from sqlalchemy import select

from app.auth.models import User
from app.credentials.models import ApiKey
from app.extensions import db
from app.partners.models import Partner


def test_create_partner_prints_only_the_new_id(runner):
    result = runner.invoke(args=["create-partner", "--name", "Acme Concrete LLC", "--odoo-partner-id", "45"])
    assert result.exit_code == 0, result.output
    partner = db.session.get(Partner, int(result.output.strip()))
    assert (partner.name, partner.odoo_partner_id) == ("Acme Concrete LLC", 45)


def test_create_partner_refuses_a_second_binding(runner):
    runner.invoke(args=["create-partner", "--name", "A", "--odoo-partner-id", "45"])
    result = runner.invoke(args=["create-partner", "--name", "B", "--odoo-partner-id", "45"])
    assert result.exit_code != 0 and "already linked" in result.output


def test_create_user_and_api_key(runner):
    partner_id = runner.invoke(args=["create-partner", "--name", "A", "--odoo-partner-id", "45"]).output.strip()
    result = runner.invoke(args=["create-user", "--email", "clerk@a.example", "--password", "long enough pw",
                                 "--role", "partner_billing", "--partner", partner_id])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "clerk@a.example"))
    assert user.partner_id == int(partner_id) and user.role.value == "partner_billing"

    result = runner.invoke(args=["create-api-key", "--partner", partner_id,
                                 "--scopes", "purchase_orders:read,invoices:write"])
    assert result.exit_code == 0, result.output
    key_text = result.output.strip()
    assert key_text.startswith("rbr_live_") and "\n" not in key_text
    stored = db.session.scalar(select(ApiKey))
    secret = key_text.rsplit("_", 1)[-1]
    assert secret not in stored.secret_hmac and len(stored.secret_hmac) == 64
    assert stored.scope_set == {"purchase_orders:read", "invoices:write"}


def test_cli_errors_are_clear(runner):
    assert "Partner users need --partner" in runner.invoke(
        args=["create-user", "--email", "x@a.example", "--password", "long enough pw",
              "--role", "partner_owner"]).output
    assert "at least 12 characters" in runner.invoke(
        args=["create-user", "--email", "x@a.example", "--password", "short", "--role", "staff_admin"]).output
    assert "Unknown or missing scopes" in runner.invoke(
        args=["create-api-key", "--partner", "1", "--scopes", "everything"]).output
    assert "No partner with id 999" in runner.invoke(
        args=["create-api-key", "--partner", "999", "--scopes", "invoices:read"]).output


def test_revoked_api_key_stops_working_at_once(runner, client):
    partner_id = runner.invoke(args=["create-partner", "--name", "A", "--odoo-partner-id", "45"]).output.strip()
    key = runner.invoke(args=["create-api-key", "--partner", partner_id, "--scopes", "purchase_orders:read"]).output.strip()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/purchase-orders", headers=headers).status_code == 200
    result = runner.invoke(args=["revoke-api-key", key.split("_")[2]])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/purchase-orders", headers=headers).status_code == 401
    assert "No API key" in runner.invoke(args=["revoke-api-key", "0000"]).output
