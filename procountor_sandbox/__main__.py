"""``python -m procountor_sandbox``: serve a local Procountor until interrupted."""

from __future__ import annotations

import argparse
import sys

from . import defaults
from .server import create_server, startup_line


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m procountor_sandbox",
        description="A stateful local Procountor API 26.04 for tests and demos. "
        "API under /api, /latest/api, /supported/api and /vNNNN/api; "
        "control API under /_sandbox/; the sandbox page (HTML) at /.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default=defaults.HOST, help="address to listen on")
    parser.add_argument("--port", type=int, default=defaults.PORT, help="port (0 = any free)")
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="JSON file: state loaded at start (if it exists) and written on every write",
    )
    parser.add_argument(
        "--client-id", default=defaults.CLIENT_ID, help="client_id the token request needs"
    )
    parser.add_argument(
        "--client-secret",
        default=defaults.CLIENT_SECRET,
        help="client_secret the token request needs (a public test value)",
    )
    parser.add_argument(
        "--api-key", default=defaults.API_KEY, help="api_key the token request needs"
    )
    parser.add_argument(
        "--redirect-uri",
        default=defaults.REDIRECT_URI,
        help="redirect_uri accepted in the token request (it may also be left out)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=defaults.TOKEN_LIFETIME,
        help="seconds an access token lives",
    )
    parser.add_argument(
        "--no-seed",
        action="store_true",
        help="start empty instead of with the default company 'Sandbox Oy'",
    )
    parser.add_argument(
        "--empty",
        action="store_true",
        help="the company 'Sandbox Oy' without the demo registers (customers, products, "
        "accepted purchase invoices and their suppliers of procountor_sandbox.demo)",
    )
    return parser.parse_args(argv)


def server_options(args: argparse.Namespace) -> dict:
    """SandboxConfig fields of the command line (the demo registers unless --empty)."""
    return {
        "client_id": args.client_id,
        "client_secret": args.client_secret,
        "api_key": args.api_key,
        "redirect_uri": args.redirect_uri,
        "token_lifetime": args.token_lifetime,
        "data_file": args.data,
        "seed": not args.no_seed,
        "demo": not (args.no_seed or args.empty),
        # the demo's Odoo keeps the ids it was given: a restart must not hand them out again
        "clock_ids": not (args.no_seed or args.empty),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    server, _app = create_server(args.host, args.port, **server_options(args))
    # The socket's own address: with --port 0 the port the system chose.
    print(startup_line(server, args.host), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
