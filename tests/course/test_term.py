"""A term, run from the walk-through of docs/instructor.md (section 1) as written.

Its blocks run in a folder whose ``assignments/training_nn`` stands for the
repository's notebooks: the fixture notebook (layers.affine_forward 2 points, a plain
test cell 1 point, a written answer 1 point; a perfect submission scores 3 of 4 until
the answer is graded). The course gets a due date, a roster, extensions, a Canvas zip
(alice on time, bob 26 hours late), a Moodle zip (carol 18 hours late with a 2-day
extension), a folder handed in 9 days late (dave) and an extension for a student who
never hands in (erin). The policy of the docs: 10% per started day, at most 50%, 0
after 7 days. Which test runs which block: ``tests/course/instructor_doc.py``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import shlex
import shutil
import struct
import subprocess
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from autograder.course import cli
from autograder.course import setup as course_setup
from autograder.course.gradebook import (
    MissingNotebooks,
    format_table,
    gradebook_scores,
    store_missing_notebook_grades,
)
from autograder.course.late import LatePolicy
from autograder.course.layout import ASSIGNMENT, Course, CourseError, nbgrader_env, open_gradebook
from autograder.course.lms import _place, import_submissions
from autograder.course.submissions import submit
from autograder.grade_cells import grade_id_of, new_grade_cell
from autograder.isolation.sandbox import ALLOW_UNSANDBOXED_ENV, sandbox_available
from autograder.registry import TASKS_BY_ID
from tests.course.formgrader import (
    ANSWER,
    COMMENT,
    TASK_CELL,
    CellState,
    FormgraderStep,
    grade_in_formgrader,
)
from tests.course.instructor_doc import commands_under
from tests.fixtures.course_notebook import NOTEBOOK, TASK, write_fixture_assignment

pytestmark = pytest.mark.slow

ROSTER = """id,first_name,last_name,email,lms_user_id
alice,Alice,Liddell,alice@example.edu,1001
bob,Bob,Builder,bob@example.edu,1002
carol,Carol,Lewis,carol@example.edu,2003
dave,Dave,Null,dave@example.edu,
erin,Erin,Late,erin@example.edu,1005
"""
# Due 2026-12-01 16:00 UTC. Expected totals worked out by hand from the policy of the docs.
EXPECTED = {
    "alice": (3.0, 0.0),  # 30 min early
    "bob": (2.4, 0.6),  # 26 h late: 2 started days, 20% of 3
    "carol": (4.5, 0.0),  # 18 h late, 2-day extension: on time; +1 answer, +0.5 extra credit
    "dave": (0.0, 3.0),  # 9 days late: over 7 days, the whole score
}


FORMGRADER: dict[str, FormgraderStep] = {}  # student -> what the formgrader step left
SAID: dict[str, str] = {}  # a command of the guide -> what it printed on stdout, last run
LATE_POLICY = "3. Due dates, late work and the learning platform"  # its python block


@contextmanager
def term_folder(base: Path) -> Iterator[pytest.MonkeyPatch]:
    """Where the guide's blocks run: in ``base``, whose ``assignments/training_nn`` stands
    for the repository's notebooks (``init`` and ``release`` take them by default)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)
        mp.setattr(course_setup, "DEFAULT_ASSIGNMENT_DIR", base / "assignments" / ASSIGNMENT)
        mp.setenv("TZ", "UTC")  # the Moodle entry's DOS time is read in the local zone
        time.tzset()
        if not sandbox_available():
            mp.setenv(ALLOW_UNSANDBOXED_ENV, "1")
        yield mp
    time.tzset()


def run_line(line: str, base: Path) -> None:
    """Run one command of the guide as written, in ``base``; keep what it printed."""
    if line.startswith("cs231n-course "):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli.main(shlex.split(line)[1:])
        SAID[line] = out.getvalue()
        assert code == 0, line
    else:
        subprocess.run(["bash", "-c", line], cwd=base, env=nbgrader_env(), check=True,
                       capture_output=True)


