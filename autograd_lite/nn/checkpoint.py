"""Checkpoints as plain JSON: ``{format, version, architecture, state}``. No pickle, so a
checkpoint can be read by people and by other tools, and loading one cannot run code.

A file is written to a temporary file in the same directory and then renamed over the
target (``os.replace`` is atomic), so a crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import json
import os
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

    >>> import os, tempfile, json
    >>> p = os.path.join(tempfile.mkdtemp(), "x.json")
    >>> write_json_atomic(p, {"a": 1}); json.load(open(p))
    {'a': 1}
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot save {str(target)!r}: the directory {str(folder)!r} "
                                f"does not exist (create it first)")
    if target.is_dir():
        raise IsADirectoryError(f"cannot save {str(target)!r}: it is a directory")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1, allow_nan=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError) and tmp is not None and tmp in (e.filename, e.filename2):
            # Name the file the caller asked for, not our temporary one.
            raise type(e)(e.errno, f"cannot save {str(target)!r}: {e.strerror}") from e
        raise


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
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"load: {path} is JSON but not an autograd_lite checkpoint "
                         f"(expected format {FORMAT!r})")
    if data.get("version") != VERSION:
        raise ValueError(f"load: {path} has checkpoint version {data.get('version')!r}; "
                         f"this autograd_lite reads version {VERSION}")
    saved, ours = data.get("architecture"), _architecture(model)
    if saved is not None and ours is not None and saved != ours:
        raise ValueError(f"load: {path} holds a different architecture:\n  saved: "
                         f"{_short(saved)}\n  model: {_short(ours)}")
    state = data.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"load: {path} has no 'state' mapping")
    try:
        model.load_state_dict(state)
    except ValueError as exc:
        raise ValueError(f"load: {path}: {exc}") from None


def _short(text: str, limit: int = 300) -> str:
    text = compact_repr(text)
    return text if len(text) <= limit else text[:limit] + "..."
