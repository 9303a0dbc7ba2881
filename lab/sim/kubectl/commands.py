"""Imports every `cmd_*` module of this package so its subcommands register."""
from __future__ import annotations

import importlib
import pkgutil

from . import __path__ as _package_path

for _info in sorted(pkgutil.iter_modules(_package_path), key=lambda m: m.name):
    if _info.name.startswith("cmd_"):
        importlib.import_module(f"{__package__}.{_info.name}")
