"""Nothing to find: student code never reaches the reference, the checks or the course.

The first cases grade with an interpreter whose own prefix holds the project installed
beside numpy, and again in a user site (``tests/catalogue/installed.py``): the worst
case of a system-wide ``pip install``. The student's ``affine_forward`` hunts for the
reference with worst-case knowledge (its absolute paths) and answers with it when it
finds it; otherwise it raises with what it saw, which the feedback then shows.
The last case takes bubblewrap away: grading must refuse until the instructor opts out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.attacks.case import Attack, Outcome
from tests.catalogue.hostile import in_function
from tests.catalogue.installed import grade_in, imported_from, installed_prefix, with_kernel

TARGET = "layers.affine_forward"
BYSTANDER = "layers.relu_forward"

# Shared by the attacks: drop the worker's import guard, then try every way in.
UNGUARD = """
import os, sys
sys.meta_path[:] = [f for f in sys.meta_path if "Block" not in type(f).__name__]
"""

IMPORT = UNGUARD + """
import site
seen = []
places = set(sys.path) | {{os.path.dirname(os.path.realpath(p)) for p in
                          __import__("numpy").__path__}}
places |= {{{site!r}, {user_site!r}, os.path.expanduser("~/.local/lib")}}
try:
    site.main()  # what -S skipped: site-packages, .pth files, the user site
    places |= set(site.getsitepackages()) | {{site.getusersitepackages()}}
except Exception as exc:
    seen.append(type(exc).__name__)
for place in sorted(places):
    if place and os.path.isdir(os.path.join(place, "autograder")):
        seen.append(place)
    sys.path.append(place)
try:
    from autograder.reference.layers import affine_forward as ref
    return ref(x, w, b)
except ImportError as exc:
    seen.append(str(exc)[:60])
raise RuntimeError("FOUND " + repr(seen))
"""

READ = UNGUARD + """
seen = []
for path in ({reference!r}, {user_reference!r}):
    try:
        ns = {{}}
        exec(open(path).read(), ns)
        return ns["affine_forward"](x, w, b)
    except OSError as exc:
        seen.append(type(exc).__name__)
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    if "autograder" in dirs or "gradebook.db" in files or "hidden.txt" in files:
        raise RuntimeError("LEAK " + root)
raise RuntimeError("FOUND " + repr(seen))
"""

COURSE = UNGUARD + """
seen = []
here = os.path.dirname(os.path.abspath(__file__))
looks = [here, os.path.dirname(here), os.getcwd(), "/", {course!r}, {source!r}]
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for link in ("cwd", "root"):
            try:
                looks.append(os.readlink(f"/proc/{{pid}}/{{link}}"))
            except OSError:
                pass
        try:
            env = open(f"/proc/{{pid}}/environ", "rb").read().split(b"\\0")
            looks += [e.split(b"=", 1)[1].decode() for e in env if b"=/" in e]
        except OSError:
            pass
for place in looks:
    for name in ("gradebook.db", "source", "autograder"):
        if os.path.exists(os.path.join(place, name)):
            raise RuntimeError("LEAK " + os.path.join(place, name))
try:
    open({gradebook!r}, "rb").read(16)
    raise RuntimeError("LEAK gradebook")
except OSError as exc:
    seen.append(type(exc).__name__)
raise RuntimeError("FOUND " + repr(seen))
"""


# Run by the prefix's interpreter: builds the notebook kernel's sandbox command as
# ``SandboxedKernelManager`` does and runs the attack in it instead of a kernel.
KERNEL_RUNNER = """
import json, os, subprocess, sys
from pathlib import Path
from autograder.isolation.kernel_sandbox import kernel_sandbox_command
from autograder.isolation.processes import Lifeline
cwd, run_dir, attack = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
life = Lifeline()
cmd = kernel_sandbox_command([sys.executable, "-c", attack], cwd, run_dir, {}, 200_001,
                             life.reader)
run = subprocess.run(cmd, capture_output=True, text=True, timeout=60, pass_fds=(life.reader,))
print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "{}")
print(run.stderr[-2000:], file=sys.stderr)
"""

KERNEL_ATTACK = """
import json, os, sys
sys.meta_path[:] = [f for f in sys.meta_path if "Block" not in type(f).__name__]
out = {}
try:
    import ipykernel, numpy
    out["kernel"] = "ok"
except Exception as exc:
    out["kernel"] = repr(exc)
try:
    import autograder.reference.layers
    out["import"] = "DONE"
except ImportError as exc:
    out["import"] = type(exc).__name__
for name, path in (("read", REFERENCE), ("list", SITE + "/autograder")):
    try:
        open(path).read() if name == "read" else os.listdir(path)
        out[name] = "DONE"
    except OSError as exc:
        out[name] = type(exc).__name__
out["site"] = sorted(n for n in os.listdir(SITE) if "autograder" in n or "cs231n" in n)
print(json.dumps(out))
"""


def _submission(work: Path, body: str, paths: dict[str, str]) -> Path:
    folder = work / "submission"
    text = in_function("affine_forward", body)(solved_module_text("layers"), paths)
    write_solution_package(folder, {"layers": text})
    return folder


def _judge(report: dict, need_sandbox: bool = True) -> Outcome:
    tasks = {t["id"]: t for t in report["tasks"]}
    target, bystander = tasks[TARGET], tasks[BYSTANDER]
    feedback = target["feedback"]
    gained = target["points"] > 0 or "LEAK" in feedback
    expected = (bystander["points"] == bystander["max_points"] and "FOUND" in feedback
                and (report.get("sandboxed") or not need_sandbox))
    seen = feedback[feedback.rfind("FOUND"):][:200] if "FOUND" in feedback else feedback[-300:]
    return Outcome(gained, bool(expected), f"{target['points']} points; {seen}")


def _prefix_paths() -> dict[str, str]:
    prefix = installed_prefix()
    user = imported_from(prefix, user_site=True)
    return {
        "site": str(prefix.site),
        "user_site": str(user.parent),
        "reference": str(prefix.site / "autograder" / "reference" / "layers.py"),
        "user_reference": str(user / "reference" / "layers.py"),
    }


def same_prefix_import(work: Path) -> Outcome:
    """Imports the reference from the interpreter's own site-packages."""
    paths = _prefix_paths()
    folder = _submission(work, IMPORT, paths)
    return _judge(grade_in(installed_prefix(), folder, [TARGET, BYSTANDER]))


