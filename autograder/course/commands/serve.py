"""``cs231n-course serve``: run the submission service (web pages and grading workers).

Students sign in with their token (``cs231n-course tokens``), upload the zip of their
release folder and get the trusted grader's feedback within minutes; the instructor's
token opens the dashboard. Submissions queue in a database (SQLite in
COURSE_DIR/service/service.db, or --database URL, e.g. PostgreSQL) and are graded by
--workers local processes or by the workers of a Dask scheduler. Serve on loopback and
put an HTTPS proxy in front (with --secure-cookie) to open it to a class. With --auth hub
it runs as a JupyterHub service instead: JupyterHub starts it, its users sign in through
the Hub's OAuth, and its URL and prefix come from JupyterHub's environment.
"""

from __future__ import annotations

import argparse
import os
from urllib.parse import urlsplit

import uvicorn

from autograder.course.commands.common import (
    add_allow_unsandboxed,
    allow_unsandboxed,
    open_course,
    positive_int,
)
from autograder.course.layout import stderr_progress
from autograder.service.app import ServiceSettings, create_app
from autograder.service.auth import Authenticator, authenticator
from autograder.service.database import open_database
from autograder.service.hub import hub_authenticator
from autograder.service.runner import LEASE_SECONDS, WorkerPool


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1: loopback only; "
                   "with --auth hub, that of JUPYTERHUB_SERVICE_URL)")
    p.add_argument("--port", type=int, help="port to listen on (default 8231; with --auth hub, "
                   "that of JUPYTERHUB_SERVICE_URL)")
    p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1, metavar="N",
                   help="local grading processes (default: one per CPU)")
    p.add_argument("--lease", type=positive_int, default=int(LEASE_SECONDS), metavar="SECONDS",
                   help="how long a worker's claim on an attempt lasts without its heartbeat "
                   f"(default {int(LEASE_SECONDS)}): the attempt of a worker that died is "
                   "graded again after at most this long")
    p.add_argument("--database", metavar="URL",
                   help="SQLAlchemy URL of the queue (default: SQLite in COURSE_DIR/service)")
    p.add_argument("--dask-scheduler", metavar="ADDR",
                   help="grade on this Dask scheduler's workers instead of local processes")
    p.add_argument("--auth", choices=("tokens", "hub"), default="tokens",
                   help="who may sign in: holders of `cs231n-course tokens` (default), or "
                   "JupyterHub users, as a JupyterHub service (needs the extra `hub`)")
    p.add_argument("--forwarded-allow-ips", metavar="ADDRS",
                   help="the reverse proxy's address(es): trust their X-Forwarded-For, so "
                   "that rate limits see students' addresses (default: trust none)")
    p.add_argument("--secure-cookie", action="store_true",
                   help="send the session cookie over HTTPS only (set behind an HTTPS proxy)")
    add_allow_unsandboxed(p)


def run(args: argparse.Namespace) -> int:
    course = open_course(args.course_dir)
    allow_unsandboxed(args)
    db = open_database(course, args.database)
    auth: Authenticator
    host, port, base = args.host or "127.0.0.1", args.port or 8231, "/"
    if args.auth == "hub":
        hub = hub_authenticator(course)
        auth, base = hub, hub.base_url
        # A managed service is told where to listen: the url of its c.JupyterHub.services entry.
        given = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
        host = args.host or given.hostname or host
        port = args.port or given.port or port
    else:
        auth = authenticator(args.auth, db)
    app = create_app(course, db, auth, ServiceSettings(secure_cookie=args.secure_cookie),
                     base=base)
    pool = WorkerPool(course, db.url, args.workers, args.dask_scheduler,
                      lease_seconds=float(args.lease))
    pool.start()
    where = "Dask scheduler " + args.dask_scheduler if args.dask_scheduler else "local"
    stderr_progress(f"serving {course.root} on http://{host}:{port}{base} "
                    f"({args.workers} {where} worker(s))")
    try:
        uvicorn.run(app, host=host, port=port, access_log=True, log_level="info",
                    server_header=False, proxy_headers=bool(args.forwarded_allow_ips),
                    forwarded_allow_ips=args.forwarded_allow_ips)
    finally:
        pool.stop()
    return 0
