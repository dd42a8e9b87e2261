"""A run folder: which files a run writes there, and what ``--force`` may remove.

Every run folder gets a marker, ``archlens-run.json``, listing the files a run writes into it
(and, under k-fold, its ``fold-<k>`` folders). ``--force`` removes only those files and the
temporary files of an interrupted write, never the folder itself; a folder that holds anything
else is refused, so a user's photos or notes beside an old run are never deleted. A folder
that is not a run and is not empty is never written into.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from archlens.errors import TrainError
from archlens.files import make_folder

MARKER = "archlens-run.json"
CHECKPOINT = "checkpoint.pt"
OUTPUTS = (CHECKPOINT, "config.json", "metrics.json", "metrics.csv", "curves.svg",
           "curves.png")
EVIDENCE = (CHECKPOINT, "metrics.json", "config.json")   # any of these: a previous run
_FOLD = re.compile(r"fold-[1-9][0-9]*")
_SHOWN = 4   # foreign names quoted in a refusal


def _temporary(name: str, outputs=OUTPUTS) -> bool:
    """A temporary file left by an interrupted atomic write of one of ``outputs``."""
    return any(name == f"{o}.tmp" or (name.startswith(f".{o}.") and name.endswith(".tmp"))
               for o in outputs)


def _owned(entry: Path) -> bool:
    if entry.is_symlink():
        return False
    if entry.is_file():
        return entry.name in OUTPUTS or entry.name == MARKER or _temporary(entry.name)
    return entry.is_dir() and bool(_FOLD.fullmatch(entry.name)) and not foreign(entry)


def foreign(folder: Path) -> list[str]:
    """Names in ``folder`` that no run wrote (fold folders are looked into)."""
    return sorted(e.name for e in folder.iterdir() if not _owned(e))


def _made_by_archlens(folder: Path) -> bool:
    """A marker, or (a run from before markers) a config or metrics file with a run header."""
    if (folder / MARKER).is_file():
        return True
    for name in ("config.json", "metrics.json"):
        try:
            doc = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and "spec" in doc:
            return True
    return False


def _with_folds(folder: Path) -> list[Path]:
    """The folder and its fold folders: k-fold writes each fold's results in ``fold-<k>/`` and
    the top folder's only when every fold is done."""
    return [folder, *sorted(e for e in folder.iterdir() if e.is_dir() and _FOLD.fullmatch(e.name))]


def is_run(folder: Path) -> bool:
    """A folder a run has written results into (or one of its folds has). A marker alone is a
    run that failed before writing anything (bad data, say): the folder is reused as if new."""
    return folder.is_dir() and any((f / name).exists() for f in _with_folds(folder)
                                   for name in EVIDENCE)


def _cut_off_checkpoint(folder: Path) -> Path | None:
    """The temporary file of a checkpoint write killed before its rename, where no checkpoint
    was ever completed (the writer renames over ``checkpoint.pt`` only when the file is whole)."""
    if (folder / CHECKPOINT).exists():
        return None
    return next((e for e in sorted(folder.iterdir()) if _temporary(e.name, (CHECKPOINT,))), None)


def _refuse_cut_off_checkpoint(out: Path) -> None:
    """--resume where the only checkpoint is a cut-off write: resuming would start from epoch 1
    without a word, so say what is there and the two ways on."""
    for folder in _with_folds(out):
        leftover = _cut_off_checkpoint(folder)
        if leftover is not None:
            raise TrainError(f"{leftover}: --resume: the run was killed while writing its first "
                             f"checkpoint (only this temporary file is left, no {CHECKPOINT}), so "
                             f"there is nothing to resume; delete the file and rerun with --resume "
                             f"to train from epoch 1, or pass --force to replace the run")


def _names(names: list[str]) -> str:
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def prepare(out: Path, resume: bool, force: bool, folds: int | None = None) -> None:
    """Refuse to mix a new run into an old one unless told to resume or replace it, and never
    touch a folder that holds files no run wrote."""
    if out.exists() and not out.is_dir():
        raise TrainError(f"{out}: exists and is not a folder; choose another --out")
    previous = is_run(out)
    if previous and not (resume or force):
        raise TrainError(f"{out}: holds a previous run; pass --resume to continue it, --force to "
                         f"replace it, or choose another --out")
    if resume and not previous:
        raise TrainError(f"{out}: no previous run to resume; run without --resume")
    if resume:
        _refuse_cut_off_checkpoint(out)
    if not previous and out.is_dir() and any(e.name != MARKER for e in out.iterdir()):
        raise TrainError(f"{out}: not empty and not an archlens run (it holds "
                         f"{_names(foreign(out))}); archlens writes a run only into a new or "
                         f"empty folder: choose another --out")
    if previous and force and not resume:
        _clear(out)
    make_folder(out, "--out")
    claim(out, folds)


def _clear(out: Path) -> None:
    """Remove what a previous run wrote in ``out`` (refusing if anything else is there)."""
    others = foreign(out)
    if others or not _made_by_archlens(out):
        what = f"files no run wrote ({_names(others)})" if others else \
            f"files that look like a run's, but no {MARKER} and no run header"
        raise TrainError(f"{out}: --force removes only a run's own files, and this folder holds "
                         f"{what}; move them away or choose another --out")
    _remove_outputs(out)


def _remove_outputs(folder: Path) -> None:
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            _remove_outputs(entry)
            entry.rmdir()
        else:
            entry.unlink()


def claim(folder: Path, folds: int | None = None) -> None:
    """Write the marker: this folder is a run, and these are the files a run writes in it."""
    from archlens.files import write_text_atomically
    if (folder / MARKER).is_file():
        return
    doc = {"archlens": "training run folder: --force removes only these files",
           "files": list(OUTPUTS),
           "folders": [f"fold-{k}" for k in range(1, (folds or 0) + 1)]}
    write_text_atomically(folder / MARKER, json.dumps(doc, indent=2) + "\n")
