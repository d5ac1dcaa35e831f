"""`studio doctor`: what this machine offers the studio, and whether it can run.

Reports Python, torch and the devices it sees with their memory, the versions of the
libraries the studio stands on, the video encoders PyAV carries, the user folders (models,
plugins, config, cache) and the log file. `--json` prints the same as one JSON object for bug
reports and scripts. Exit 0 when the studio is usable; otherwise the report is still printed
and one `error:` line says what is missing.

torch is imported here, inside the command, never at module import: `studio --help` stays
quick. `--model ID` asks the engine for its memory plan through
`studio.engine.memory.describe_plan(model_id)` when the engine offers one.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from studio import __version__
from studio.core import logs, paths
from studio.core.errors import StudioError
from studio.core.machine import cpu_name

log = logging.getLogger(__name__)

# (label, distribution names to try, import name)
PACKAGES = [
    ("diffusers", ("diffusers",), "diffusers"),
    ("transformers", ("transformers",), "transformers"),
    ("accelerate", ("accelerate",), "accelerate"),
    ("safetensors", ("safetensors",), "safetensors"),
    ("huggingface_hub", ("huggingface-hub", "huggingface_hub"), "huggingface_hub"),
    ("PySide6", ("PySide6", "PySide6-Essentials"), "PySide6"),
    ("PyAV", ("av",), "av"),
    ("OpenTimelineIO", ("opentimelineio",), "opentimelineio"),
    ("c2pa", ("c2pa-python", "c2pa"), "c2pa"),
    ("opencv", ("opencv-python-headless", "opencv-python"), "cv2"),
    ("numpy", ("numpy",), "numpy"),
    ("psygnal", ("psygnal",), "psygnal"),
]
# Without these the studio cannot open or make anything; the rest narrows what it can do.
REQUIRED = {"torch", "diffusers", "PySide6", "PyAV", "OpenTimelineIO", "numpy", "psygnal"}

# What exports and takes are written with: (label, PyAV encoder name).
ENCODERS = [
    ("H.264", "libx264"),
    ("H.265", "libx265"),
    ("ProRes", "prores_ks"),
    ("DNxHR/DNxHD", "dnxhd"),
    ("FFV1", "ffv1"),
    ("PNG", "png"),
    ("MJPEG", "mjpeg"),
    ("VP9", "libvpx-vp9"),
    ("AAC audio", "aac"),
]
# A lossless or intra codec for takes and one delivery codec are the least the studio needs.
NEEDED_ENCODERS = {"ffv1", "libx264"}

GiB = 1024**3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--model",
        metavar="ID",
        default=None,
        help="also show the engine's memory plan for this model (an id from `studio models`)",
    )


def run(args: argparse.Namespace) -> int:
    report = collect(model_id=args.model)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report))
    if report["problems"]:
        raise StudioError("the studio cannot run here: " + "; ".join(report["problems"]) + ".")
    return 0


# -- gathering ---------------------------------------------------------------------------


def collect(model_id: str | None = None) -> dict[str, Any]:
    """The whole report as plain data (what `--json` prints)."""
    problems: list[str] = []
    notes: list[str] = []
    torch_info = _torch()
    packages = {"torch": torch_info["version"]}
    for label, dists, module in PACKAGES:
        packages[label] = _version(dists, module)
    for name in sorted(REQUIRED):
        if packages.get(name) is None:
            problems.append(f"{name} is not installed")
    if torch_info.get("error"):
        problems.append(f"torch cannot be imported ({torch_info['error']})")
    encoders, ffmpeg = _encoders()
    missing = [name for name in NEEDED_ENCODERS if not encoders.get(name)]
    if packages.get("PyAV") and missing:
        problems.append(f"PyAV lacks the {', '.join(sorted(missing))} encoder(s)")
    if torch_info["version"] and not any(d["type"] != "cpu" for d in torch_info["devices"]):
        notes.append("no GPU found: generation runs on the CPU, which suits the demo model only")
    report = {
        "studio": __version__,
        "python": {
            "version": platform.python_version(),
            "executable": sys.executable,
            "platform": platform.platform(),
        },
        "torch": torch_info,
        "packages": packages,
        "ffmpeg": ffmpeg,
        "encoders": encoders,
        "folders": _folders(),
        "log_file": str(logs.log_file_path()),
        "hf_offline": os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"),
        "memory_plan": _memory_plan(model_id) if model_id else None,
        "notes": notes,
        "problems": problems,
    }
    return report


def _version(dists: tuple[str, ...], module: str) -> str | None:
    """The installed version, read from package metadata (nothing is imported)."""
    for dist in dists:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    if importlib.util.find_spec(module) is not None:
        return "unknown"
    return None


def _torch() -> dict[str, Any]:
    info: dict[str, Any] = {"version": None, "cuda": None, "devices": [], "error": None}
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - a broken install can raise anything at import
        info["error"] = f"{type(exc).__name__}: {exc}"
        log.warning("torch cannot be imported: %s", exc)
        return info
    info["version"] = torch.__version__
    info["cuda"] = torch.version.cuda
    devices = info["devices"]
    try:
        if torch.cuda.is_available():
            for index in range(torch.cuda.device_count()):
                props = torch.cuda.get_device_properties(index)
                free, total = torch.cuda.mem_get_info(index)
                devices.append(
                    {
                        "type": "cuda",
                        "index": index,
                        "name": props.name,
                        "capability": f"{props.major}.{props.minor}",
                        "total_bytes": total,
                        "free_bytes": free,
                        "bf16": bool(torch.cuda.is_bf16_supported()),
                    }
                )
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            recommended = getattr(torch.mps, "recommended_max_memory", None)
            devices.append(
                {
                    "type": "mps",
                    "index": 0,
                    "name": "Apple GPU",
                    "total_bytes": recommended() if recommended else None,
                    "free_bytes": None,
                }
            )
    except Exception as exc:  # noqa: BLE001 - a driver fault must not stop the report
        info["error"] = f"the GPU driver failed: {type(exc).__name__}: {exc}"
        log.warning("probing GPUs failed: %s", exc)
    total, available = _system_memory()
    devices.append(
        {
            "type": "cpu",
            "index": 0,
            "name": cpu_name(),
            "cores": os.cpu_count(),
            "total_bytes": total,
            "free_bytes": available,
            "threads": torch.get_num_threads(),
        }
    )
    return info


def _system_memory() -> tuple[int | None, int | None]:
    """(total, available) bytes of RAM; available only where the system says (Linux)."""
    total = available = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return total, available



def _encoders() -> tuple[dict[str, bool], dict[str, str]]:
    try:
        import av
        import av.codec
    except Exception as exc:  # noqa: BLE001 - as for torch: report it, do not crash
        log.warning("PyAV cannot be imported: %s", exc)
        return {}, {}
    found = {}
    for _, name in ENCODERS:
        try:
            av.codec.Codec(name, "w")
            found[name] = True
        except Exception:  # noqa: BLE001 - UnknownCodecError and kin: not built in
            found[name] = False
    versions = {
        lib: ".".join(str(part) for part in version)
        for lib, version in getattr(av, "library_versions", {}).items()
    }
    return found, versions


def _folders() -> dict[str, dict[str, Any]]:
    out = {}
    for name, folder in paths.all_dirs().items():
        free = None
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            pass
        out[name] = {
            "path": str(folder),
            "writable": os.access(folder, os.W_OK),
            "free_bytes": free,
        }
    return out


def _memory_plan(model_id: str) -> dict[str, Any]:
    """The engine's plan for `model_id`, if the installed engine can describe one."""
    try:
        memory = importlib.import_module("studio.engine.memory")
    except ImportError as exc:
        return {"available": False, "text": f"the engine is not installed ({exc})"}
    describe = getattr(memory, "describe_plan", None)
    if describe is None:
        return {"available": False, "text": "this engine cannot describe memory plans yet"}
    plan = describe(model_id)  # BadInput for an unknown model reaches the user as it is
    if isinstance(plan, dict):
        return {"available": True, **plan}
    return {"available": True, "text": str(plan)}


