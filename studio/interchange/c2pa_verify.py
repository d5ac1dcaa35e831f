"""Reading and validating a file's C2PA manifest, for `studio verify` and the tests.

The SDK checks the signature, the certificate and the hash of the media bytes. This
installation's CA is given to it as a trust anchor, so files this studio signed read as
"Trusted"; a file signed elsewhere with a valid signature reads as "Valid" (untrusted
signer); any broken hash or signature reads as "Invalid".
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa

from studio.core.errors import BadInput
from studio.interchange.c2pa_identity import identity_path, load_or_create_identity
from studio.interchange.c2pa_sign import RECIPE_LABEL

log = logging.getLogger(__name__)

UNTRUSTED = "signingCredential.untrusted"


@dataclass
class Verification:
    path: Path
    state: str  # "Trusted", "Valid" or "Invalid"
    signer: str = ""
    issuer: str = ""
    signed_at: str = ""
    claim_generator: str = ""
    actions: list[str] = field(default_factory=list)
    source_types: list[str] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (code, explanation)
    recipe: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return self.state in ("Trusted", "Valid")

    @property
    def trusted(self) -> bool:
        return self.state == "Trusted"


def _context() -> c2pa.Context | None:
    """A reader context trusting this installation's CA, when it has one."""
    if not identity_path().exists():
        return None
    try:
        anchors = load_or_create_identity().ca_pem.decode()
    except Exception:  # a damaged identity must not stop verifying other people's files
        log.warning("could not load this installation's CA; verifying without it", exc_info=True)
        return None
    return c2pa.Context.from_dict({"trust": {"user_anchors": anchors}})


def verify_file(path: str | Path) -> Verification | None:
    """The manifest of `path` checked; None when the file carries no C2PA manifest."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path} is not a file; give the path of a video or image to verify.")
    context = _context()
    try:
        reader = (
            c2pa.Reader.try_create(str(path), None, None, context)
            if context
            else c2pa.Reader.try_create(str(path))
        )
    except c2pa.C2paError as exc:
        # The SDK refuses to read some broken manifests at all; that is a failed check too.
        return Verification(path, "Invalid", failures=[("manifest.unreadable", str(exc))])
    if reader is None:
        return None
    with reader:
        store = json.loads(reader.json())
    return _summary(path, store)


def _summary(path: Path, store: dict[str, Any]) -> Verification:
    active_label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(active_label, {})
    result = Verification(path, store.get("validation_state") or "Invalid")
    info = manifest.get("signature_info", {})
    result.signer = str(info.get("common_name") or "")
    result.issuer = str(info.get("issuer") or "")
    result.signed_at = str(info.get("time") or "")
    generators = manifest.get("claim_generator_info") or []
    result.claim_generator = ", ".join(
        f"{g.get('name', '')} {g.get('version', '')}".strip()
        for g in generators
        if isinstance(g, dict)
    )
    for assertion in manifest.get("assertions", []):
        label = assertion.get("label", "")
        if label.startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                result.actions.append(str(action.get("action", "")))
                if action.get("digitalSourceType"):
                    result.source_types.append(str(action["digitalSourceType"]))
        elif label == RECIPE_LABEL:
            result.recipe = assertion.get("data")
    result.ingredients = [str(i.get("title", "")) for i in manifest.get("ingredients", [])]
    results = store.get("validation_results", {}).get("activeManifest", {})
    for failure in results.get("failure", []):
        code = str(failure.get("code", ""))
        if code != UNTRUSTED:
            result.failures.append((code, str(failure.get("explanation", ""))))
    for status in store.get("validation_status", []) or []:
        code = str(status.get("code", ""))
        if code != UNTRUSTED and (code, str(status.get("explanation", ""))) not in result.failures:
            result.failures.append((code, str(status.get("explanation", ""))))
    return result
