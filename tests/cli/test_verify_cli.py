"""`studio verify`: exit 0 for a valid manifest, 1 for a broken one, 2 for none."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli import main
from studio.interchange.c2pa_sign import sign_file

sys.path.insert(0, str(Path(__file__).parents[1] / "interchange"))
from interchange_project import write_media


def test_verify_reports_and_exits_by_state(tmp_path: Path, capsys) -> None:
    take = tmp_path / "take.mov"
    write_media(take, 1, 4, 24)
    assert main(["verify", str(take)]) == 2
    assert "no C2PA manifest" in capsys.readouterr().out

    sign_file(take, kind="generated", recipe={"prompt": "fog over a harbour", "seed": 3})
    assert main(["verify", str(take), "--recipe"]) == 0
    out = capsys.readouterr().out
    assert "c2pa.created" in out and "trainedAlgorithmicMedia" in out
    assert "signer:          Studio" in out and "validation:      valid" in out
    assert "fog over a harbour" in out

    data = bytearray(take.read_bytes())
    data[data.rfind(b"mdat") + 40] ^= 0x01  # one flipped bit in the pictures
    take.write_bytes(bytes(data))
    assert main(["verify", str(take)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "failed:" in out and "hash" in out.lower()


def test_verify_a_missing_file_is_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["verify", str(tmp_path / "nothing.mp4")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
