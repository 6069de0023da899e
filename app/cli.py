"""The `nn-playground` command: start the server (one process, a front and N workers, or a web process
of a Ray cluster whose session hosts are actors on any node)."""

from __future__ import annotations

import argparse
import os
import signal

import uvicorn

from app.cluster.workers import Workers, worker_count
from app.config import get_settings
from app.slow_clients import PROTOCOL


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nn-playground", description="Start the NN Playground server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    parser.add_argument("--workers", default=os.environ.get("NNP_WORKERS", "1"),
                        help="processes that own sessions: a number, or 'auto' for one per core "
                             "(default 1, or NNP_WORKERS); more than 1 adds a front that routes by id")
    parser.add_argument("--ray", default=os.environ.get("NNP_RAY", ""), metavar="ADDRESS",
                        help="join a Ray cluster (an address, 'auto' for the one started on this machine with "
                             "`ray start`, or 'local' for a private one): sessions live in Ray actors on any "
                             "node, this process only routes (needs the cluster extra; or NNP_RAY)")
    parser.add_argument("--hosts", type=int, default=int(os.environ.get("NNP_RAY_HOSTS", "0")),
                        help="with --ray: session hosts to find or start (default: one per CPU of the cluster)")
    parser.add_argument("--stop-hosts", action="store_true",
                        help="with --ray: stop the cluster's session hosts (and their sessions), then exit")
    parser.add_argument("--ray-temp-dir", default=os.environ.get("NNP_RAY_TEMP_DIR", ""), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stop_hosts and not args.ray:
        parser.error("--stop-hosts needs --ray ADDRESS")
    if args.ray:
        _run_on_ray(parser, args)
        return
    try:
        n = worker_count(args.workers)
    except ValueError:
        parser.error(f"--workers: a whole number ≥ 1 or 'auto', not {args.workers!r}")
    if n == 1:
        uvicorn.run("app.main:app", host=args.host, port=args.port, reload=args.reload, http=PROTOCOL)
        return
    if args.reload:
        parser.error("--reload works with one worker only")
    _exit_cleanly_on_sigterm()
    workers = Workers(n)
    try:
        workers.wait_ready()
        os.environ["NNP_FRONT_SOCKETS"] = workers.spec  # read by app.main when uvicorn imports it
        get_settings.cache_clear()  # the request schemas read the settings at this module's import
        uvicorn.run("app.main:app", host=args.host, port=args.port, http=PROTOCOL)
    finally:
        workers.stop()


def _run_on_ray(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A web process of a Ray cluster: the app reads these settings when uvicorn imports it, joins
    the cluster and finds (or starts) the session hosts."""
    if args.workers not in ("1", ""):
        parser.error("--ray and --workers exclude each other: on Ray the hosts own the sessions")
    if args.reload:
        parser.error("--reload works with one process only")
    if args.hosts < 0:
        parser.error("--hosts: 0 (one per CPU of the cluster) or more")
    os.environ |= {"NNP_RAY": args.ray, "NNP_RAY_HOSTS": str(args.hosts), "NNP_RAY_TEMP_DIR": args.ray_temp_dir}
    get_settings.cache_clear()
    if args.stop_hosts:
        from app.cluster.ray_hosts import stop_hosts

        print("stopped:", " ".join(stop_hosts(get_settings())) or "no session host was running")
        return
    _exit_cleanly_on_sigterm()
    uvicorn.run("app.main:app", host=args.host, port=args.port, http=PROTOCOL)


def _exit_cleanly_on_sigterm() -> None:
    """After a graceful shutdown uvicorn raises the signal that asked for it again, with the handler
    that was there before: by default SIGTERM then kills the process on the spot, skipping the
    `finally` that stops the workers and removes their folder (and Ray's exit handler). This one
    turns it into SystemExit, so both run."""

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)


if __name__ == "__main__":
    main()
