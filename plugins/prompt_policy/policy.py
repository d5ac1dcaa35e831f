"""The prompt policy filter: rules from an editable TOML file, each naming what it refuses."""

from __future__ import annotations

import logging
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from studio.core import paths
from studio.core.prompt_filters import Verdict

log = logging.getLogger(__name__)

DEFAULT_POLICY = Path(__file__).with_name("default_policy.toml")
USER_POLICY_NAME = "prompt_policy.toml"


@dataclass(frozen=True)
class Rule:
    name: str
    message: str
    pattern: re.Pattern[str]


def user_policy_path() -> Path:
    """The policy file the artist edits; made from the default on first use."""
    path = paths.config_dir() / USER_POLICY_NAME
    if not path.exists():
        shutil.copyfile(DEFAULT_POLICY, path)
    return path


def load_rules(path: Path) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the prompt policy {path} cannot be read: {exc}") from None
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        name = str(raw.get("name") or f"rule {i + 1}")
        words = [str(p) for p in raw.get("patterns", [])]
        if not words:
            continue
        try:
            pattern = re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"the prompt policy {path}: rule {name!r} has a bad pattern "
                             f"({exc})") from None
        rules.append(Rule(name, str(raw.get("message") or f"{name} is not allowed"), pattern))
    return rules


class PolicyFilter:
    """Refuses a prompt that matches any rule; the message names the rule and the words."""

    def __init__(self, policy_path: Path | None = None) -> None:
        self.path = policy_path or user_policy_path()
        self._stamp: tuple[int, int] | None = None
        self.rules: list[Rule] = []
        self._reload_if_edited()

    def _reload_if_edited(self) -> None:
        """The artist may edit the file while the studio runs; pick the edit up."""
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self.rules, self._stamp = load_rules(self.path), stamp
            log.info("prompt policy: %d rules from %s", len(self.rules), self.path)

    def check(self, prompt: str, negative_prompt: str = "") -> Verdict:
        self._reload_if_edited()
        # Only the positive prompt asks for content; the negative one steers away from it.
        for rule in self.rules:
            match = rule.pattern.search(prompt)
            if match:
                return Verdict(False, rule.name,
                               f"the prompt was refused by the policy rule {rule.name!r}: "
                               f"{rule.message} (matched {match.group(0)!r}; the rules are in "
                               f"{self.path})")
        return Verdict(True)