def run_as_written(heading: str, base: Path) -> None:
    """Run every command of the guide's block under ``heading``, in order."""
    for line in commands_under(heading):
        run_line(line, base)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def zip_folder(folder: Path) -> bytes:
    """A student's own zip of their folder (under training_nn/, as collect makes it)."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{ASSIGNMENT}/{path.relative_to(folder).as_posix()}")
    return data.getvalue()


def add_entry(zf: zipfile.ZipFile, name: str, data: bytes, when: datetime,
              utc_field: bool) -> None:
    """One entry stamped ``when``: in the UTC extended-timestamp field, or as DOS time in UTC."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    if utc_field:
        info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(when.timestamp()))
    zf.writestr(info, data)


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Course]]:
    """The folder of the guide's term after its steps 1 to 4 and 7, and its course."""
    base = tmp_path_factory.mktemp("term")
    write_fixture_assignment(base / "assignments" / ASSIGNMENT)
    (base / "roster.csv").write_text(ROSTER)
    (base / "extensions.csv").write_text("student_id,days\nerin,1\n")
    with term_folder(base):
        run_as_written("Step 1: set up the course and release it", base)
    course = Course.open(base / "course")
    with open(course.config, "a") as fh:
        fh.write("\n" + "\n".join(commands_under(LATE_POLICY, "python")) + "\n")
    perfect = base / "perfect"
    handin = zip_folder(perfect)
    with zipfile.ZipFile(base / "canvas_submissions.zip", "w") as zf:
        add_entry(zf, "liddellalice_1001_5001_submission.zip", handin,
                  utc("2026-12-01T15:30+00:00"), utc_field=True)
        add_entry(zf, "builderbob_LATE_1002_5002_submission.zip", handin,
                  utc("2026-12-02T18:00+00:00"), utc_field=True)
    with zipfile.ZipFile(base / "moodle_submissions.zip", "w") as zf:
        add_entry(zf, "Carol Lewis_2003_assignsubmission_file_/submission.zip", handin,
                  utc("2026-12-02T10:00+00:00"), utc_field=False)
    shutil.copytree(perfect, base / "dave_folder")
    with term_folder(base):
        run_as_written("Step 2: hand-ins, on time, late and with an extension", base)
        run_as_written("Step 3: autograde", base)
        # Step 4: carol's written answer is graded, and her task cell gets extra credit,
        # in the formgrader in Chromium; then she is autograded again
        # (tests/course/formgrader.py).
        FORMGRADER["carol"] = grade_in_formgrader(course, "carol", base / "shots")
        run_as_written("Step 7: feedback, the class report and the grades out", base)
    yield base, course


def test_what_the_roster_and_the_report_show(term: tuple[Path, Course]) -> None:
    """Step 1's `roster list` prints the roster imported; step 7's report counts the class."""
    _, course = term
    listed = SAID["cs231n-course roster list course/"].splitlines()
    assert "bob\tBob Builder\tbob@example.edu\t1002" in listed
    page = (course.root / "reports" / "class_report.html").read_text()
    assert "<td>Students</td><td><strong>4</strong>" in page  # erin handed nothing in


def test_the_policy_presets() -> None:
    day = 24 * 3600.0
    policy = LatePolicy(penalty_method="per_day", percent=10, max_percent=50,
                        zero_after_days=7)
    assert [policy.fraction(s) for s in (0, 1, day, day + 1, 6 * day, 7 * day, 7 * day + 1)] \
        == [0, 0.1, 0.1, 0.2, 0.5, 0.5, 1.0]
    hourly = LatePolicy(penalty_method="per_hour", percent=5, grace_minutes=10)
    assert [hourly.fraction(s) for s in (600, 601, 3601, 100 * 3600)] == [0, 0.05, 0.1, 1.0]
    assert LatePolicy(penalty_method="zero").late_submission_penalty("x", 7.0, 1) == 7.0
    assert LatePolicy().late_submission_penalty("x", 7.0, 1e6) is None


