"""Save then load gives back an equal project, for every field of every model class."""

import json
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from strategies import projects

from studio.core.bundle import load_project, save_project
from studio.core.serialize import SCHEMA_VERSION, project_from_dict, project_to_dict


@given(projects())
@settings(max_examples=60, deadline=None)
def test_dict_round_trip_gives_an_equal_project(project):
    data = project_to_dict(project)
    # Through real JSON text, as the file holds it.
    assert project_from_dict(json.loads(json.dumps(data))) == project


@given(projects(max_shots=3, max_media=3))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_save_then_load_gives_an_equal_project(tmp_path, project):
    root = tmp_path / "Prop.studio"
    save_project(project, root)
    assert load_project(root) == project


def test_file_layout_uses_fraction_text_and_enum_values(tmp_path):
    from studio.core.model import Clip, FrameRange, MediaItem, Mode, Project, Shot

    project = Project(name="Film", rate=Fraction(24000, 1001))
    project.media.append(MediaItem("a", "media/a.mkv", rate=Fraction(30000, 1001)))
    project.shots.append(Shot("one", mode=Mode.EXTEND_FORWARD))
    project.timeline.tracks[0].items.append(Clip("a", project.media[0].id, FrameRange(0, 5)))
    save_project(project, tmp_path / "Film.studio")

    data = json.loads((tmp_path / "Film.studio" / "project.json").read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["project"]["rate"] == "24000/1001"
    assert data["project"]["media"][0]["rate"] == "30000/1001"
    assert data["project"]["shots"][0]["mode"] == "extend_forward"
    assert data["project"]["timeline"]["tracks"][0]["items"][0]["type"] == "clip"
    assert data["project"]["jobs"] == []
    for name in ("media", "latents", "cache", "backups"):
        assert (tmp_path / "Film.studio" / name).is_dir()
