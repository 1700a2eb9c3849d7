"""`storybeat` with the studio: every agent command plus `storybeat serve`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from agent.cli import main as agent_main


def add_serve(sub: Any) -> None:
    """The ``serve`` command on the ``storybeat`` subparsers."""
    serve = sub.add_parser("serve", help="run the web studio (http://127.0.0.1:8000)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="make a demo account and a demo project (from the synthesised demo song) if absent",
    )
    serve.set_defaults(run=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from agent.config import Settings
    from web.app import create_app
    from web.config import WebSettings
    from web.demo import ensure_demo

    settings = Settings()
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    web = WebSettings(**overrides)
    app = create_app(settings, web)
    if args.demo:
        email, password = ensure_demo(app)
        print(f"storybeat: demo account {email} / {password}", file=sys.stderr)
    print(f"storybeat: studio on http://{web.host}:{web.port}", file=sys.stderr)
    uvicorn.run(app, host=web.host, port=web.port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    return agent_main(argv, extensions=(add_serve,))
