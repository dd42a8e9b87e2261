"""MkDocs hooks (thin glue): the nav comes from the generated pages; `mkdocs serve`
regenerates them (cached results, no new training) when a spec changes."""
from __future__ import annotations

import sys
from pathlib import Path

# MkDocs loads this file by path and restores sys.path afterwards, so the package is imported
# now, from the checkout this file belongs to when archlens is not installed.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)
from archlens.site import build as _site  # noqa: E402

_command = {"name": "build"}


def on_startup(command, dirty):
    _command["name"] = command


def on_config(config):
    docs = Path(config["docs_dir"])
    if _command["name"] == "serve":
        _site.generate_site(docs_dir=docs, train=False)
    config["nav"] = _site.read_nav(docs)
    return config
