"""`studio models`: list the models the studio can use; `studio models pull REPO_ID` downloads one.

Listing reads JSON files only (no torch, no weights). Pulling goes through huggingface_hub
into its cache, where the studio finds it offline afterwards by its repo id; only safetensors
weights and the files a diffusers folder needs are fetched, never pickle checkpoints.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from studio.core.errors import BadInput, StudioError

log = logging.getLogger(__name__)

# Pickle checkpoints are refused at load time anyway; other frameworks' weights are unused.
IGNORE_PATTERNS = [
    "*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl", "*.pickle", "*.msgpack", "*.h5", "*.onnx",
    "*.onnx_data", "*.tflite", "*.gguf",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    sub = parser.add_subparsers(dest="action", metavar="[pull REPO_ID]")
    pull = sub.add_parser(
        "pull", help="download a diffusers model from the Hugging Face Hub into the local cache"
    )
    pull.add_argument("repo_id", metavar="REPO_ID", help="e.g. Wan-AI/Wan2.1-T2V-1.3B-Diffusers")
    pull.add_argument("--revision", default=None, help="a branch, tag or commit (default: main)")


def run(args: argparse.Namespace) -> int:
    if args.action == "pull":
        return pull(args.repo_id, args.revision)
    return list_command(as_json=args.json)


# --- listing -----------------------------------------------------------------------------------


def model_rows() -> list[dict]:
    """Each model the studio can see, as plain data (what `--json` prints)."""
    from studio.engine.sources import list_models

    rows = []
    for listing in list_models():
        info = listing.info
        rows.append(
            {
                "id": listing.id,
                "family": info.family.label if info else "",
                "size_bytes": info.size_on_disk() if info else _folder_size(listing.path),
                "modes": info.mode_names() if info else [],
                "source": listing.source,
                "path": str(listing.path),
                "usable": info is not None,
                "problem": listing.problem,
            }
        )
    return rows


def list_command(as_json: bool) -> int:
    rows = model_rows()
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        from studio.engine.sources import models_folder

        print(
            f"no models found; put diffusers model folders in {models_folder()} "
            "or run `studio models pull REPO_ID`"
        )
        return 0
    headers = ("ID", "FAMILY", "SIZE", "MODES", "SOURCE")
    table = [
        (
            row["id"],
            row["family"] or "(unusable)",
            human_size(row["size_bytes"]),
            ", ".join(row["modes"]) if row["usable"] else row["problem"],
            row["source"],
        )
        for row in rows
    ]
    widths = [max(len(str(r[i])) for r in [headers, *table]) for i in range(len(headers) - 1)]
    for line in [headers, *table]:
        cells = [str(cell).ljust(width) for cell, width in zip(line, widths)]
        print("  ".join([*cells, str(line[-1])]))
    return 0


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def _folder_size(path: Path) -> int:
    total = 0
    for file in path.rglob("*"):
        try:
            total += file.stat().st_size if file.is_file() else 0
        except OSError:
            continue
    return total


# --- pulling -----------------------------------------------------------------------------------


def pull(repo_id: str, revision: str | None = None) -> int:
    """Download REPO_ID into the Hugging Face cache, with a progress bar; prints where."""
    from huggingface_hub import HfApi, constants, snapshot_download
    from huggingface_hub import errors as hf_errors
    from huggingface_hub.utils import logging as hf_logging

    from studio.engine.families import inspect_model

    if repo_id.count("/") != 1 or any(not part for part in repo_id.split("/")):
        raise BadInput(f"{repo_id!r} is not a Hugging Face repo id; write it as OWNER/NAME")
    # The hub logs each retry on stderr; the one line a user needs comes from us.
    hf_logging.set_verbosity_error()
    network_errors = (hf_errors.HTTPError, OSError, ConnectionError, TimeoutError)
    endpoint = constants.ENDPOINT
    try:
        info = HfApi().model_info(repo_id, revision=revision)
    except hf_errors.OfflineModeIsEnabled:
        raise StudioError(
            f"downloads are switched off (HF_HUB_OFFLINE is set); unset it to download {repo_id}"
        ) from None
    except hf_errors.GatedRepoError:
        raise BadInput(
            f"{repo_id} is gated; accept its licence on the Hub and log in with `hf auth login`"
        ) from None
    except hf_errors.RepositoryNotFoundError:
        raise BadInput(f"there is no model {repo_id} on the Hugging Face Hub; check the name") from None
    except hf_errors.RevisionNotFoundError:
        raise BadInput(f"{repo_id} has no revision {revision!r}") from None
    except network_errors as exc:
        log.info("model_info(%s) failed: %r", repo_id, exc)
        raise StudioError(
            f"cannot reach {endpoint} to download {repo_id}; check the network connection and try again"
        ) from None
    files = {s.rfilename for s in (info.siblings or [])}
    if "model_index.json" not in files:
        raise BadInput(f"{repo_id} is not a diffusers model (it has no model_index.json)")
    if not any(name.endswith(".safetensors") for name in files):
        raise BadInput(
            f"{repo_id} has no safetensors weights, and the studio does not load pickle checkpoints"
        )
    print(f"downloading {repo_id} into the Hugging Face cache ({constants.HF_HUB_CACHE})", file=sys.stderr)
    try:
        folder = snapshot_download(
            repo_id, revision=info.sha or revision, ignore_patterns=IGNORE_PATTERNS
        )
    except network_errors as exc:
        log.info("snapshot_download(%s) failed: %r", repo_id, exc)
        raise StudioError(
            f"the download of {repo_id} stopped ({type(exc).__name__}); run the same command "
            "again to resume it"
        ) from None
    try:
        model = inspect_model(Path(folder), repo_id, "hugging face cache")
    except BadInput as exc:
        raise StudioError(f"{repo_id} was downloaded but cannot be used: {exc}") from None
    print(f"{repo_id}: {model.family.label}, {', '.join(model.mode_names())}")
    print(f"use it with: studio generate PROMPT --model {repo_id} --out FILE")
    return 0
