"""``python -m odoo_sandbox``: run a sandbox Odoo until interrupted."""
from __future__ import annotations

import argparse
import logging
import sys

from werkzeug.serving import make_server

from .config import DEFAULT_API_KEY, DEFAULT_DB, DEFAULT_LOGIN, DEFAULT_PASSWORD, FLAVOURS
from .server import create_sandbox_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m odoo_sandbox",
        description="Run a sandbox Odoo (XML-RPC, JSON-RPC, JSON-2) until interrupted.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8169)
    parser.add_argument("--flavour", choices=FLAVOURS, default="19", help="Odoo major version to emulate")
    parser.add_argument("--state-file", help="JSON file loaded at start and saved after every change")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--login", default=DEFAULT_LOGIN)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    app = create_sandbox_app(flavour=args.flavour, state_file=args.state_file, db=args.db,
                             login=args.login, password=args.password, api_key=args.api_key)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"Odoo {args.flavour} sandbox on http://{args.host}:{server.server_port} "
          f"(db {args.db}, login {args.login})", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
