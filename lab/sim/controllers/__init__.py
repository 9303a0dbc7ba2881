"""The cluster's control loops, one module each.

Every module here that defines `CONTROLLERS` (a list of Controller
subclasses) is picked up by `build_controllers`, so each controller lives in
its own file and the World needs no list to keep in step.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from .manager import Controller, ControllerManager


def controller_classes() -> list[type[Controller]]:
    """Every controller class, ordered by its `order` (then module name)."""
    found: list[tuple[int, str, type[Controller]]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in ("manager",):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cls in getattr(module, "CONTROLLERS", ()):
            found.append((getattr(cls, "order", 100), info.name, cls))
    return [cls for _, _, cls in sorted(found, key=lambda t: (t[0], t[1]))]


def build_controllers(world: Any) -> ControllerManager:
    return ControllerManager(world, [cls(world) for cls in controller_classes()])


__all__ = ["Controller", "ControllerManager", "build_controllers", "controller_classes"]