def test_loose_files_of_an_upload_find_their_place() -> None:
    assert str(_place(f"{NOTEBOOK}-1.ipynb")) == f"{NOTEBOOK}.ipynb"
    assert str(_place("layers.py")) == "cs231n_core/layers.py"
    assert str(_place("layers-2.py")) == "cs231n_core/layers.py"
    assert _place("notes.txt") is None and _place("../x.ipynb") is None


def test_every_hand_in_route_records_its_time(term: tuple[Path, Course]) -> None:
    _, course = term
    with open_gradebook(course) as gb:
        assert gb.find_assignment(ASSIGNMENT).duedate == datetime(2026, 12, 1, 16, 0)
        subs = {s.student.id: s for s in gb.assignment_submissions(ASSIGNMENT)}
        stamps = {k: s.timestamp for k, s in subs.items()}
        assert stamps == {"alice": datetime(2026, 12, 1, 15, 30),
                          "bob": datetime(2026, 12, 2, 18, 0),
                          "carol": datetime(2026, 12, 2, 10, 0),
                          "dave": datetime(2026, 12, 10, 16, 0),
                          "erin": None}
        assert subs["carol"].extension.total_seconds() == 2 * 86400
        assert subs["erin"].extension.total_seconds() == 86400
        people = {s.id: (s.first_name, s.lms_user_id) for s in gb.students}
        assert people["bob"] == ("Bob", "1002")


def test_the_penalty_is_the_same_in_the_table_csv_and_exports(term: tuple[Path, Course]) -> None:
    base, course = term
    rows = {r.student: r for r in gradebook_scores(course)}
    assert set(rows) == set(EXPECTED)  # an extension alone is no submission: erin is not here
    for student, (total, penalty) in EXPECTED.items():
        assert (rows[student].total, rows[student].late_penalty) == pytest.approx((total, penalty))
        assert rows[student].totals.score == pytest.approx(total)
    # The roster imported by `roster import` names the students in the table and the CSV.
    [bob_line] = [ln for ln in format_table(list(rows.values())).splitlines()
                  if ln.startswith("bob ")]
    assert "Bob Builder" in bob_line and " -0.6 " in bob_line
    with open(base / "grades.csv") as fh:
        grades = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert (grades["bob"]["score"], grades["bob"]["late_penalty"],
            grades["bob"]["hours_late"]) == ("2.4", "0.6", "26.00")
    assert (grades["bob"]["name"], grades["bob"]["lms_user_id"]) == ("Bob Builder", "1002")
    with open(base / "canvas.csv") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[:3] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT],
                          ["Points Possible", "", "", "", "", "4.00"],
                          ["Liddell, Alice", "1001", "alice", "alice@example.edu", "", "3.00"]]
    assert canvas[3][:2] == ["Builder, Bob", "1002"] and canvas[3][5] == "2.40"
    assert canvas[5] == ["Null, Dave", "", "dave", "dave@example.edu", "", "0.00"]
    with open(base / "moodle.csv") as fh:
        moodle = list(csv.reader(fh))
    assert moodle[0] == ["First name", "Last name", "ID number", "Email address", ASSIGNMENT]
    assert moodle[2] == ["Bob", "Builder", "bob", "bob@example.edu", "2.40"]
    scores = {s["userId"]: s for s in json.loads((base / "scores.json").read_text())}
    assert set(scores) == {"1001", "1002", "2003", "dave"}
    bob = scores["1002"]
    assert (bob["scoreGiven"], bob["scoreMaximum"], bob["activityProgress"],
            bob["gradingProgress"]) == (2.4, 4.0, "Submitted", "PendingManual")
    assert "late penalty of 0.60" in bob["comment"]
    assert datetime.fromisoformat(bob["timestamp"]).tzinfo is not None


def test_feedback_page_and_annotated_notebook_agree(term: tuple[Path, Course]) -> None:
    _, course = term
    folder = course.feedback("bob")
    index = (folder / "index.html").read_text()
    assert "Total: <strong>2.4 / 4</strong>" in index
    assert "late\npenalty of 0.6 points" in index
    assert "Feedback for Bob Builder (bob)" in index
    annotated = (folder / f"{NOTEBOOK}.html").read_text()
    assert "Score: 2.4 / 4.0" in annotated
    assert "Score: 3.0 / 4.0" in (course.feedback("alice") / f"{NOTEBOOK}.html").read_text()


