"""Checkpoints as plain JSON: ``{format, version, architecture, state}``. No pickle, so a
checkpoint can be read by people and by other tools, and loading one cannot run code.

A file is written to a temporary file in the same directory and then renamed over the
target (``os.replace`` is atomic), so a crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from .reprs import compact_repr


class Checkpointable(Protocol):
    """What a checkpoint needs of a model (every ``nn.Module`` has it)."""

    def state_dict(self) -> dict[str, float]: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...

__all__ = ["FORMAT", "load_state", "save_state", "write_json_atomic"]

FORMAT = "autograd_lite/state_dict"
VERSION = 1


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` through a temporary file and a rename. The
    directory must exist (a missing one raises ``FileNotFoundError`` naming ``path``); on any
    failure the temporary file is removed and an existing file at ``path`` is untouched.
    An existing file keeps its permissions (a new one gets the usual ``0o666`` less the
    umask), and a symbolic link keeps pointing where it did: the file it points to is
    replaced. Errors name ``path``, never the hidden temporary file.

    >>> import os, tempfile, json
    >>> p = os.path.join(tempfile.mkdtemp(), "x.json")
    >>> write_json_atomic(p, {"a": 1}); json.load(open(p))
    {'a': 1}
    """
    asked = Path(path)
    # Through a link, replace the file it points to: replacing the link itself would turn
    # it into a regular file and leave its target stale.
    target = Path(os.path.realpath(asked)) if asked.is_symlink() else asked
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot save {str(asked)!r}: the directory {str(folder)!r} "
                                f"does not exist (create it first)")
    if target.is_dir():
        raise IsADirectoryError(f"cannot save {str(asked)!r}: it is a directory")
    text = json.dumps(obj, indent=1, allow_nan=False)  # fails before any file is touched
    mode = _mode_for(target)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it private (0o600)
        os.replace(tmp, target)
    except BaseException as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            # Name the file the caller asked for, not our temporary one.
            reason = e.strerror or str(e)
            if tmp is not None:
                reason = reason.replace(tmp, str(asked))
            raise type(e)(e.errno, f"cannot save {str(asked)!r}: {reason}") from None
        raise


def _mode_for(target: Path) -> int:
    # The permission bits the saved file should have: an existing file's own, else what
    # open() would give a new file (0o666 less the umask).
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux shows it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def _architecture(model: Checkpointable) -> str | None:
    text = repr(model)
    # A default object repr holds a memory address: useless for comparing architectures.
    return None if " at 0x" in text else text


def save_state(model: Checkpointable, path: str | Path) -> None:
    """Save ``model.state_dict()`` with its format tag and architecture (its repr).

    >>> import os, tempfile, json
    >>> from autograd_lite.nn import MLP
    >>> p = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> save_state(MLP(1, [1], seed=0), p); json.load(open(p))["architecture"]
    'MLP of [Layer of [LinearNeuron(1)]]'
    """
    write_json_atomic(path, {"format": FORMAT, "version": VERSION,
                             "architecture": _architecture(model),
                             "state": model.state_dict()})


def load_state(model: Checkpointable, path: str | Path) -> None:
    """Load a checkpoint written by :func:`save_state` into ``model``.

    Raises ``ValueError`` naming the file and the problem (not JSON, truncated, not a
    checkpoint, another architecture); the model is changed only if everything fits.

    >>> import os, tempfile
    >>> from autograd_lite.nn import MLP
    >>> p = os.path.join(tempfile.mkdtemp(), "bad.json")
    >>> _ = open(p, "w").write('{"format": ')
    >>> load_state(MLP(1, [1], seed=0), p)
    Traceback (most recent call last):
    ValueError: load: ... is not valid JSON (truncated or not a checkpoint?): ...
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"load: {path} is not a text file, so not a JSON checkpoint") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"load: {path} is not valid JSON (truncated or not a checkpoint?): "
                         f"{exc}") from None
    except RecursionError:
        raise ValueError(f"load: {path} nests too deeply to be a checkpoint") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ValueError(f"load: {path} is not a checkpoint: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"load: {path} is JSON but not an autograd_lite checkpoint "
                         f"(expected format {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version != VERSION:
        raise ValueError(f"load: {path} has checkpoint version {_short(repr(version), 40)}; "
                         f"this autograd_lite reads version {VERSION}")
    saved, ours = data.get("architecture"), _architecture(model)
    if saved is not None and not isinstance(saved, str):
        raise ValueError(f"load: {path}: 'architecture' must be text or null, got "
                         f"{_short(repr(saved), 60)}")
    if saved is not None and ours is not None and saved != ours:
        raise ValueError(f"load: {path} holds a different architecture:\n  saved: "
                         f"{_short(saved)}\n  model: {_short(ours)}")
    state = data.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"load: {path} has no 'state' mapping")
    try:
        model.load_state_dict(state)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"load: {path}: {exc}") from None


def _short(text: str, limit: int = 300) -> str:
    text = compact_repr(text)
    return text if len(text) <= limit else text[:limit] + "..."