# -- text --------------------------------------------------------------------------------


def _size(value: int | None) -> str:
    return "?" if value is None else f"{value / GiB:.1f} GiB"


def format_report(report: dict[str, Any]) -> str:
    lines = [f"studio {report['studio']}", ""]
    py = report["python"]
    lines.append(f"Python        {py['version']}  ({py['executable']})")
    lines.append(f"Platform      {py['platform']}")
    torch_info = report["torch"]
    if torch_info["version"]:
        cuda = f", CUDA {torch_info['cuda']}" if torch_info["cuda"] else ""
        lines.append(f"torch         {torch_info['version']}{cuda}")
    else:
        lines.append(f"torch         not available: {torch_info['error'] or 'not installed'}")
    lines += ["", "Devices"]
    for device in torch_info["devices"]:
        memory = _size(device["total_bytes"])
        if device.get("free_bytes") is not None:
            memory = f"{_size(device['free_bytes'])} free of {memory}"
        extra = f", {device['cores']} cores" if device["type"] == "cpu" else ""
        lines.append(f"  {device['type']}:{device['index']:<3} {device['name']}  ({memory}{extra})")
    if torch_info["error"] and torch_info["version"]:
        lines.append(f"  ! {torch_info['error']}")
    lines += ["", "Libraries"]
    for name, version in report["packages"].items():
        if name != "torch":
            lines.append(f"  {name:<16} {version or 'not installed'}")
    lines += ["", "Video encoders (PyAV)"]
    for label, name in ENCODERS:
        if name in report["encoders"]:
            mark = "yes" if report["encoders"][name] else "no"
            lines.append(f"  {label:<16} {name:<12} {mark}")
    if report["ffmpeg"]:
        libs = ", ".join(f"{k} {v}" for k, v in sorted(report["ffmpeg"].items()))
        lines.append(f"  FFmpeg libraries: {libs}")
    lines += ["", "Folders"]
    for name, folder in report["folders"].items():
        state = "" if folder["writable"] else "  (NOT WRITABLE)"
        lines.append(f"  {name:<8} {folder['path']}  ({_size(folder['free_bytes'])} free){state}")
    lines.append(f"  log file {report['log_file']}")
    lines.append(f"  Hugging Face: {'offline' if report['hf_offline'] else 'online allowed'}")
    plan = report["memory_plan"]
    if plan is not None:
        lines += ["", "Memory plan"]
        body = plan.get("text") or json.dumps(
            {k: v for k, v in plan.items() if k != "available"}, indent=2
        )
        lines += [f"  {line}" for line in body.splitlines()]
    for note in report["notes"]:
        lines.append(f"\nnote: {note}")
    lines.append("")
    lines.append(
        "problems: " + "; ".join(report["problems"])
        if report["problems"]
        else "ok: the studio can run here"
    )
    return "\n".join(lines)
