"""Plugins are found in every source, load only when used, and a broken one never stops
the studio: it is listed as failed with its reason."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from studio.core.plugins import PluginRegistry, read_manifest
from studio.core.prompt_filters import PromptRefused, check_prompt


def write_plugin(folder: Path, name: str, manifest: str, code: str = "") -> Path:
    pkg = folder / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "studio-plugin.toml").write_text(textwrap.dedent(manifest))
    if code:
        (pkg / "impl.py").write_text(textwrap.dedent(code))
    return pkg


def install_entry_point_plugin(site: Path) -> None:
    """What `pip install` leaves behind: the package and a dist-info naming the entry point."""
    write_plugin(site, "throwaway_plugin", """
        name = "throwaway"
        version = "0.1"
        [contributes]
        prompt_filters = ["throwaway_plugin.impl:NoBananas"]
        exporters = ["throwaway_plugin.impl:BANANA_EXPORT"]
    """, """
        from studio.core.prompt_filters import Verdict
        BANANA_EXPORT = {"name": "banana"}
        class NoBananas:
            def check(self, prompt, negative_prompt=""):
                if "banana" in prompt:
                    return Verdict(False, "no bananas", "bananas are not allowed here")
                return Verdict(True)
    """)
    dist = site / "throwaway_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: throwaway-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[studio.plugins]\nthrowaway = throwaway_plugin\n")


def run_studio(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_entry_point_plugin_contributions_appear(tmp_path):
    site = tmp_path / "site"
    install_entry_point_plugin(site)
    result = run_studio("plugins", "--json", env_extra={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["throwaway"]["source"] == "entry point"
    assert plugins["throwaway"]["status"] == "loaded"
    assert plugins["throwaway"]["contributions"]["exporters"] == [
        "throwaway_plugin.impl:BANANA_EXPORT"]
    assert plugins["prompt_policy"]["status"] == "loaded"


def test_entry_point_filter_refuses_in_process(tmp_path, monkeypatch):
    site = tmp_path / "site"
    install_entry_point_plugin(site)
    monkeypatch.syspath_prepend(str(site))
    registry = PluginRegistry.discover()
    with pytest.raises(PromptRefused, match="bananas are not allowed"):
        check_prompt("a banana on a table", registry=registry)
    check_prompt("an apple on a table", registry=registry)


def test_broken_plugins_are_reported_and_skipped(tmp_path):
    home = tmp_path / "home"
    user_plugins = home / "plugins"
    write_plugin(user_plugins, "crashes_on_import", """
        name = "crashes_on_import"
        [contributes]
        prompt_filters = ["crashes_on_import.impl:Filter"]
    """, "raise RuntimeError('this plugin is broken on purpose')\n")
    write_plugin(user_plugins, "bad_manifest", "name = 'bad_manifest'\n[contributes]\nwidgets = ['x:y']\n")
    write_plugin(user_plugins, "not_toml", "this is = = not toml\n")
    result = run_studio("plugins", "--json", env_extra={"STUDIO_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["crashes_on_import"]["status"] == "failed"
    assert "broken on purpose" in plugins["crashes_on_import"]["error"]
    assert "not one of" in plugins["bad_manifest"]["error"]
    assert "cannot be read" in plugins["not_toml"]["error"]
    assert plugins["prompt_policy"]["status"] == "loaded"  # the good one still works
    # and the studio still starts and answers
    assert run_studio("plugins", env_extra={"STUDIO_HOME": str(home)}).returncode == 0


def test_a_disabled_plugin_is_never_imported(tmp_path):
    folder = tmp_path / "extra"
    write_plugin(folder, "tripwire", """
        name = "tripwire"
        [contributes]
        prompt_filters = ["tripwire.impl:Filter"]
    """, f"open({str(tmp_path / 'imported')!r}, 'w').close()\nclass Filter: pass\n")
    registry = PluginRegistry.discover(disabled={"tripwire"}, extra_folders=(folder,))
    assert registry.get("tripwire").status == "disabled"
    assert registry.load_all("prompt_filters")  # the policy still loads
    assert not (tmp_path / "imported").exists()
    enabled = PluginRegistry.discover(extra_folders=(folder,))
    assert enabled.contributions("prompt_filters")  # nothing imported by discovery either
    assert not (tmp_path / "imported").exists()


def test_manifest_refs_are_checked(tmp_path):
    pkg = write_plugin(tmp_path, "p", "[contributes]\nbackends = ['no colon here']\n")
    plugin = read_manifest(pkg, "user")
    assert plugin.status == "failed" and "module:attr" in plugin.error
