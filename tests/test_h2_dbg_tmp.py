import logging
from tests.test_oauth_client_credentials import *  # noqa
def test_dbg(portal, machine, caplog):
    logging.getLogger("authlib").setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    client_id, secret = register(portal)
    token = get_token(machine, client_id, secret)
    for r in caplog.records:
        m = r.getMessage()
        if secret in m or token in m or secret in repr(r.args): print("LEAK", r.name, m[:300])
