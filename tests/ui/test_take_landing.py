"""A finished generation lands as a take the same way from the window and from the CLI:
both build the media item and take with `studio.engine.takes.take_from_result`."""

from __future__ import annotations

from dataclasses import replace

from ui_helpers import make_shot

from studio.commands.generate_take import add_take
from studio.core import bundle
from studio.core.model import MediaKind
from studio.engine import takes
from studio.engine.request import GenerationRequest


def test_window_and_cli_name_and_describe_takes_alike(make_window, qtbot, tmp_path,
                                                      monkeypatch):
    # The name is made in one place: change it there and both routes follow.
    monkeypatch.setattr(takes, "take_name",
                        lambda shot: f"{shot.name} / take no. {len(shot.takes) + 1}")
    window = make_window()
    shot = make_shot(window, frames=5)
    with qtbot.waitSignal(window.panels.controller.take_landed, timeout=20000) as landed:
        window.panels.controller.generate_shot(shot.id)
    project = window.session.project
    gui_take = next(t for t in shot.takes if t.id == landed.args[1])
    gui_item = project.media_item(gui_take.media_id)
    assert gui_item.name == f"{shot.name} / take no. 1"
    assert (gui_item.kind, gui_item.frames, gui_item.generated) == (MediaKind.VIDEO, 5, True)

    # The CLI route, fed the same finished video, names and describes it the same way.
    path = tmp_path / "cli.studio"
    cli_project = bundle.create_project(path, "cli")
    video = window.session.bundle_dir() / gui_item.path
    copy = tmp_path / "out.mp4"
    copy.write_bytes(video.read_bytes())
    from studio.engine.events import TakeResult

    result = TakeResult(str(copy), "", gui_item.frames, gui_item.width, gui_item.height,
                        gui_item.rate, gui_take.recipe)
    request = GenerationRequest(model="demo", prompt=shot.prompt)
    cli_shot, cli_take = add_take(cli_project, str(path), shot.name, request, result, move=False)
    cli_item = cli_project.media_item(cli_take.media_id)
    assert cli_item.name == gui_item.name
    assert replace(cli_item, id=gui_item.id, path=gui_item.path) == gui_item
    assert cli_take.recipe == gui_take.recipe and cli_shot.selected_take_id == cli_take.id

    # The same frames again share the stored file and its media item; the take is new.
    _, again = add_take(cli_project, str(path), shot.name, request, result, move=False)
    assert again.media_id == cli_take.media_id and again.id != cli_take.id
    assert len(cli_project.media) == 1
