"""`studio verify FILE`: read and check a file's C2PA manifest (Content Credentials).

Prints who signed it, what the manifest says happened (actions, digital source type), what it
was made from (ingredients) and whether it checks out. Exit 0: valid; 1: the manifest does
not check out (for example the media was changed after signing); 2: no manifest at all.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="an MP4, MOV, PNG or JPEG file")
    parser.add_argument(
        "--recipe",
        action="store_true",
        help="also print the generation recipe the manifest carries",
    )


def run(args: argparse.Namespace) -> int:
    from studio.interchange.c2pa_verify import verify_file

    path = Path(args.file).expanduser()
    report = verify_file(path)
    if report is None:
        print(f"{path.name}: no C2PA manifest (no Content Credentials)")
        return 2
    if report.trusted:
        status = "valid (signed by this studio installation)"
    elif report.valid:
        status = "valid (signer not in this installation's trust list)"
    else:
        status = "INVALID"
    print(f"file:            {path}")
    print(f"signer:          {report.signer or '-'} (issuer {report.issuer or '-'})")
    if report.signed_at:
        print(f"signed at:       {report.signed_at}")
    print(f"claim generator: {report.claim_generator or '-'}")
    print(f"actions:         {', '.join(report.actions) or '-'}")
    print(f"source type:     {', '.join(report.source_types) or '-'}")
    print(f"ingredients:     {', '.join(report.ingredients) or '-'}")
    print(f"validation:      {status}")
    for code, explanation in report.failures:
        print(f"  failed: {code}: {explanation}")
    if args.recipe and report.recipe is not None:
        print("recipe:")
        print(json.dumps(report.recipe, indent=2, sort_keys=True))
    return 0 if report.valid else 1
