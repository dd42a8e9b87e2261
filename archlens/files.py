"""Writing the user's files: atomically, never onto an input, never over a file without --force.

Every file archlens writes for a user goes through ``write_atomically``: the bytes go to a
temporary file beside the target (``.NAME.XXXX.tmp``), are flushed to disk, then renamed over
the target, so a reader (or a kill) never leaves half a file, and nothing the user had is
replaced until the new file is complete.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from archlens.errors import ArchlensError


MAX_INPUT_BYTES = 10 * 1024 * 1024   # a spec or answers file; 100,000 spec layers fit in 7 MB


class TooLarge(ValueError):
    """An input file past ``MAX_INPUT_BYTES``: one line, for the caller to locate."""


def read_text_limited(path, limit: int = MAX_INPUT_BYTES) -> str:
    """The file's UTF-8 text, reading at most ``limit`` bytes (``/dev/zero`` never ends). A
    byte-order mark (Notepad, Excel's "CSV UTF-8") is dropped, or it would begin the first key
    or CSV cell.

    Raises ``TooLarge``, or the ``OSError``/``UnicodeDecodeError`` of the read."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"larger than {limit // (1024 * 1024)} MB; archlens reads at most "
                       f"{limit // (1024 * 1024)} MB of a spec or answers file")
    return data.decode("utf-8-sig")


class OutputError(ArchlensError):
    """An output path that would replace an input or an existing file without --force."""


def write_atomically(path, write: Callable) -> Path:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it over.

    A folder that takes no new files (read-only, full, ``/proc``) raises ``OutputError``."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = _create_beside(folder, path.name)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write a file in {folder} ({os_reason(exc, path)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):   # the disk filled, the target is a folder, ...
            raise OutputError(f"{path}: cannot write the file ({os_reason(exc, path)})") from None
        raise
    return path


def _create_beside(folder: Path, name: str) -> tuple[int, Path]:
    """A new ``folder/.NAME.XXXXXXXX.tmp``, open for writing, with the mode a plain ``open()``
    gives: 0666 less the umask of the moment, applied by the kernel (``mkstemp`` makes 0600,
    and reading the umask means setting it, process-wide, under other threads)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = folder / f".{name}.{os.urandom(4).hex()}.tmp"   # secrets.token_hex(4)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:   # another writer's name: draw again
            continue


def make_folder(path, flag: str) -> Path:
    """``path`` as a folder, made with its parents where missing; an ``OutputError`` naming the
    path and the option (``--out``, ``--docs``, ...) where it cannot be."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: {flag}: cannot create the folder ({os_reason(exc, path)}); "
                          f"choose another {flag}") from None
    return path


def os_reason(exc: OSError, path: Path) -> str:
    """Why ``path`` cannot be written: the file in the way of a folder, or the system's words."""
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        blocking = next((p for p in (path, *path.parents) if p.is_file()), None)
        if blocking is not None:
            return f"{blocking} is a file"
    return exc.strerror or str(exc) or type(exc).__name__


def swap_folder_in(built: Path, root: Path) -> None:
    """Rename the finished folder ``built`` to ``root`` (one file system); an existing ``root``
    is renamed aside first and deleted last, so ``root`` is never half old, half new."""
    import shutil   # here, not at the top: reading a spec (read_text_limited) needs neither
    import tempfile
    old = None
    if root.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".old", dir=root.parent))
        os.replace(root, old / root.name)
    os.replace(built, root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_bytes_atomically(path, data: bytes) -> Path:
    return write_atomically(path, lambda f: f.write(data))


def write_text_atomically(path, text: str) -> Path:
    return write_bytes_atomically(path, text.encode("utf-8"))


def write_if_changed(path, data: bytes) -> Path:
    """``write_bytes_atomically`` (making the folder) only when the bytes differ, so watchers
    (mkdocs serve) see no churn."""
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes_atomically(path, data)


def same_file(a, b) -> bool:
    """Whether two paths name one file (through links, ``..`` or another spelling)."""
    a, b = Path(a), Path(b)
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(path, inputs: Iterable = (), force: bool = False, flag: str = "--out") -> Path:
    """Refuse an output that is one of ``inputs`` (even with --force), a folder, or an existing
    file without ``force``."""
    path = Path(path)
    for given in inputs:
        if given is not None and (same_file(path, given) or Path(path).resolve() == Path(given).resolve()):
            raise OutputError(f"{path}: {flag} names an input of this command ({given}); "
                              f"archlens never writes onto its input: choose another file")
    if path.is_dir():
        raise OutputError(f"{path}: {flag} is a folder; give a file name")
    if path.exists() and not force:
        raise OutputError(f"{path}: file exists; pass --force to replace it, or choose another "
                          f"{flag} file")
    if not path.parent.is_dir() and str(path.parent):
        raise OutputError(f"{path}: {flag}: no folder {path.parent}; create it first")
    return path
