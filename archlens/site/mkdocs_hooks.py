"""MkDocs hooks (thin glue): the nav comes from the generated pages; `mkdocs serve`
regenerates them (cached results, no new training) when a spec changes."""
from __future__ import annotations

import sys
from pathlib import Path

# MkDocs loads this file by path; make the package it belongs to importable even where
# archlens is not installed (a plain checkout, a build from another folder).
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.append(_REPO)

_command = {"name": "build"}


def on_startup(command, dirty):
    _command["name"] = command


def on_config(config):
    from archlens.site.build import generate_site, read_nav
    docs = Path(config["docs_dir"])
    if _command["name"] == "serve":
        generate_site(docs_dir=docs, train=False)
    config["nav"] = read_nav(docs)
    return config
