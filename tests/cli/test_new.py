"""`studio new` makes a project that loads, at the rate and size asked for."""

from fractions import Fraction

from studio.cli import main
from studio.core.bundle import load_project


def test_new_project_loads_with_its_rate_and_size(tmp_path, capsys):
    path = tmp_path / "Film.studio"
    assert main(["new", str(path), "--fps", "29.97", "--size", "1920x1080"]) == 0
    project = load_project(path)
    assert (project.name, project.rate) == ("Film", Fraction(30000, 1001))
    assert (project.width, project.height) == (1920, 1080)
    assert len(project.timeline.tracks) == 1


def test_new_refuses_an_existing_project_and_bad_sizes(tmp_path, capsys):
    path = tmp_path / "Film.studio"
    assert main(["new", str(path)]) == 0
    before = (path / "project.json").read_bytes()
    assert main(["new", str(path)]) == 2
    assert (path / "project.json").read_bytes() == before
    assert main(["new", str(tmp_path / "B.studio"), "--size", "huge"]) == 2
    assert main(["new", str(tmp_path / "C.studio"), "--fps", "fast"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("error: ") for line in err) and len(err) == 3
    assert not (tmp_path / "B.studio").exists()