def test_formgrader_grades_survive_autograde_and_reach_the_exports(
        term: tuple[Path, Course]) -> None:
    base, course = term
    step = FORMGRADER["carol"]
    assert step.screenshot.is_file()
    # Typed in the formgrader: a score and a comment, the answer marked graded; extra credit.
    assert step.graded[ANSWER] == CellState(None, 1.0, None, False, COMMENT)
    assert step.graded[TASK_CELL] == CellState(2.0, None, 0.5, False, None)
    assert step.reautograded == step.graded  # autograde kept all of it
    assert step.shown == {"answer score": "1", "answer queued": False, "comment": COMMENT,
                          "task extra credit": "0.5"}
    with open(base / "grades.csv") as fh:
        carol = next(r for r in csv.DictReader(fh) if r["student_id"] == "carol")
    # auto: the test cell 1; manual: the answer 1 and the task cell 2 + 0.5 extra credit.
    assert [carol[k] for k in ("score", "auto_score", "manual_score", "pending_score",
                               "needs_manual_grade", "fixture_question", TASK)] \
        == ["4.5", "1", "3.5", "0", "0", "1", "2.5"]
    index = (course.feedback("carol") / "index.html").read_text()
    assert f"<strong>Grader:</strong> {COMMENT}" in index


def test_the_instructors_config_survives_init_force(term: tuple[Path, Course]) -> None:
    base, course = term
    mine = course.config.read_text()
    assert 'c.LatePolicy.penalty_method = "per_day"' in mine
    generated = course.generated_config.read_text()
    course.generated_config.write_text(generated + "# stale\n")
    assert cli.main(["init", str(course.root), "--force", "--assignments",
                     str(base / "assignments" / ASSIGNMENT)]) == 0
    assert course.config.read_text() == mine
    assert course.generated_config.read_text() == generated


def test_a_bad_platform_zip_hands_in_nothing(term: tuple[Path, Course]) -> None:
    base, course = term
    before = sorted(p.name for p in (course.root / "submitted").iterdir())
    bad = base / "unknown.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("liddellalice_1001_6001_submission.zip", b"not read")
        zf.writestr("strangerstan_9999_6002_submission.zip", b"not read")
    with pytest.raises(CourseError, match=r"nothing imported: 1 submission.*strangerstan"):
        import_submissions(course, bad, lambda _: None)
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", b"x")
    with pytest.raises(CourseError, match="neither Canvas's nor Moodle's"):
        import_submissions(course, bad, lambda _: None)
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == before
    with pytest.raises(CourseError, match=r"give the time .* handed in"):
        submit(course, "zed", base / "dave_folder")
    assert not course.submitted("zed").exists()


def test_missing_notebooks_and_later_hand_grades_lose_the_same_share(
        term: tuple[Path, Course]) -> None:
    _, course = term
    # frank handed in modules only, 26 hours late: the tasks graded from them lose 20%.
    with open_gradebook(course) as gb:
        gb.update_or_create_student("frank")
        gb.add_submission(ASSIGNMENT, "frank", timestamp=datetime(2026, 12, 2, 18, 0))
    store_missing_notebook_grades(course, "frank", MissingNotebooks(
        [NOTEBOOK], {"layers.affine_forward": (NOTEBOOK, 2.0, "graded from your modules")}))
    # bob's written answer is graded by hand after autograde: it loses 20% too.
    with open_gradebook(course) as gb:
        grade = gb.find_grade("fixture_question", NOTEBOOK, ASSIGNMENT, "bob")
        grade.manual_score = 1.0
        gb.db.commit()
    rows = {r.student: r for r in gradebook_scores(course)}
    assert (rows["frank"].total, rows["frank"].late_penalty) == pytest.approx((1.6, 0.4))
    assert (rows["bob"].total, rows["bob"].late_penalty) == pytest.approx((3.2, 0.8))


