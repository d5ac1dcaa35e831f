"""The crash-safety test's worker, run as its own process: `crash_saver.py BUNDLE KILLS SEED`.

It builds two large projects, A and B. For each kill it forks a child that saves A, B, A,
B... into the bundle forever, SIGKILLs it at a random moment (inside the first save, or
inside the second once the first has finished, timed from the child's own saves so the aim
holds on a loaded machine), then checks the bundle as a user reopening it would find it. It
prints one JSON line: how many kills, how often A or B was on disk, and the first failure.
Forking from this already-imported process, and checking here rather than across a pipe,
makes each of the hundreds of kills cost milliseconds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from fractions import Fraction

from studio.core.bundle import BACKUP_KEEP, backups, encode_json, load_project, save_project
from studio.core.model import (
    Clip,
    FrameRange,
    Gap,
    MediaItem,
    Project,
    Recipe,
    Shot,
    Take,
    Timeline,
    Track,
)
from studio.core.serialize import project_to_dict


def build_projects(size: int = 40) -> tuple[Project, Project]:
    """Two large projects that differ in many places, with fixed ids so a loaded copy
    compares equal."""

    def build(variant: str) -> Project:
        media = [
            MediaItem(f"take {i}", f"media/take-{i:04d}.mkv", frames=48, id=f"m{i:05d}")
            for i in range(size)
        ]
        shots = []
        for i in range(size):
            recipe = Recipe(
                model="demo",
                prompt=f"{variant} shot {i} " + "slow pan over water " * 6,
                fps=Fraction(24000, 1001),
                steps=20,
                seed=i,
                frames=48,
                versions=(("diffusers", "0.42.0"), ("torch", "2.13.0")),
            )
            takes = [Take(f"m{i:05d}", recipe, id=f"t{i:05d}", created="2026-11-21T00:00:00Z")]
            shots.append(
                Shot(
                    f"{variant}{i}",
                    prompt=recipe.prompt,
                    takes=takes,
                    selected_take_id=f"t{i:05d}",
                    id=f"s{i:05d}",
                )
            )
        items: list = []
        for i in range(size):
            items.append(
                Clip(
                    f"c{i}",
                    f"m{i:05d}",
                    FrameRange(i % 7, 20 + (i % 5)),
                    shot_id=f"s{i:05d}",
                    take_id=f"t{i:05d}",
                    id=f"c{i:05d}",
                )
            )
            if variant == "B" and i % 3 == 0:
                items.append(Gap(5 + i % 4, id=f"g{i:05d}"))
        return Project(
            name=f"Crash {variant}",
            rate=Fraction(24000, 1001),
            shots=shots,
            media=media,
            timeline=Timeline(tracks=[Track("V1", items=items, id="v1")]),
        )

    return build("A"), build("B")


def save_forever(root: str, a: Project, b: Project, done_fd: int) -> None:
    # A byte on `done_fd` after each save lets the killer aim inside the next one.
    while True:
        for project in (a, b):
            save_project(project, root)
            os.write(done_fd, b".")


def kill_once(root: str, a: Project, b: Project, wait: bool, fraction: float, save_time: float):
    """Fork a saving child; if `wait`, let its first save finish (timing it); then SIGKILL
    it `fraction` of a save later. Returns (wait status, the save time now known)."""
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(done_r)
        try:
            save_forever(root, a, b, done_w)
        except Exception:  # noqa: BLE001 - any failure: show it, exit non-zero
            traceback.print_exc()
        os._exit(3)
    os.close(done_w)
    started = time.perf_counter()
    if wait and os.read(done_r, 1):
        save_time = time.perf_counter() - started
        started = time.perf_counter()
    time.sleep(max(0.0, fraction * save_time - (time.perf_counter() - started)))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(done_r)
    return status, save_time


def check_after_kill(root: str, good: dict[bytes, Project]) -> str:
    """What the user would find after the crash: project.json loads as A or B, and every
    backup holds exactly what a good save of A or B wrote. Returns "A" or "B"."""
    project = load_project(root)
    if project not in good.values():
        raise AssertionError("project.json loaded as neither the old nor the new project")
    kept = backups(root)
    if not 1 <= len(kept) <= BACKUP_KEEP:
        raise AssertionError(f"{len(kept)} backups, not 1 to {BACKUP_KEEP}")
    for backup in kept:
        if backup.read_bytes() not in good:
            raise AssertionError(f"{backup} is damaged")
    return project.name[-1]


def main() -> None:
    """`crash_saver.py BUNDLE KILLS SEED`: kill that many saving children at random moments,
    check the bundle after each, and print one JSON line with what was found."""
    root, kills, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    a, b = build_projects()
    good = {encode_json(project_to_dict(p)): p for p in (a, b)}
    rng = random.Random(seed)
    save_time, seen, failure, done = 0.02, {"A": 0, "B": 0}, None, 0
    try:
        for done in range(1, kills + 1):
            # Inside the first save, or inside the second once the first has finished;
            # anywhere from before a byte is written to just after the save ends.
            status, save_time = kill_once(
                root, a, b, rng.random() < 0.5, rng.uniform(0, 1.2), save_time
            )
            if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
                raise AssertionError(f"the saving child stopped by itself (status {status})")
            seen[check_after_kill(root, good)] += 1
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        failure = f"after kill {done}: {type(exc).__name__}: {exc}"
    print(json.dumps({"kills": done, "seen": seen, "failure": failure}), flush=True)


if __name__ == "__main__":
    main()
