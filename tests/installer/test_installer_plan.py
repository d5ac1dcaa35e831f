"""Fast checks of the installer's inputs; building and running the app is `make installer-test`."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_plan():
    # installer/ is not a package; load plan.py under its own name, leaving sys.path alone.
    spec = importlib.util.spec_from_file_location("installer_plan", ROOT / "installer" / "plan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plan = _load_plan()
ENTRY = ROOT / "installer" / "studio_entry.py"


def test_build_script_help_names_its_options():
    done = subprocess.run([sys.executable, str(ROOT / "build_installer.py"), "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "--dist" in done.stdout and "PyInstaller" in done.stdout


def test_app_data_ships_the_bundled_plugins_and_assets_without_caches():
    for folder in plan.APP_FOLDERS:
        assert (ROOT / folder).is_dir(), f"{folder}/ is missing from the source tree"
    shipped = {str(Path(dest) / Path(src).name) for src, dest in plan.app_data_files()}
    assert str(Path("plugins/prompt_policy/studio-plugin.toml")) in shipped
    assert str(Path("plugins/prompt_policy/policy.py")) in shipped
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in shipped)
    for src, dest in plan.app_data_files():
        assert Path(src).is_file()
        assert Path(dest).parts[0] in plan.APP_FOLDERS


def test_every_package_the_plan_names_is_installed():
    for package in plan.SUBMODULE_PACKAGES + tuple(p for p, _ in plan.DATA_PACKAGES):
        assert importlib.util.find_spec(package) is not None, package
    for dist in plan.METADATA:
        assert importlib.metadata.distribution(dist), dist
    models = Path(importlib.util.find_spec("transformers").origin).parent / "models"
    for family in plan.TRANSFORMERS_MODELS:
        assert (models / family / "__init__.py").is_file(), family


def test_studio_modules_include_namespace_folders():
    # studio/commands has no __init__.py; PyInstaller's collect_submodules would miss it.
    modules = plan.studio_modules()
    assert "studio.commands.doctor" in modules
    assert "studio.engine.host" in modules
    assert "studio.core" in modules and "studio.core.__init__" not in modules


def test_torch_test_programs_are_dropped_and_its_libraries_kept():
    assert plan.is_unneeded("torch/test/atest")
    assert plan.is_unneeded("torch/bin/test_api")
    assert plan.is_unneeded("torch/lib/libtorchbind_test.so")
    assert plan.is_unneeded("torch\\bin\\protoc.exe")
    assert not plan.is_unneeded("torch/lib/libtorch_cpu.so")
    assert not plan.is_unneeded("torch/bin/torch_shm_manager")
    assert not plan.is_unneeded("torch/testing/_comparison.py")


@pytest.mark.parametrize("kind, name", [("linux", "studio"), ("windows", "studio.exe")])
def test_executable_sits_in_the_app_folder(monkeypatch, tmp_path, kind, name):
    monkeypatch.setattr(plan, "platform_name", lambda: kind)
    assert plan.executable_path(tmp_path) == tmp_path / plan.APP_NAME / name


def test_macos_executable_is_inside_the_app_bundle(monkeypatch, tmp_path):
    monkeypatch.setattr(plan, "platform_name", lambda: "macos")
    exe = plan.executable_path(tmp_path)
    assert exe == tmp_path / f"{plan.APP_NAME}.app" / "Contents" / "MacOS" / plan.EXE_NAME


def test_entry_runs_code_given_with_dash_c_like_python():
    # How safe_probe starts its child through sys.executable, which is the app when frozen.
    done = subprocess.run([sys.executable, str(ENTRY), "-c", "import sys; print(sys.argv)",
                           "a", "b"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['-c', 'a', 'b']"


def test_entry_accepts_dash_m_studio_like_python():
    # How the Diagnostics dialog runs `sys.executable -m studio doctor`.
    from studio import __version__

    done = subprocess.run([sys.executable, str(ENTRY), "-m", "studio", "--version"],
                          capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"studio {__version__}"
