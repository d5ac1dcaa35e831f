"""An export format can live in a plugin: AAF comes from the bundled `aaf_export` plugin,
and an entry-point plugin can add a format of its own that `studio export` then writes."""

import textwrap

import pytest

from studio.core.settings import Settings, save_settings
from studio.interchange.formats import timeline_formats


def test_aaf_comes_from_its_plugin():
    fmt = timeline_formats()["aaf"]
    assert fmt.write.__module__ == "aaf_export.aaf"
    assert not fmt.image_sequences


def test_without_the_plugin_there_is_no_aaf(capsys):
    from studio.cli import main

    save_settings(Settings(disabled_plugins=["aaf_export"]))
    assert "aaf" not in timeline_formats()
    with pytest.raises(SystemExit) as exited:
        main(["export", "X.studio", "--format", "aaf", "--out", "x.aaf"])
    assert exited.value.code == 2 and "invalid choice: 'aaf'" in capsys.readouterr().err


def test_a_plugin_format_is_written_by_studio_export(tmp_path, monkeypatch, capsys):
    from studio.cli import main
    from studio.core import bundle
    from studio.core.paths import plugins_dir

    pkg = plugins_dir() / "names_list"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "studio-plugin.toml").write_text(
        'name = "names_list"\n[contributes]\nexporters = ["names_list.fmt:NAMES"]\n')
    (pkg / "fmt.py").write_text(textwrap.dedent("""
        from studio.interchange.formats import TimelineFormat

        def write(timeline, out, **_):
            out.write_text("\\n".join(c.name for c in timeline.find_clips()) + "\\n")
            return [out]

        NAMES = TimelineFormat("names", ".txt", "Clip names", "a text editor", write)
    """))
    project_path = tmp_path / "Cut.studio"
    bundle.create_project(project_path, "Cut")
    out = tmp_path / "cut.txt"
    assert main(["export", str(project_path), "--format", "names", "--out", str(out)]) == 0
    assert out.read_text() == "\n"  # an empty cut has no clip names
