"""``cs231n-course roster``: import the class roster (ids, names, emails, LMS ids).

``roster import COURSE_DIR FILE`` reads a CSV with a header row: ``id`` (required),
``first_name``, ``last_name``, ``email``, ``lms_user_id``. Students are added or updated
in nbgrader's gradebook; a file with an error changes nothing. ``roster list COURSE_DIR``
prints the students the gradebook knows.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.gradebook import display_name
from autograder.course.roster import class_roster, import_roster


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="add or update the students of a roster CSV")
    imp.add_argument("course_dir", metavar="COURSE_DIR")
    imp.add_argument("file", metavar="FILE",
                     help="CSV with a header: id,first_name,last_name,email[,lms_user_id]")
    show = sub.add_parser("list", help="print the students of the gradebook")
    show.add_argument("course_dir", metavar="COURSE_DIR")


def run(args: argparse.Namespace) -> int:
    course = open_course(args.course_dir)
    if args.roster_command == "import":
        entries = import_roster(course, args.file)
        return said(f"roster: {len(entries)} student(s) added or updated from {args.file}")
    for s in class_roster(course):
        print("\t".join([s.id, display_name(s.id, s.first_name, s.last_name), s.email,
                         s.lms_user_id]))
    return 0
