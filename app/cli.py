"""The `nn-playground` command: start the server (one process, or a front and N workers)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from app.cluster.workers import Workers, worker_count
from app.config import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nn-playground", description="Start the NN Playground server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    parser.add_argument("--workers", default=os.environ.get("NNP_WORKERS", "1"),
                        help="processes that own sessions: a number, or 'auto' for one per core "
                             "(default 1, or NNP_WORKERS); more than 1 adds a front that routes by id")
    args = parser.parse_args(argv)
    try:
        n = worker_count(args.workers)
    except ValueError:
        parser.error(f"--workers: a whole number ≥ 1 or 'auto', not {args.workers!r}")
    if n == 1:
        uvicorn.run("app.main:app", host=args.host, port=args.port, reload=args.reload)
        return
    if args.reload:
        parser.error("--reload works with one worker only")
    workers = Workers(n)
    try:
        workers.wait_ready()
        os.environ["NNP_FRONT_SOCKETS"] = workers.spec  # read by app.main when uvicorn imports it
        get_settings.cache_clear()  # the request schemas read the settings at this module's import
        uvicorn.run("app.main:app", host=args.host, port=args.port)
    finally:
        workers.stop()


if __name__ == "__main__":
    main()