def user_site_import(work: Path) -> Outcome:
    """Imports the reference from a user site (the grader itself imports it from there)."""
    paths = _prefix_paths()
    prefix = installed_prefix()
    if imported_from(prefix, user_site=True) != Path(paths["user_site"]) / "autograder":
        return Outcome(False, False, "the grader did not import autograder from the user site")
    folder = _submission(work, IMPORT, paths)
    return _judge(grade_in(prefix, folder, [TARGET, BYSTANDER], user_site=True))


def same_prefix_read(work: Path) -> Outcome:
    """Reads the installed reference by its path and walks the file system for it."""
    folder = _submission(work, READ, _prefix_paths())
    return _judge(grade_in(installed_prefix(), folder, [TARGET, BYSTANDER]))


def course_via_proc(work: Path) -> Outcome:
    """Looks for the gradebook and source/ through /proc, parent folders and the environment."""
    course = work / "course"
    (course / "source" / "training_nn").mkdir(parents=True)
    (course / "source" / "training_nn" / "hidden.txt").write_text("hidden tests")
    (course / "gradebook.db").write_bytes(os.urandom(64))
    paths = {"course": str(course), "source": str(course / "source"),
             "gradebook": str(course / "gradebook.db")}
    folder = _submission(course / "submitted" / "mallory", COURSE, paths)
    return _judge(grade_in(installed_prefix(), folder, [TARGET, BYSTANDER],
                           extra_env={"CS231N_COURSE": str(course)}))


def kernel_same_prefix(work: Path) -> Outcome:
    """A notebook kernel (autograde --execute) hunts for the reference in its own prefix."""
    prefix = with_kernel()
    paths = _prefix_paths()
    attack = (KERNEL_ATTACK.replace("REFERENCE", repr(paths["reference"]))
              .replace("SITE", repr(paths["site"])))
    notebook, run_dir = work / "notebook", work / "run"
    for d, mode in ((work, 0o755), (notebook, 0o755), (run_dir, 0o777)):
        d.mkdir(exist_ok=True)
        os.chmod(d, mode)
    run = subprocess.run([str(prefix.python), "-c", KERNEL_RUNNER, str(notebook), str(run_dir),
                          attack], capture_output=True, text=True, timeout=90, env=prefix.env())
    try:
        out = json.loads(run.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return Outcome(False, False, f"the kernel did not report: {run.stderr[-400:]}")
    gained = "DONE" in out.values() or bool(out.get("site"))
    return Outcome(gained, out.get("kernel") == "ok", json.dumps(out))


def refuses_unsandboxed(work: Path) -> Outcome:
    """Without bubblewrap (not on PATH) ``grade`` refuses until --allow-unsandboxed."""
    folder = work / "honest"
    write_solution_package(folder)
    env = {k: v for k, v in os.environ.items()
           if k not in ("CS231N_SANDBOX", "CS231N_ALLOW_UNSANDBOXED")}
    env["PATH"] = str(work / "no-bwrap-here")
    cli = [sys.executable, "-m", "autograder.course.cli", "grade", str(folder), "--json"]
    refused = subprocess.run(cli, capture_output=True, text=True, timeout=60, env=env)
    allowed = subprocess.run([*cli, "--allow-unsandboxed"], capture_output=True, text=True,
                             timeout=120, env=env)
    said = refused.stderr.strip().splitlines()[-1:] or [""]
    expected = (refused.returncode != 0 and refused.stdout == ""
                and "refusing to grade" in said[0] and "--allow-unsandboxed" in said[0]
                and allowed.returncode == 0 and "WITHOUT isolation" in allowed.stderr)
    detail = f"refused: {said[0][:160]}; opted out: exit {allowed.returncode}"
    return Outcome(refused.returncode == 0, expected, detail)


ATTACKS = [
    Attack("exposure-prefix-import", "exposure",
           "imports autograder.reference installed beside numpy in the interpreter's prefix",
           same_prefix_import, bound=120.0, needs_sandbox=True),
    Attack("exposure-user-site", "exposure",
           "imports autograder.reference from a user site (site.main, .pth files)",
           user_site_import, bound=120.0, needs_sandbox=True),
    Attack("exposure-prefix-read", "exposure",
           "reads the installed reference by its path and walks / for it",
           same_prefix_read, bound=120.0, needs_sandbox=True),
    Attack("exposure-course-proc", "exposure",
           "looks for the gradebook and source/ via /proc, parent folders and the environment",
           course_via_proc, bound=120.0, needs_sandbox=True),
    Attack("exposure-kernel-prefix", "exposure",
           "a notebook kernel imports or reads the reference installed beside ipykernel",
           kernel_same_prefix, bound=120.0, needs_sandbox=True),
    Attack("exposure-refuse-unsandboxed", "exposure",
           "is graded where bubblewrap is missing and nobody opted out",
           refuses_unsandboxed, bound=60.0),
]
