"""A damaged, foreign or hostile project file is refused with one sentence naming the file
and the problem, and nothing on disk changes."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import json_values, projects

from studio.core.bundle import MAX_PROJECT_BYTES, check_media_paths, load_project, save_project
from studio.core.model import Clip, FrameRange, MediaItem, Project, Shot, ShotSettings
from studio.core.serialize import ProjectError, project_from_dict, project_to_dict


def good_project() -> Project:
    project = Project(name="Good")
    project.media.append(MediaItem("a", "media/a.mkv", frames=30))
    project.shots += [Shot("one"), Shot("two"), Shot("three", settings=ShotSettings(frames=9))]
    project.timeline.tracks[0].items.append(Clip("a", project.media[0].id, FrameRange(0, 10)))
    return project


@pytest.fixture
def bundle(tmp_path) -> Path:
    root = tmp_path / "Good.studio"
    save_project(good_project(), root)
    save_project(good_project(), root)  # so backups/ holds a good copy too
    return root


def snapshot(root: Path) -> dict:
    """Every path under the bundle with its bytes (sparse giants by size) and mtime."""
    state = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        if path.is_file() and st.st_size < 10_000_000:
            state[str(path)] = (path.read_bytes(), st.st_mtime_ns)
        else:
            state[str(path)] = (st.st_size, st.st_mtime_ns)
    return state


def refused(root: Path, match: str) -> str:
    before = snapshot(root)
    with pytest.raises(ProjectError) as err:
        load_project(root)
    message = str(err.value)
    assert "\n" not in message
    assert str(root) in message
    assert __import__("re").search(match, message), message
    assert snapshot(root) == before
    return message


def edit_json(root: Path, change) -> None:
    file = root / "project.json"
    data = json.loads(file.read_text())
    change(data)
    file.write_text(json.dumps(data))


def test_truncated_json_says_the_file_is_cut_off(bundle):
    file = bundle / "project.json"
    file.write_bytes(file.read_bytes()[:300])
    message = refused(bundle, r"project\.json ends in the middle .*cut off")
    assert "backups" in message  # and says where a good copy is


def test_binary_garbage(bundle):
    (bundle / "project.json").write_bytes(bytes(range(256)) * 40)
    refused(bundle, "binary data")


def test_not_utf8(bundle):
    (bundle / "project.json").write_bytes(b'{"name": "caf\xe9"}')
    refused(bundle, "not UTF-8")


def test_empty_file(bundle):
    (bundle / "project.json").write_bytes(b"")
    refused(bundle, "is empty")


def test_a_1gb_file_is_refused_by_its_size_without_reading_it(bundle):
    file = bundle / "project.json"
    with open(file, "r+b") as f:  # sparse: no gigabyte is written or read
        f.truncate(1024**3)
    assert os.path.getsize(file) > MAX_PROJECT_BYTES
    refused(bundle, r"1024 MB, far larger than a project file")


@pytest.mark.parametrize(
    "content, match",
    [
        ('{"name": "package", "version": "1.0"}', "not a Studio project file"),
        ("[1, 2, 3]", "not a Studio project file"),
        ('"just text"', "not a Studio project file"),
        ('{"format": "studio.project"}', "no whole-number schema_version"),
        ('{"format": "studio.project", "schema_version": "2"}', "no whole-number schema_version"),
        ('{"format": "studio.project", "schema_version": 0, "project": {}}', "never existed"),
        (
            '{"format": "studio.project", "schema_version": 99, "project": {}}',
            "schema 99.*schema 2",
        ),
        ("not json at all", r"not valid JSON: .* line 1, column 1"),
        ('{"format": NaN}', "NaN is not a number"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply|not a Studio project"),
    ],
)
def test_foreign_and_unknown_files(bundle, content, match):
    (bundle / "project.json").write_text(content)
    refused(bundle, match)


@pytest.mark.parametrize(
    "change, match",
    [
        (
            lambda d: d["project"]["shots"][2]["settings"].update(frames="abc"),
            r'shots\[2\]\.settings\.frames must be a whole number, not "abc"',
        ),
        (
            lambda d: d["project"]["shots"][0]["settings"].update(seed_locked=1),
            r"shots\[0\]\.settings\.seed_locked must be true or false, not 1",
        ),
        (lambda d: d["project"].update(width=2.5), r"width must be a whole number, not 2\.5"),
        (lambda d: d["project"].update(rate=24), r'rate must be a fraction written like "24"'),
        (lambda d: d["project"].update(rate="24/0"), r"rate must be a fraction"),
        (lambda d: d["project"].update(shots={}), r"shots must be a list, not an object"),
        (
            lambda d: d["project"]["shots"][1].update(mode="sideways"),
            r'shots\[1\]\.mode must be one of "text", .*, not "sideways"',
        ),
        (
            lambda d: d["project"]["shots"][1].update(colour="red"),
            r'shots\[1\] has an unknown field "colour"',
        ),
        (lambda d: d["project"].update(extra=1), r'the project has an unknown field "extra"'),
        (lambda d: d["project"]["shots"][0].pop("prompt"), r"shots\[0\]\.prompt is missing"),
        (
            lambda d: d["project"]["timeline"]["tracks"][0]["items"][0].update(type="wipe"),
            r'items\[0\]\.type must be "clip" or "gap", not "wipe"',
        ),
        (
            lambda d: d["project"]["timeline"]["tracks"][0]["items"][0].update(
                source_range={"start": 0, "duration": -4}
            ),
            r"items\[0\]\.source_range is not valid: a range cannot have a negative duration",
        ),
        (
            lambda d: d["project"]["shots"][1].update(id=d["project"]["shots"][0]["id"]),
            "two of its shots share the id",
        ),
        (lambda d: d["project"].update(name=None), "name must be text, not null"),
    ],
)
def test_wrong_types_name_the_field(bundle, change, match):
    edit_json(bundle, change)
    refused(bundle, match)


@pytest.mark.parametrize(
    "path, match",
    [
        ("/etc/passwd", "must be a path inside the bundle"),
        ("C:/Windows/win.ini", "must be a path inside the bundle"),
        ("media\\a.mkv", "must be a path inside the bundle"),
        ("media/../../secret.mkv", 'climbs out of the bundle with ".."'),
        ("../other.studio/media/a.mkv", 'climbs out of the bundle with ".."'),
        ("cache/a.mkv", "must be inside the bundle's media/ folder"),
        ("media", "must be inside the bundle's media/ folder"),
    ],
)
def test_media_paths_that_leave_the_bundle_are_refused(bundle, path, match):
    edit_json(bundle, lambda d: d["project"]["media"][0].update(path=path))
    message = refused(bundle, match)
    assert "media[0].path" in message


def test_a_symlink_pointing_out_of_the_bundle_is_refused(bundle, tmp_path):
    outside = tmp_path / "outside.mkv"
    outside.write_bytes(b"not yours")
    (bundle / "media" / "a.mkv").symlink_to(outside)
    refused(bundle, "symbolic link pointing outside the bundle")


def test_a_symlink_inside_the_bundle_is_fine(bundle):
    (bundle / "media" / "real.mkv").write_bytes(b"x")
    (bundle / "media" / "a.mkv").symlink_to(bundle / "media" / "real.mkv")
    assert load_project(bundle) == good_project_with_ids(bundle)


def good_project_with_ids(bundle: Path) -> Project:
    # The ids are random; compare against the saved file's own content.
    from studio.core.bundle import read_project_file

    return project_from_dict(read_project_file(bundle / "project.json"))


def test_a_missing_bundle_or_file(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        load_project(tmp_path / "Nope.studio")
    (tmp_path / "Empty.studio").mkdir()
    with pytest.raises(ProjectError, match=r"not a Studio project \(it has no project\.json\)"):
        load_project(tmp_path / "Empty.studio")


def test_a_folder_where_project_json_should_be(tmp_path):
    (tmp_path / "Odd.studio" / "project.json").mkdir(parents=True)
    with pytest.raises(ProjectError, match="is a folder, not a project file"):
        load_project(tmp_path / "Odd.studio")


def test_saving_a_project_with_an_outside_media_path_is_refused(tmp_path):
    from studio.core.errors import StudioError

    project = good_project()
    project.media[0].path = "/home/someone/clip.mkv"
    with pytest.raises(StudioError, match="must be a path inside the bundle"):
        save_project(project, tmp_path / "Bad.studio")
    assert not (tmp_path / "Bad.studio" / "project.json").exists()


# -- any damage at all: a clear ProjectError, never a crash --------------------------------


def _paths(node, prefix=()):
    """Every place in a JSON tree, as key/index tuples."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@given(projects(max_shots=2, max_media=2), st.data())
@settings(max_examples=100, deadline=None)
def test_any_single_damage_is_refused_clearly_or_harmless(project, data):
    content = project_to_dict(project)
    where = data.draw(st.sampled_from(list(_paths(content))))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if not where:
        content = data.draw(json_values)
    else:
        parent = content
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        if action == "replace":
            parent[last] = data.draw(json_values)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(json_values)
        else:
            parent.insert(last, data.draw(json_values))
    try:
        loaded = project_from_dict(content, "project.json")
        check_media_paths(loaded, Path("/nonexistent/Fuzz.studio"), "project.json")
    except ProjectError as exc:
        message = str(exc)
        assert message.startswith("project.json") and "\n" not in message
        assert message.endswith(".")
