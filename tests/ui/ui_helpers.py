"""Helpers for the window tests (a module of its own: `conftest` is a name several folders use)."""

from __future__ import annotations


def wait_idle(qtbot, window, timeout: int = 20000) -> None:
    """Until no job is queued or running (the fake engine moves a step per worker tick)."""
    jobs = window.session.project.jobs
    qtbot.waitUntil(lambda: all(job.state.done for job in jobs.jobs), timeout=timeout)


def make_shot(window, prompt: str = "a red circle moving to the right", frames: int = 5):
    """A shot with a prompt and tiny settings, added through the storyboard's Add button."""
    from studio.core.edits import EditShot

    panels = window.panels
    panels.storyboard.add_button.click()
    shot_id = panels.storyboard.selected_shot_id()
    panels.undo.push(EditShot(shot_id, prompt=prompt,
                              settings={"width": 32, "height": 32, "frames": frames,
                                        "steps": 2}))
    return window.session.project.shot(shot_id)