def test_the_due_date_is_shown_cleared_and_set_again(term: tuple[Path, Course], capsys) -> None:
    _, course = term
    assert cli.main(["due", str(course.root)]) == 0
    assert capsys.readouterr().out.strip() == "due date: 2026-12-01 16:00 UTC"
    assert cli.main(["due", str(course.root), "--clear"]) == 0
    assert "2 extension(s) removed with it" in capsys.readouterr().out  # carol's and erin's
    assert not any(r.late_penalty for r in gradebook_scores(course))
    assert cli.main(["extend", str(course.root), "carol", "--days", "2"]) == 1
    assert "no due date to extend" in capsys.readouterr().err
    assert cli.main(["due", str(course.root), "2026-12-01T17:00+01:00"]) == 0
    assert cli.main(["extend", str(course.root), "carol", "--days", "2"]) == 0
    said = capsys.readouterr().out.splitlines()[-1]
    rows = {r.student: r for r in gradebook_scores(course)}
    assert f"({sum(r.seconds_late > 0 for r in rows.values())} late submission(s)" in said
    assert {"bob", "dave"} <= {s for s, r in rows.items() if r.seconds_late > 0}
    assert rows["dave"].late_penalty == 3.0


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` by relative path, with a digest of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_task_added_and_repointed_mid_term_keeps_every_grade(
        term: tuple[Path, Course], capsys) -> None:
    """Steps 5, 6 and 7 of the guide as written: relu_forward (0.5 point) added,
    affine_forward from 2 to 3 points, the two regraded, the pages and grades out again.

    By hand, after the regrade (every hand-in is the perfect submission): auto = affine 3 +
    relu 0.5 + the plain test 1; the written answer 1 by hand; max 5.5.
    """
    base, course = term
    with open_gradebook(course) as gb:  # manual grades, a comment and an override, given first
        for student in ("alice", "bob"):
            answer = gb.find_grade("fixture_question", NOTEBOOK, ASSIGNMENT, student)
            answer.manual_score, answer.needs_manual_grade = 1.0, False
        gb.find_comment("fixture_question", NOTEBOOK, ASSIGNMENT, "alice").manual_comment = "clear"
        gb.find_grade(grade_id_of(TASK), NOTEBOOK, ASSIGNMENT, "carol").manual_score = 1.5
        gb.db.commit()
    submitted = tree_digest(course.root / "submitted")
    source = base / "assignments" / ASSIGNMENT  # the repository's notebooks, in the term
    path = source / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(str(path), as_version=4)

    # A written answer left out while submissions hold its grades (refused before anything
    # is staged), then a solution fence nbgrader cannot read (it fails in the staging copy):
    # each time nothing changes.
    broken = nbformat.from_dict(nb)
    broken.cells[2].source = broken.cells[2].source.replace("### END SOLUTION", "")
    before = (tree_digest(course.source), tree_digest(course.release),
              course.gradebook.read_bytes(), course.generated_config.read_text())
    for cells, said in ((nb.cells[:-1], f"the new notebooks drop {NOTEBOOK}: fixture_question"),
                        (broken.cells, "update-generate_assignment.log); the course was not")):
        nbformat.write(nbformat.from_dict({**nb, "cells": cells}), str(path))
        assert cli.main(["init", str(course.root), "--force", "--assignments", str(source)]) == 1
        assert said in capsys.readouterr().err
        assert before == (tree_digest(course.source), tree_digest(course.release),
                          course.gradebook.read_bytes(), course.generated_config.read_text())
        assert not (course.root / ".staging").exists()

    nb.cells.insert(5, new_grade_cell(TASKS_BY_ID["layers.relu_forward"]))
    nbformat.write(nb, str(path))
    with term_folder(base) as mp:
        # The registry edit of step 5 ("New points"); the grading processes never read
        # it: they score out of the gradebook's points, which `init --force` sets.
        mp.setitem(TASKS_BY_ID, TASK, replace(TASKS_BY_ID[TASK], points=3))
        capsys.readouterr()
        run_as_written("Step 5: change the assignment mid-term: add a task, change points", base)
        said = capsys.readouterr().err
        assert "layers-affine_forward: 2 -> 3 points" in said
        assert "carol: the manual score 1.5 of layers-affine_forward stays" in said
        rows = {r.student: r for r in gradebook_scores(course, students=list(EXPECTED))}
        # Rescaled at once; relu_forward waits for its regrade.
        assert [(c.label, c.score, c.max_score) for c in rows["alice"].cells] == [
            (TASK, 3.0, 3.0), ("layers.relu_forward", None, 0.5), ("fixture_hidden_test", 1.0, 1.0),
            ("fixture_question", 1.0, 1.0)]
        alone, *rest = commands_under("Step 6: regrade what changed")
        run_line(alone, base)  # alice alone
        with open_gradebook(course) as gb:
            assert [gb.find_grade("layers-relu_forward", NOTEBOOK, ASSIGNMENT, s).auto_score
                    for s in ("alice", "bob")] == [0.5, None]
        for line in rest:
            run_line(line, base)
        run_as_written("Step 7: feedback, the class report and the grades out", base)
    rows = {r.student: r for r in gradebook_scores(course, students=list(EXPECTED))}
    expected = {  # (auto, manual, pending, max, late penalty)
        "alice": (4.5, 1.0, 0.0, 5.5, 0.0),
        "bob": (4.5, 1.0, 0.0, 5.5, 1.1),  # 26 h late: 20% of his 5.5
        # The override 1.5 of affine_forward holds, with the formgrader's written answer (1)
        # and extra credit (0.5): manual 1.5 + 1 + 0.5; auto is relu 0.5 + the plain test 1.
        "carol": (1.5, 3.0, 0.0, 5.5, 0.0),
        "dave": (4.5, 0.0, 1.0, 5.5, 4.5),  # 9 days late: all of it
    }
    for student, totals in expected.items():
        assert tuple(vars(rows[student].totals).values()) == pytest.approx(totals), student
    with open_gradebook(course) as gb:
        answer = gb.find_grade("fixture_question", NOTEBOOK, ASSIGNMENT, "alice")
        assert not answer.needs_manual_grade
        assert gb.find_comment("fixture_question", NOTEBOOK, ASSIGNMENT,
                               "alice").manual_comment == "clear"
    assert tree_digest(course.root / "submitted") == submitted
    annotated = nbformat.read(str(course.autograded("alice") / f"{NOTEBOOK}.ipynb"), as_version=4)
    assert any(o.get("text", "").startswith(f"{TASK}: 3 / 3 points")
               for c in annotated.cells for o in c.get("outputs", []))
    index = (course.feedback("bob") / "index.html").read_text()
    assert "Total: <strong>4.4 / 5.5</strong>" in index and "layers.relu_forward" in index
    # Step 7's exports, run again: the new points, the kept manual grades, the penalty.
    with open(base / "canvas.csv") as fh:
        canvas = {row[0]: row for row in csv.reader(fh)}
    assert canvas["Points Possible"][5] == "5.50" and canvas["Builder, Bob"][5] == "4.40"
    assert canvas["Lewis, Carol"][5] == "4.50"  # auto 1.5 + manual 3, on time
    scores = {s["userId"]: s for s in json.loads((base / "scores.json").read_text())}
    assert (scores["1002"]["scoreGiven"], scores["1002"]["scoreMaximum"],
            scores["1002"]["gradingProgress"]) == (4.4, 5.5, "FullyGraded")
    assert scores["dave"]["gradingProgress"] == "PendingManual"
    released = nbformat.read(str(course.release / f"{NOTEBOOK}.ipynb"), as_version=4)
    assert 'check_task("layers.relu_forward")' in "".join(c.source for c in released.cells)
    capsys.readouterr()
    for task, said in (("layers.relu", "unknown task id(s) layers.relu"),
                       ("layers.elu_forward", "no grade cell for layers.elu_forward")):
        assert cli.main(["regrade", str(course.root), "--task", task]) == 1
        assert said in capsys.readouterr().err
