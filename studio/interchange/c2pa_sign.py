"""Embedding a signed C2PA manifest in a generated take or a rendered file.

A generated take says `c2pa.created` with the IPTC digital source type
`trainedAlgorithmicMedia` and carries its recipe in a `org.studio.recipe` assertion. A render
or a transcode of takes is itself new media built from generated media: the C2PA rules make
the first action `c2pa.created` (or `opened`), so it says `c2pa.created` with the source type
`compositeWithTrainedAlgorithmicMedia`, then `c2pa.edited`, with every take as a
`componentOf` ingredient (read by the SDK where it can, so a signed take's own manifest goes
along; by name otherwise). The claim generator is the studio, the signer this installation's
identity (`c2pa_identity.py`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import c2pa

from studio import __version__
from studio.core.atomic import temp_path
from studio.core.codec import encode
from studio.core.errors import BadInput, StudioError
from studio.core.model import Recipe
from studio.interchange.c2pa_identity import load_or_create_identity

log = logging.getLogger(__name__)

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC + "trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED = IPTC + "compositeWithTrainedAlgorithmicMedia"
RECIPE_LABEL = "org.studio.recipe"
CLAIM_GENERATOR = "Studio"

MIME_BY_SUFFIX = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}

Kind = Literal["generated", "rendered"]


def mime_type(path: Path) -> str | None:
    return MIME_BY_SUFFIX.get(Path(path).suffix.lower())


def can_sign(path: Path) -> bool:
    """Whether a file of this kind can carry an embedded C2PA manifest."""
    return mime_type(path) is not None


def _recipe_data(recipe: Recipe | dict[str, Any] | None) -> dict[str, Any] | None:
    if recipe is None:
        return None
    if isinstance(recipe, Recipe):
        return encode(recipe, Recipe)
    return dict(recipe)


def _manifest(path: Path, kind: Kind, recipe: dict[str, Any] | None) -> dict[str, Any]:
    agent = {"name": CLAIM_GENERATOR, "version": __version__}
    if kind == "generated":
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                "softwareAgent": agent,
            }
        ]
    else:
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": COMPOSITE_WITH_TRAINED,
                "softwareAgent": agent,
            },
            {
                "action": "c2pa.edited",
                "softwareAgent": agent,
                "description": "cut from generated takes on the studio timeline",
            },
        ]
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions.v2", "data": {"actions": actions}}]
    if recipe is not None:
        assertions.append({"label": RECIPE_LABEL, "data": recipe})
    return {
        "claim_generator_info": [agent],
        "title": path.name,
        "format": mime_type(path),
        "assertions": assertions,
    }


def _readable(ingredient: Path) -> bool:
    """Whether the SDK can read the ingredient itself (and so record its own manifest)."""
    return mime_type(ingredient) is not None and ingredient.is_file()


def _by_name(ingredient: Path) -> dict[str, Any]:
    """An ingredient the SDK cannot read (a Matroska take, say), recorded by its name."""
    return {"title": ingredient.name, "relationship": "componentOf"}


def sign_file(
    path: str | os.PathLike[str],
    *,
    kind: Kind = "generated",
    recipe: Recipe | dict[str, Any] | None = None,
    ingredients: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Sign `path` in place with this installation's identity; returns the path.

    kind "generated": a take the engine made (pass its recipe). kind "rendered": a render or
    transcode, with the source files as `ingredients`. Raises BadInput for a file type that
    cannot carry a manifest (see `can_sign`), StudioError when signing fails.
    """
    path = Path(path)
    if kind not in ("generated", "rendered"):
        raise ValueError(f"kind must be 'generated' or 'rendered', not {kind!r}")
    mime = mime_type(path)
    if mime is None:
        raise BadInput(
            f"{path.name} is not a file type that can carry a C2PA manifest (MP4, MOV, PNG, JPEG)."
        )
    identity = load_or_create_identity()
    manifest = _manifest(path, kind, _recipe_data(recipe))
    sources = [Path(i) for i in ingredients]
    named = [_by_name(i) for i in sources if not _readable(i)]
    if named:
        manifest["ingredients"] = named
    tmp = temp_path(path).with_suffix(path.suffix)
    try:
        info = c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256, identity.chain_pem, identity.key_pem, None
        )
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
            for ingredient in filter(_readable, sources):
                with open(ingredient, "rb") as f:
                    spec = {"title": ingredient.name, "relationship": "componentOf"}
                    builder.add_ingredient(spec, mime_type(ingredient), f)
            with open(path, "rb") as source, open(tmp, "w+b") as dest:
                builder.sign(signer, mime, source, dest)
        os.replace(tmp, path)
    except c2pa.C2paError as exc:
        raise StudioError(f"Could not sign {path.name} with a C2PA manifest ({exc}).") from None
    finally:
        tmp.unlink(missing_ok=True)
    log.info("signed %s (%s)", path, kind)
    return path
