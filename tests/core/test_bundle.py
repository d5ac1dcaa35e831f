"""The bundle on disk: layout, atomic saves, rotated backups, and what a save cleans up."""

import json
import os

import pytest

from studio.core import bundle
from studio.core.bundle import (
    BACKUP_KEEP,
    backups,
    create_project,
    load_project,
    media_dir,
    read_project_file,
    save_project,
)
from studio.core.errors import BadInput
from studio.core.model import MediaItem, Shot
from studio.core.serialize import ProjectError, project_from_dict


def test_create_project_makes_the_bundle_layout(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    assert project.name == "Film"
    for name in ("media", "latents", "cache", "backups"):
        assert (root / name).is_dir()
    assert media_dir(root) == root / "media"
    assert load_project(root) == project
    assert load_project(root / "project.json") == project  # the file works as well


def test_create_project_refuses_a_bad_name_or_an_existing_folder(tmp_path):
    with pytest.raises(BadInput, match=r"must end in \.studio"):
        create_project(tmp_path / "Film", "Film")
    create_project(tmp_path / "Film.studio", "Film")
    with pytest.raises(BadInput, match="already exists"):
        create_project(tmp_path / "Film.studio", "Film")


def test_backups_keep_the_last_twenty_good_copies(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    for i in range(BACKUP_KEEP + 6):
        project.shots.append(Shot(f"shot {i}"))
        save_project(project, root)
    kept = backups(root)
    assert len(kept) == BACKUP_KEEP
    shot_counts = [len(project_from_dict(read_project_file(p)).shots) for p in kept]
    # Oldest first; the newest backup is the save before the last one.
    assert shot_counts == list(range(6, BACKUP_KEEP + 6))
    assert len(load_project(root).shots) == BACKUP_KEEP + 6


def test_saving_an_unchanged_project_adds_no_backup(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    project.shots.append(Shot("one"))
    save_project(project, root)
    before = backups(root)
    save_project(project, root)
    save_project(project, root)
    assert backups(root) == before


def test_a_damaged_project_json_is_never_made_a_backup(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    project.shots.append(Shot("one"))
    save_project(project, root)
    good = [p.read_bytes() for p in backups(root)]
    (root / "project.json").write_text('{"format": "studio.project", "schema_ver')
    project.shots.append(Shot("two"))
    save_project(project, root)  # e.g. the user recovered from the autosave and saved
    assert [p.read_bytes() for p in backups(root)] == good
    assert load_project(root) == project


def test_a_damaged_file_names_the_last_good_backup(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    project.shots.append(Shot("one"))
    save_project(project, root)
    (root / "project.json").write_text("{")
    with pytest.raises(ProjectError) as err:
        load_project(root)
    assert str(backups(root)[-1]) in str(err.value)
    assert load_project(backups(root)[-1]).shots == []  # and that copy opens


def test_a_save_removes_temp_files_left_by_a_dead_writer_but_a_load_does_not(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    dead = root / ".project.json.999999999.0badc0de.tmp"  # no such process
    dead.write_text("half a proj")
    load_project(root)
    assert dead.exists()
    save_project(project, root)
    assert not dead.exists()


def test_a_save_leaves_only_the_project_json_it_wrote(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    project.media.append(MediaItem("a", "media/a.mkv"))
    save_project(project, root)
    names = sorted(p.name for p in root.iterdir())
    assert names == ["backups", "cache", "latents", "media", "project.json"]
    assert (
        json.loads((root / "project.json").read_text())["project"]["media"][0]["path"]
        == "media/a.mkv"
    )


def test_a_save_that_cannot_write_leaves_the_old_file_and_says_so(tmp_path, monkeypatch):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    before = (root / "project.json").read_bytes()
    project.shots.append(Shot("one"))

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(bundle.StudioError, match=r"Could not save .*project\.json: No space left"):
        save_project(project, root)
    monkeypatch.undo()
    assert (root / "project.json").read_bytes() == before
    assert not list(root.glob(".*.tmp"))
