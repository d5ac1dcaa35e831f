"""C2PA provenance: generated takes and renders carry a valid manifest; tampering shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from interchange_project import write_media

from studio.core.errors import BadInput
from studio.core.model import Recipe
from studio.interchange.c2pa_identity import (
    DOCUMENT_SIGNING,
    identity_path,
    load_or_create_identity,
)
from studio.interchange.c2pa_sign import (
    COMPOSITE_WITH_TRAINED,
    TRAINED_ALGORITHMIC_MEDIA,
    sign_file,
)
from studio.interchange.c2pa_verify import verify_file
from studio.interchange.export import export_render


def flip_media_byte(path: Path) -> None:
    """Change one byte of picture data (inside the mdat box), as a careless edit would."""
    data = bytearray(path.read_bytes())
    at = data.rfind(b"mdat") + 64
    data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def test_generated_take_says_it_is_generated(tmp_path: Path) -> None:
    take = tmp_path / "take.mov"
    write_media(take, 0, 4, 24)
    assert verify_file(take) is None
    recipe = Recipe(model="demo", prompt="a lighthouse", seed=11)
    sign_file(take, kind="generated", recipe=recipe)
    report = verify_file(take)
    assert report is not None and report.valid and report.trusted
    assert report.actions == ["c2pa.created"]
    assert report.source_types == [TRAINED_ALGORITHMIC_MEDIA]
    assert report.claim_generator.startswith("Studio")
    assert report.signer.startswith("Studio")
    assert report.recipe["prompt"] == "a lighthouse" and report.recipe["seed"] == 11


def test_render_is_signed_as_an_edit_of_its_takes(built, tmp_path: Path) -> None:
    out = tmp_path / "cut.mp4"
    export_render(built.project, built.bundle, out, "h264")
    report = verify_file(out)
    assert report is not None and report.valid and not report.failures
    assert report.actions == ["c2pa.created", "c2pa.edited"]
    assert report.source_types == [COMPOSITE_WITH_TRAINED]
    assert sorted(report.ingredients) == ["chase.mov", "opening.mov", "street.mov"]


def test_a_flipped_byte_fails_the_hash(built, tmp_path: Path) -> None:
    out = tmp_path / "cut.mov"
    export_render(built.project, built.bundle, out)
    flip_media_byte(out)
    report = verify_file(out)
    assert report is not None and not report.valid
    assert any("hash" in code.lower() for code, _ in report.failures)


def test_identity_is_made_once_with_what_c2pa_requires() -> None:
    first = load_or_create_identity()
    assert identity_path().stat().st_mode & 0o077 == 0  # the key is the owner's alone
    assert load_or_create_identity() == first
    cert = first.certificate
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).critical
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in usages and ExtendedKeyUsageOID.EMAIL_PROTECTION in usages
    assert cert.issuer != cert.subject  # C2PA refuses self-signed signing certificates


def test_files_that_cannot_carry_a_manifest_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "take.mkv"
    other.write_bytes(b"not really")
    with pytest.raises(BadInput, match="C2PA"):
        sign_file(other)


def test_an_ingredient_the_sdk_cannot_read_is_kept_by_name(tmp_path: Path) -> None:
    render = tmp_path / "cut.mov"
    write_media(render, 2, 3, 25)
    other = tmp_path / "take.mkv"
    other.write_bytes(b"matroska bytes")
    sign_file(render, kind="rendered", ingredients=[other])
    report = verify_file(render)
    assert report.valid and report.ingredients == ["take.mkv"]
