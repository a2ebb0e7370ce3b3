"""``cs231n-course tokens``: issue the access tokens of the submission service.

Every student of the roster without a token gets a random one; --student ID gives
that student a new one (revoking the old); --instructor NAME issues an instructor's
token for the dashboard. The tokens go to
COURSE_DIR/service/tokens.csv (role,id,token; readable by you only), for you to hand
out; the service keeps only their hashes. Issuing a token again revokes the old one
and signs out every browser that used it.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from autograder.course.commands.common import open_course, said
from autograder.service.auth import issue_tokens
from autograder.service.database import open_database


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--student", action="append", metavar="ID",
                   help="a new token for this student, revoking the old (repeatable; default: "
                   "every student of the roster who has none)")
    p.add_argument("--instructor", action="append", default=[], metavar="NAME",
                   help="also issue an instructor token under this name (repeatable)")
    p.add_argument("--database", metavar="URL",
                   help="the service's SQLAlchemy database URL (default: SQLite in "
                   "COURSE_DIR/service/service.db)")


def run(args: argparse.Namespace) -> int:
    course = open_course(args.course_dir)
    db = open_database(course, args.database)
    path, people = issue_tokens(course, db, datetime.now(timezone.utc), students=args.student,
                                instructors=args.instructor)
    if not people:
        return said(f"tokens: every student of the roster has one already ({path}; "
                    "--student ID issues a new one)")
    return said(f"tokens: {len(people)} issued, written to {path} (mode 0600; hand each "
                "person their own token)")
