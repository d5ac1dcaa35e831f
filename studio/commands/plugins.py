"""`studio plugins`: every plugin found, where from, what it contributes, and its state."""

from __future__ import annotations

import argparse
import json

from studio.core.plugins import PluginRegistry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the list as JSON")


def run(args: argparse.Namespace) -> int:
    from studio.core.settings import load_settings

    registry = PluginRegistry.discover(disabled=set(load_settings().disabled_plugins))
    registry.check()  # import every contribution, so a broken one shows as failed here
    if args.json:
        print(json.dumps([p.as_dict() for p in registry.plugins], indent=2))
        return 0
    if not registry.plugins:
        print("no plugins found")
    for p in registry.plugins:
        print(f"{p.name} {p.version}  [{p.status}]  ({p.source}: {p.location})")
        for kind, refs in p.contributions.items():
            print(f"    {kind}: {', '.join(refs)}")
        if p.error:
            print(f"    reason: {p.error}")
    return 0
