"""The AAF timeline format (Avid Media Composer)."""

from __future__ import annotations

import os
from pathlib import Path

import aaf2
import opentimelineio as otio

from studio.core.atomic import temp_path
from studio.core.errors import StudioError
from studio.interchange.formats import TimelineFormat


def write_aaf(timeline: otio.schema.Timeline, out: Path, **_: object) -> list[Path]:
    copy = timeline.deepcopy()
    # The adapter names a clip after its master mob: a mob id per clip keeps clips of the
    # same file under their own names.
    for clip in copy.find_clips():
        clip.metadata["AAF"] = {"SourceID": str(aaf2.mobid.MobID.new())}
    # pyaaf2 writes in place and leaves a broken file on failure: write beside, then rename.
    tmp = temp_path(out).with_suffix(".aaf")
    try:
        otio.adapters.write_to_file(copy, str(tmp), adapter_name="AAF")
        os.replace(tmp, out)
    except OSError as exc:
        raise StudioError(f"Could not write {out} ({exc.strerror}); check the folder.") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return [out]


# AAF points at source files only, not at image sequences.
AAF = TimelineFormat("aaf", ".aaf", "AAF", "Avid Media Composer", write_aaf,
                     image_sequences=False)
