from tests.test_oauth_client_credentials import *  # noqa
def test_dbg(portal):
    r = portal.post("/oauth-clients", data={"name": "", "scopes": ["root"]})
    import re as _re
    print(_re.findall(r'error-message[^>]*>(.*?)</p>', r.get_data(as_text=True), _re.S))
    print(_re.findall(r'<li>.*?</li>', r.get_data(as_text=True), _re.S)[:5])
