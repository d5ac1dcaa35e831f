"""A process saving a large project is killed at random moments, hundreds of times; every
time, project.json is the old or the new project and every backup still loads.

The killing and the check after each kill run in crash_saver.py (a separate process that
forks the writers), so each kill costs milliseconds; this test reads its report and then
checks the bundle once more itself.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crash_saver import build_projects

from studio.core.bundle import BACKUP_KEEP, backups, read_project_file, save_project
from studio.core.serialize import project_from_dict

KILLS = 200

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_killed_saves_leave_the_old_or_the_new_project(tmp_path):
    root = tmp_path / "Crash.studio"
    a, b = build_projects()
    save_project(a, root)
    save_project(b, root)

    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("crash_saver.py")),
            str(root),
            str(KILLS),
            "1234",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["failure"] is None, report["failure"]
    assert report["kills"] == KILLS
    # The kills landed all through the saves: after some, A was on disk; after others, B.
    assert report["seen"]["A"] > KILLS // 10 and report["seen"]["B"] > KILLS // 10, report

    # As the user finds it afterwards: it opens, every backup opens, and the next save
    # clears what the killed writers left behind.
    assert project_from_dict(read_project_file(root / "project.json")) in (a, b)
    for backup in backups(root):
        assert project_from_dict(read_project_file(backup)) in (a, b)
    save_project(a, root)
    assert not list(root.rglob(".*.tmp"))
    assert 1 <= len(backups(root)) <= BACKUP_KEEP
