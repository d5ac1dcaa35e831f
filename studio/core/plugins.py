"""Finding plugins and loading what they contribute, only when it is used.

A plugin is a Python package with a `studio-plugin.toml` manifest beside its `__init__.py`:

    name = "prompt_policy"
    version = "1.0.0"
    description = "Refuses prompts the studio's policy does not allow"
    [contributes]
    prompt_filters = ["prompt_policy.policy:PolicyFilter"]

Contributions are `module:attr` references of these kinds: `backends` (model families for the
engine), `exporters` (export formats), `prompt_filters`, and `panels` (dock panels, GUI only).
Plugins come from, in order: the bundled `plugins/` folder, the user's plugin folder, and
installed distributions exposing the `studio.plugins` entry-point group (the entry point's
value names the plugin's package). Reading a manifest imports nothing; a contribution is
imported the first time something asks for it. A plugin that is broken is logged, marked
failed with the reason, and skipped: it never stops the studio.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core import paths, resources

log = logging.getLogger(__name__)

MANIFEST = "studio-plugin.toml"
ENTRY_POINT_GROUP = "studio.plugins"
KINDS = ("backends", "exporters", "prompt_filters", "panels")
_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


@dataclass
class Plugin:
    name: str
    version: str = ""
    description: str = ""
    source: str = ""  # "bundled", "user" or "entry point"
    location: str = ""  # the folder that holds its package
    contributions: dict[str, list[str]] = field(default_factory=dict)
    status: str = "found"  # found -> loaded, or failed / disabled
    error: str = ""

    def fail(self, reason: str) -> None:
        if self.status != "failed":
            log.warning("plugin %s failed: %s", self.name, reason)
        self.status, self.error = "failed", reason

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in
                ("name", "version", "description", "source", "location", "contributions",
                 "status", "error")}


@dataclass(frozen=True)
class Contribution:
    plugin: Plugin
    kind: str
    ref: str


def read_manifest(package_dir: Path, source: str) -> Plugin:
    """Read and check a manifest; a broken one gives a failed Plugin, never an exception."""
    plugin = Plugin(name=package_dir.name, source=source, location=str(package_dir.parent))
    try:
        data = tomllib.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        plugin.fail(f"its {MANIFEST} cannot be read ({exc})")
        return plugin
    plugin.name = str(data.get("name") or package_dir.name)
    plugin.version = str(data.get("version", ""))
    plugin.description = str(data.get("description", ""))
    contributes = data.get("contributes", {})
    if not isinstance(contributes, dict):
        plugin.fail("[contributes] must be a table of lists")
        return plugin
    for kind, refs in contributes.items():
        if kind not in KINDS:
            plugin.fail(f"it contributes {kind!r}, which is not one of {', '.join(KINDS)}")
            return plugin
        if not isinstance(refs, list) or not all(isinstance(r, str) and _REF.match(r)
                                                  for r in refs):
            plugin.fail(f"{kind} must be a list of 'module:attr' references")
            return plugin
        plugin.contributions[kind] = list(refs)
    return plugin


def _folder_plugins(folder: Path, source: str) -> list[Plugin]:
    if not folder.is_dir():
        return []
    return [read_manifest(d, source) for d in sorted(folder.iterdir())
            if (d / MANIFEST).is_file()]


def _entry_point_plugins() -> list[Plugin]:
    found = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = importlib.util.find_spec(ep.value.split(":")[0])  # finds, does not import
        except (ImportError, ValueError) as exc:
            spec, error = None, str(exc)
        else:
            error = "its package cannot be found"
        locations = list(spec.submodule_search_locations or []) if spec else []
        if not locations or not (Path(locations[0]) / MANIFEST).is_file():
            broken = Plugin(name=ep.name, source="entry point")
            broken.fail(error if not locations else f"its package has no {MANIFEST}")
            found.append(broken)
            continue
        found.append(read_manifest(Path(locations[0]), "entry point"))
    return found


class PluginRegistry:
    """Every plugin found, and lazy access to what they contribute."""

    def __init__(self, plugins: list[Plugin]) -> None:
        self.plugins = plugins
        self._loaded: dict[str, Any] = {}
        self._instances: dict[str, Any] = {}

    @classmethod
    def discover(cls, disabled: set[str] | frozenset[str] = frozenset(),
                 extra_folders: tuple[Path, ...] = ()) -> PluginRegistry:
        found = (_folder_plugins(resources.bundled_plugins_dir(), "bundled")
                 + _folder_plugins(paths.plugins_dir(), "user")
                 + [p for f in extra_folders for p in _folder_plugins(f, "user")]
                 + _entry_point_plugins())
        seen: set[str] = set()
        for plugin in found:
            if plugin.name in seen and plugin.status != "failed":
                plugin.fail("a plugin of the same name was found earlier; this one is ignored")
            seen.add(plugin.name)
            if plugin.name in disabled and plugin.status != "failed":
                plugin.status = "disabled"
        log.info("plugins: %s", ", ".join(f"{p.name} ({p.status})" for p in found) or "none")
        return cls(found)

    def get(self, name: str) -> Plugin:
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        raise KeyError(f"no plugin named {name!r}")

    def contributions(self, kind: str) -> list[Contribution]:
        """What usable plugins offer of one kind, in discovery order. Imports nothing."""
        if kind not in KINDS:
            raise ValueError(f"{kind!r} is not a kind of contribution")
        return [Contribution(p, kind, ref) for p in self.plugins
                if p.status in ("found", "loaded") for ref in p.contributions.get(kind, [])]

    def load(self, contribution: Contribution) -> Any | None:
        """Import a contribution; on failure the plugin is marked failed and None returned."""
        if contribution.ref in self._loaded:
            return self._loaded[contribution.ref]
        plugin = contribution.plugin
        if plugin.status not in ("found", "loaded"):
            return None
        module_name, attr = contribution.ref.split(":")
        if plugin.location and plugin.location not in sys.path:
            sys.path.append(plugin.location)
        try:
            obj: Any = importlib.import_module(module_name)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except Exception as exc:  # noqa: BLE001 - a plugin's own bug must not stop the studio
            plugin.fail(f"{contribution.ref} could not be loaded: "
                        f"{type(exc).__name__}: {exc}")
            return None
        plugin.status = "loaded"
        self._loaded[contribution.ref] = obj
        return obj

    def load_all(self, kind: str) -> list[Any]:
        return [obj for c in self.contributions(kind) if (obj := self.load(c)) is not None]

    def instances(self, kind: str) -> list[Any]:
        """Contributions that are classes, each made once (no arguments) per registry."""
        out = []
        for contribution in self.contributions(kind):
            if contribution.ref not in self._instances:
                cls = self.load(contribution)
                if cls is None:
                    continue
                try:
                    self._instances[contribution.ref] = cls()
                except Exception as exc:  # noqa: BLE001 - as with imports: report, skip, carry on
                    contribution.plugin.fail(f"{contribution.ref} could not start: "
                                             f"{type(exc).__name__}: {exc}")
                    continue
            out.append(self._instances[contribution.ref])
        return out

    def check(self) -> None:
        """Load every contribution of every enabled plugin (for `studio plugins`)."""
        for kind in KINDS:
            for contribution in self.contributions(kind):
                self.load(contribution)
