from tests.test_local_accounts import *
def test_dbg(app, client, billing):
    laptop = login(app.test_client(), billing, remember=True)
    tok = db.session.get(User, billing.id).session_token
    client.post("/forgot-password", data={"email": billing.email})
    link = _link_in_last_mail(billing.email, "/reset-password")
    response = client.post(link, data={"password": NEW_PASSWORD})
    db.session.expire_all()
    print("tok", tok, db.session.get(User, billing.id).session_token, response.status_code)
    print(laptop.get("/invoices").status_code)
