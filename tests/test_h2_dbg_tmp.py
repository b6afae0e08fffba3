def test_dbg(client):
    r = client.get("/developers/api")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    i = html.index('id="oauth"'); print(html[i:i+2500])
