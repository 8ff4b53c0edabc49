"""Small backend interfaces with a registry (images, speech, ...).

A backend declares what it needs (Python packages, an API key) and what it can
do; the registry finds it by name and says, in one line, what is missing:
which extra to install, which key to set.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tools.errors import ConfigError, MissingKeyError


class UnknownBackendError(ConfigError):
    """No backend of that kind has that name."""


class MissingPackageError(ConfigError):
    """A backend needs a package this install does not have."""


@dataclass(frozen=True)
class BackendInfo:
    name: str
    kind: str  # "images", "speech"
    packages: tuple[str, ...] = ()  # import names it needs
    extra: str | None = None  # pip extra that installs them: pip install -e ".[extra]"
    key_env: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)

    def check(self) -> None:
        """Raise a one-line error naming what is missing."""
        missing = [p for p in self.packages if importlib.util.find_spec(p) is None]
        if missing:
            how = f'pip install -e ".[{self.extra}]"' if self.extra else f"pip install {' '.join(missing)}"
            raise MissingPackageError(f"the {self.kind} backend '{self.name}' needs {', '.join(missing)}: {how}")
        if self.key_env and not os.environ.get(self.key_env):
            raise MissingKeyError(f"the {self.kind} backend '{self.name}' needs a key: set {self.key_env}")


B = TypeVar("B")


class Registry(Generic[B]):
    """Backends of one kind, by name. Factories are called lazily so optional packages stay optional."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, tuple[BackendInfo, callable]] = {}

    def register(self, info: BackendInfo, factory) -> None:
        self._entries[info.name] = (info, factory)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def info(self, name: str) -> BackendInfo:
        if name not in self._entries:
            raise UnknownBackendError(f"unknown {self.kind} backend '{name}'; known: {', '.join(self.names())}")
        return self._entries[name][0]

    def create(self, name: str, **options) -> B:
        info = self.info(name)
        info.check()
        return self._entries[name][1](**options)
