"""The instructor's submission policy: how often students may submit and which attempt counts.

``ServicePolicy`` is a traitlets ``Configurable`` set in the course's ``nbgrader_config.py``
(``c.ServicePolicy.attempts_per_day = 5``), read the way the late policy is read
(``late.course_policy``): the instructor's file loads the generated config, so one file
holds every setting of the course.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from nbgrader.api import MissingEntry
from sqlalchemy import func, select
from traitlets import Bool, Enum, Float, Int
from traitlets.config import Configurable
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from autograder.course.layout import ASSIGNMENT, Course, open_gradebook
from autograder.service.database import ServiceDatabase
from autograder.service.models import FAILED, Attempt
from autograder.service.queue import INFRA_GAVE_UP, MAX_INFRA_RETRIES

DAY = timedelta(days=1)


class ServicePolicy(Configurable):
    """How often a student may submit, which attempt counts and what feedback shows."""

    attempts_per_day = Int(0, min=0, help="Attempts a student may make in any 24 hours "
                           "(0: no limit). Attempts that failed on the service's side do not "
                           "count.").tag(config=True)
    cooldown_minutes = Float(0.0, min=0.0, help="Minutes a student waits between two "
                             "attempts.").tag(config=True)
    counts = Enum(("best", "last", "last_before_deadline"), default_value="last",
                  help="Which graded attempt goes into the gradebook: the best, the last, or "
                  "the last handed in before the due date (the last one when none was).") \
        .tag(config=True)
    show_scores_before_deadline = Bool(True, help="Show hidden-check scores before the due "
                                       "date; when False, only passed or failed per task.") \
        .tag(config=True)


def service_policy(course: Course) -> ServicePolicy:
    """The policy the course's ``nbgrader_config.py`` configures (defaults for the rest)."""
    try:
        config = PyFileConfigLoader(course.config.name, path=str(course.root)).load_config()
    except ConfigFileNotFound:
        return ServicePolicy()
    return ServicePolicy(config=config)


def deadline(course: Course, student: str | None = None) -> datetime | None:
    """The due date, with ``student``'s extension when given (None: no due date), in UTC."""
    if not course.gradebook.is_file():
        return None
    with open_gradebook(course) as gb:
        try:
            assignment = gb.find_assignment(ASSIGNMENT)
        except MissingEntry:
            return None
        if assignment.duedate is None:
            return None
        due = assignment.duedate
        try:
            extension = gb.find_submission(ASSIGNMENT, student).extension if student else None
        except MissingEntry:
            extension = None
        due = due + extension if extension is not None else due
        return due.replace(tzinfo=timezone.utc)


def scores_hidden(course: Course, policy: ServicePolicy, now: datetime,
                  student: str | None = None) -> bool:
    """Whether scores are hidden now: the policy hides them before the due date (the
    student's, with their extension, when ``student`` is given) and it is still ahead or unset.
    """
    if policy.show_scores_before_deadline:
        return False
    due = deadline(course, student)
    return due is None or now < due


def _counting(student: str) -> list:
    """Conditions of a student's attempts that count against the limits."""
    # An attempt the service gave up on is ours, not the student's.
    ours = (Attempt.state == FAILED) & (Attempt.infra_retries >= MAX_INFRA_RETRIES) & \
        (Attempt.message == INFRA_GAVE_UP.format(n=MAX_INFRA_RETRIES))
    return [Attempt.student == student, ~ours]


def may_submit(db: ServiceDatabase, policy: ServicePolicy, student: str,
               now: datetime) -> str | None:
    """None when ``student`` may submit now, else one line saying why not and until when."""
    with db.session() as session:
        if policy.cooldown_minutes > 0:
            last = session.execute(select(func.max(Attempt.received_at))
                                   .where(*_counting(student))).scalar()
            if last is not None:
                last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
                ready = last + timedelta(minutes=policy.cooldown_minutes)
                if now < ready:
                    return (f"please wait {_wait(ready - now)} before submitting again "
                            f"(one attempt every {policy.cooldown_minutes:g} minutes)")
        if policy.attempts_per_day > 0:
            recent = session.execute(select(Attempt.received_at)
                                     .where(*_counting(student), Attempt.received_at > now - DAY)
                                     .order_by(Attempt.received_at)).scalars().all()
            if len(recent) >= policy.attempts_per_day:
                ready = recent[len(recent) - policy.attempts_per_day] + DAY
                return (f"you have used your {policy.attempts_per_day} attempts of the last "
                        f"24 hours; the next is possible in {_wait(ready - now)}")
    return None


def _wait(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds() + 0.999), 1)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{(seconds + 59) // 60} minutes"
    return f"{seconds / 3600:.1f} hours"
