"""`studio generate PROMPT --out FILE`: make one video take, in any mode, from the command line.

The mode follows from the inputs: none (text-to-video), `--image` (image-to-video),
`--extend` / `--extend-back` (continue a clip after its end or lead into its start),
`--infill A B` (bridge two clips). `--frames` / `--seconds` is the length of the file you get:
for extend and infill that is the new footage only, and the pinned frames of the clips come
on top of it in the generated window.

The job runs in the engine host process through `EngineClient`, exactly as in the GUI, with
a progress bar on stderr. The file is written with its recipe beside it (`FILE.recipe.json`);
with `--project` the result also becomes a take of `--shot`.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from fractions import Fraction
from pathlib import Path

from studio.core.errors import BadInput, StudioError
from studio.core.timecode import parse_rate
from studio.engine import request as builders
from studio.engine.events import JobCancelled, JobFailed, JobFinished, JobStarted, JobStep
from studio.engine.families import MODE_NAMES, ModelInfo, families_that_can
from studio.engine.request import DEVICES, PRESETS, GenerationRequest

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv")
DEFAULT_WINDOW = GenerationRequest.frames  # 17: 4k+1 and 8k+1, so every family takes it
DEFAULT_SIZE = (GenerationRequest.width, GenerationRequest.height)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", metavar="PROMPT", help="what the shot shows")
    parser.add_argument("--out", "-o", metavar="FILE", help="the video to write (.mp4, .mov or .mkv)")
    parser.add_argument("--model", metavar="ID|PATH", help="`demo`, a model id, or a model folder")
    parser.add_argument("--negative", metavar="TEXT", default="", help="what the shot must not show")
    inputs = parser.add_mutually_exclusive_group()
    inputs.add_argument("--image", metavar="IMG", help="start from this image (image-to-video)")
    inputs.add_argument("--extend", metavar="CLIP", help="continue CLIP after its last frame")
    inputs.add_argument("--extend-back", metavar="CLIP", help="lead into CLIP before its first frame")
    inputs.add_argument("--infill", nargs=2, metavar=("CLIP_A", "CLIP_B"), help="bridge A's end to B's start")
    parser.add_argument(
        "--pin-frames", type=int, metavar="K",
        help="frames of each clip to continue from (default: what fills two latent frames)",
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--frames", type=int, metavar="N", help="frames in the file you get")
    length.add_argument("--seconds", type=float, metavar="S", help="seconds in the file you get")
    parser.add_argument("--size", metavar="WxH", help="frame size, e.g. 832x480")
    parser.add_argument("--fps", metavar="N", help="frame rate: 16, 24, 23.976, 24000/1001...")
    parser.add_argument("--steps", type=int, metavar="N", help="denoising steps")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default: a new one)")
    parser.add_argument("--guidance", type=float, metavar="F", help="how closely to follow the prompt")
    parser.add_argument("--preset", choices=PRESETS, default="final", help="draft is faster, final is best")
    parser.add_argument(
        "--device", choices=DEVICES, default="auto", help="where to run (auto: the best GPU, else the CPU)"
    )
    parser.add_argument(
        "--round", action="store_true",
        help="round the size and length to what the model takes (and say so) instead of refusing",
    )
    parser.add_argument("--project", metavar="P.studio", help="add the result as a take to this project")
    parser.add_argument("--shot", metavar="NAME", help="the shot the take belongs to (with --project)")


def run(args: argparse.Namespace) -> int:
    from studio.core.prompt_filters import check_prompt

    out = _check_outputs(args)
    check_prompt(args.prompt, args.negative)  # before anything is loaded or queued
    project = shot = None
    if args.project:
        from studio.commands.generate_take import find_shot, open_project

        project = open_project(args.project)
        shot = find_shot(project, args.shot)
    model = _resolve_model(args.model or (shot.model if shot else None) or _default_model())
    request = build_request(args, model, project)
    target = out if out is not None else _scratch(args.project)
    latents = _scratch(args.project, ".safetensors", "latents") if project is not None else None
    _say(
        f"generating {request.output_frames} frames at {request.width}x{request.height}, "
        f"{request.fps} fps with {model.id} ({MODE_NAMES[request.mode]}, seed {request.seed})"
    )
    result = run_job(request, target, latents)
    for note in result.notes:
        _say(f"note: {note}")
    if project is not None:
        from studio.commands.generate_take import add_take

        taken_shot, take = add_take(project, args.project, args.shot, request, result, move=out is None)
        _say(f"added take {take.id} to shot {taken_shot.name!r} in {args.project}")
    elif result.latents_path:
        # Kept only so a failed decode could be retried; a lone file needs no such cache.
        Path(result.latents_path).unlink(missing_ok=True)
    if out is not None:
        print(f"wrote {result.path} ({result.frames} frames, {result.width}x{result.height}, {result.fps} fps)")
    return 0


# --- the request -------------------------------------------------------------------------------


def build_request(args: argparse.Namespace, model: ModelInfo, project=None) -> GenerationRequest:
    """Turn the command line (and the input files) into a checked request."""
    from studio.commands import generate_inputs as inputs

    mode = _mode_of(args)
    if mode not in model.modes:
        can = ", ".join(f.label for f in families_that_can(mode))
        raise BadInput(f"{model.id} ({model.family.label}) cannot do {MODE_NAMES[mode]}; models that can: {can}")
    sources = _sources(args, inputs)
    first = sources[0] if sources else None
    size = _size(args.size) if args.size else (
        (project.width, project.height) if project is not None else
        (first.width, first.height) if first is not None else
        (model.native.width, model.native.height) if model.native else DEFAULT_SIZE
    )
    fps = _fps(args.fps) if args.fps else (
        project.rate if project is not None else
        first.rate if first is not None and first.rate > 0 else
        model.native.fps if model.native else GenerationRequest.fps
    )
    k = args.pin_frames if args.pin_frames is not None else model.rule.temporal + 1
    if k < 1:
        raise BadInput(f"--pin-frames must be 1 or more, not {k}")
    pinned = {"extend": k, "extend_back": k, "infill": 2 * k}.get(_input_kind(args), 0)
    if pinned:
        for source in sources:
            inputs.check_length(source, k)
    new = _new_frames(args, fps, pinned)
    size, window = _fit_rule(model, size, new + pinned, pinned, args.round)
    fields = {
        "model": str(model.path) if model.source == "path" else model.id,
        "negative_prompt": args.negative, "width": size[0], "height": size[1], "frames": window, "fps": fps,
        "seed": args.seed if args.seed is not None else secrets.randbelow(2**31),
        "preset": args.preset, "device": args.device, "round_to_model": args.round,
    }
    if args.steps is not None:
        fields["steps"] = args.steps
    if args.guidance is not None:
        fields["guidance"] = args.guidance
    kind = _input_kind(args)
    if kind == "image":
        frame = inputs.image_frame(sources[0], size)
        return builders.image_to_video(frame, args.prompt, source=sources[0].path.name, **fields)
    if kind in ("extend", "extend_back"):
        clip = inputs.clip_frames(sources[0], head=kind == "extend_back", count=k, size=size)
        build = builders.extend_forward if kind == "extend" else builders.extend_backward
        return build(clip, k, args.prompt, source=sources[0].path.name, **fields)
    if kind == "infill":
        tail = inputs.clip_frames(sources[0], head=False, count=k, size=size)
        head = inputs.clip_frames(sources[1], head=True, count=k, size=size)
        return builders.infill(
            tail, head, args.prompt, source_a=sources[0].path.name, source_b=sources[1].path.name, **fields
        )
    return builders.text_to_video(args.prompt, **fields)


def _input_kind(args: argparse.Namespace) -> str:
    if args.image:
        return "image"
    if args.extend:
        return "extend"
    if args.extend_back:
        return "extend_back"
    if args.infill:
        return "infill"
    return "text"


def _mode_of(args: argparse.Namespace):
    from studio.core.model import Mode

    return {
        "text": Mode.TEXT, "image": Mode.IMAGE, "extend": Mode.EXTEND_FORWARD,
        "extend_back": Mode.EXTEND_BACKWARD, "infill": Mode.INFILL,
    }[_input_kind(args)]


def _sources(args: argparse.Namespace, inputs) -> list:
    if args.image:
        return [inputs.inspect(args.image, "image")]
    if args.extend or args.extend_back:
        return [inputs.inspect(args.extend or args.extend_back, "clip")]
    if args.infill:
        return [inputs.inspect(args.infill[0], "clip"), inputs.inspect(args.infill[1], "clip")]
    return []


def _new_frames(args: argparse.Namespace, fps: Fraction, pinned: int) -> int:
    if args.frames is not None:
        new = args.frames
    elif args.seconds is not None:
        if args.seconds <= 0:
            raise BadInput(f"--seconds must be more than 0, not {args.seconds}")
        new = round(args.seconds * fps)
    else:
        new = DEFAULT_WINDOW - pinned if pinned < DEFAULT_WINDOW else DEFAULT_WINDOW
    if new < 1:
        raise BadInput(f"the take needs at least 1 frame, not {new}; ask for more --frames or --seconds")
    return new


def _fit_rule(model: ModelInfo, size: tuple[int, int], window: int, pinned: int, round_: bool):
    """Check size and window length against the model; round them only when asked."""
    rule = model.rule
    size_ok = rule.size_ok(*size)
    frames_ok = rule.frames_ok(window)
    if size_ok and frames_ok:
        return size, window
    fixed_size = rule.round_size(*size)
    fixed_window = rule.round_frames(window)
    if fixed_window - pinned < 1:
        fixed_window += rule.temporal
    if not round_:
        problems = []
        if not size_ok:
            problems.append(f"{size[0]}x{size[1]} (try {fixed_size[0]}x{fixed_size[1]})")
        if not frames_ok:
            extra = f" with {pinned} pinned" if pinned else ""
            problems.append(
                f"a {window}-frame window{extra} (try --frames {fixed_window - pinned})"
            )
        raise BadInput(
            f"{model.id} takes {rule.describe()}, not {' or '.join(problems)}; "
            "or add --round to round it"
        )
    if fixed_size != size:
        _say(f"note: rounded the size {size[0]}x{size[1]} to {fixed_size[0]}x{fixed_size[1]} for {model.id}")
    if fixed_window != window:
        _say(f"note: rounded the length to {fixed_window - pinned} frames for {model.id} ({rule.describe()})")
    return fixed_size, fixed_window


# --- running ---------------------------------------------------------------------------------


def run_job(request: GenerationRequest, out: Path, latents: Path | None = None, *, client=None):
    """Run one request through the engine host with a progress bar; the TakeResult.

    With `client` (an open `EngineClient`, e.g. for several jobs in a row) the job runs on it
    and it stays open; events of other jobs on it are consumed. Otherwise a client is
    started for this job and closed after it.
    """
    from studio.engine.client import EngineClient

    if client is not None:
        return _follow(client, request, out, latents)
    with EngineClient() as own:
        return _follow(own, request, out, latents)


def _follow(client, request: GenerationRequest, out: Path, latents: Path | None):
    from tqdm import tqdm

    bar = None
    job = client.submit(request, out, latents_path=latents)
    try:
        for event in client.events():
            if getattr(event, "job_id", None) != job:
                continue
            if isinstance(event, JobStarted):
                bar = tqdm(total=request.steps, unit="step", desc="loading", file=sys.stderr, leave=False)
            elif isinstance(event, JobStep) and bar is not None:
                if bar.desc == "loading":
                    # Time the steps, not the model load, so the ETA means something.
                    bar.set_description("generating", refresh=False)
                    bar.reset(total=event.total)
                    bar.update(event.step)
                    continue
                bar.total = event.total
                bar.update(event.step - bar.n)
            elif isinstance(event, JobFinished):
                return event.result
            elif isinstance(event, JobFailed):
                error = BadInput if event.kind == "bad_input" else StudioError
                raise error(event.message)
            elif isinstance(event, JobCancelled):
                raise StudioError("the job was cancelled")
    except KeyboardInterrupt:
        _say("cancelling...")
        client.cancel(job)
        try:
            client.wait(job, timeout=30)
        except (TimeoutError, StudioError):
            log.warning("the engine did not confirm the cancel of job %s", job)
        raise
    finally:
        if bar is not None:
            bar.close()
    raise StudioError("the engine stopped before the job ended")


# --- small parsers and checks -------------------------------------------------------------------


def _check_outputs(args: argparse.Namespace) -> Path | None:
    if bool(args.project) != bool(args.shot):
        raise BadInput("--project and --shot go together: name the project and the shot for the take")
    if not args.out and not args.project:
        raise BadInput("say where to write the video with --out FILE (.mp4, .mov or .mkv)")
    if not args.out:
        return None
    out = Path(args.out).expanduser()
    if out.suffix.lower() not in VIDEO_SUFFIXES:
        raise BadInput(f"cannot write video to {out.name}; end the name in .mp4, .mov or .mkv")
    if out.is_dir():
        raise BadInput(f"{out} is a folder; give a file name ending in .mp4, .mov or .mkv")
    if not out.parent.is_dir():
        raise BadInput(f"the folder {out.parent} does not exist; create it first")
    return out.absolute()


def _scratch(project: str, suffix: str = ".mkv", folder: str = "media") -> Path:
    from studio.commands.generate_take import scratch_path

    return scratch_path(project, suffix, folder)


def _resolve_model(name: str) -> ModelInfo:
    from studio.engine.sources import resolve_model

    return resolve_model(name)


def _default_model() -> str:
    """The configured default model, else the bundled demo."""
    try:
        from studio.core import settings as settings_module

        value = getattr(settings_module.load_settings(), "default_model", "")
    except (ImportError, AttributeError, StudioError):
        value = ""
    return value or "demo"


def _size(text: str) -> tuple[int, int]:
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise BadInput(f"--size must look like 832x480 (width x height), not {text!r}") from None
    if width < 8 or height < 8:
        raise BadInput(f"--size must be at least 8x8, not {text}")
    return width, height


def _fps(text: str) -> Fraction:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _say(text: str) -> None:
    print(text, file=sys.stderr)
