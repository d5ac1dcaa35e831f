"""Every schema version ever written opens as the same project; newer ones are refused."""

import json
import shutil
from pathlib import Path

import pytest
from fixture_projects import expected_project

from studio.core.bundle import load_project, save_project
from studio.core.migrations import MIGRATIONS, OLDEST_VERSION
from studio.core.serialize import SCHEMA_VERSION, ProjectError

FIXTURES = Path(__file__).parent / "fixtures"


def test_there_is_a_fixture_for_every_schema_version():
    versions = sorted(int(p.name[1:]) for p in FIXTURES.glob("v*"))
    assert versions == list(range(OLDEST_VERSION, SCHEMA_VERSION + 1))
    assert sorted(MIGRATIONS) == list(range(OLDEST_VERSION, SCHEMA_VERSION))


@pytest.mark.parametrize("version", range(OLDEST_VERSION, SCHEMA_VERSION + 1))
def test_each_schema_version_loads_as_the_expected_project(version):
    root = FIXTURES / f"v{version}" / "Harbour.studio"
    before = (root / "project.json").read_bytes()
    assert load_project(root) == expected_project(version)
    assert (root / "project.json").read_bytes() == before  # opening never rewrites


def test_a_migrated_project_saves_at_the_current_schema(tmp_path):
    root = tmp_path / "Harbour.studio"
    shutil.copytree(FIXTURES / "v1" / "Harbour.studio", root)
    project = load_project(root)
    save_project(project, root)
    data = json.loads((root / "project.json").read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["project"]["rate"] == "24000/1001"
    assert load_project(root) == project
    # The v1 file it replaced is kept, still as v1.
    (backup,) = sorted((root / "backups").glob("project-*.json"))
    assert json.loads(backup.read_text())["schema_version"] == 1


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path):
    root = tmp_path / "Future.studio"
    shutil.copytree(FIXTURES / f"v{SCHEMA_VERSION}" / "Harbour.studio", root)
    file = root / "project.json"
    data = json.loads(file.read_text())
    data["schema_version"] = SCHEMA_VERSION + 5
    file.write_text(json.dumps(data))
    before = file.read_bytes()
    with pytest.raises(ProjectError) as err:
        load_project(root)
    message = str(err.value)
    assert str(file) in message
    assert str(SCHEMA_VERSION + 5) in message and str(SCHEMA_VERSION) in message
    assert "update Studio" in message
    assert file.read_bytes() == before


def test_a_v1_rate_that_is_no_rate_is_named(tmp_path):
    root = tmp_path / "Bad.studio"
    shutil.copytree(FIXTURES / "v1" / "Harbour.studio", root)
    file = root / "project.json"
    data = json.loads(file.read_text())
    data["project"]["media"][1]["rate"] = "fast"
    file.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match=r'media\[1\]\.rate must be a fraction .*"fast"'):
        load_project(root)
