"""state_dict / load_state_dict and JSON checkpoints: round trips, atomic writes, and bad
files refused with the model left exactly as it was."""

from __future__ import annotations

import errno
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite.nn import MLP, BatchNorm, Layer, Sequential
from autograd_lite.nn import checkpoint as checkpoint_module


def snapshot(model: MLP | Sequential) -> list[float]:
    return [p.data for p in model.parameters()]


def test_state_dict_round_trip_copies_every_parameter() -> None:
    a, b = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=1)
    assert snapshot(a) != snapshot(b)
    b.load_state_dict(a.state_dict())
    assert snapshot(a) == snapshot(b)
    x = [0.1, 0.2, -0.3]
    assert [v.data for v in a(x)] == [v.data for v in b(x)]


def test_save_then_load_restores_parameters_and_batchnorm_buffers(tmp_path: Path) -> None:
    rng = random.Random(0)
    net = Sequential(Layer(2, 3, seed=rng), BatchNorm(3))
    net.forward_batch([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)])
    path = tmp_path / "net.json"
    net.save(path)
    fresh = Sequential(Layer(2, 3, seed=random.Random(9)), BatchNorm(3))
    fresh.load(path)
    assert snapshot(fresh) == snapshot(net)
    bn_old, bn_new = net.layers[1], fresh.layers[1]
    assert isinstance(bn_old, BatchNorm) and isinstance(bn_new, BatchNorm)
    assert bn_new.running_mean == bn_old.running_mean
    assert bn_new.running_var == bn_old.running_var
    data = json.loads(path.read_text())
    assert data["format"] == "autograd_lite/state_dict" and data["version"] == 1
    assert "layers.1.running_var.2" in data["state"]


def test_save_is_atomic_a_failed_write_keeps_the_old_file(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / "m.json"
    model.save(path)
    original = path.read_text()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint_module.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        MLP(2, [2, 1], seed=1).save(path)
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]   # no temp file left


@pytest.mark.parametrize("content,match", [
    ("", "not valid JSON"),
    ("{\"format\": \"autograd_lite/state_dict\", \"version\": 1, \"sta", "not valid JSON"),
    ("[1, 2, 3]", "not an autograd_lite checkpoint"),
    ("{\"format\": \"autograd_lite/state_dict\", \"version\": 99, \"state\": {}}", "version 99"),
    ("{\"format\": \"autograd_lite/state_dict\", \"version\": 1}", "no 'state'"),
])
def test_bad_files_are_refused_and_the_model_is_unchanged(tmp_path: Path, content: str,
                                                          match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    model = MLP(2, [2, 1], seed=0)
    before = snapshot(model)
    with pytest.raises(ValueError, match=match):
        model.load(path)
    assert snapshot(model) == before


def test_truncated_checkpoint_is_refused(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "m.json"
    model.save(path)
    path.write_text(path.read_text()[: len(path.read_text()) // 2])
    target = MLP(2, [3, 1], seed=4)
    before = snapshot(target)
    with pytest.raises(ValueError, match="truncated"):
        target.load(path)
    assert snapshot(target) == before


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(bytes([0x80, 0xFF, 0x00, 0x13]))
    with pytest.raises(ValueError, match="not a text file"):
        MLP(2, [1], seed=0).load(path)


def test_wrong_architecture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    for other in (MLP(2, [4, 1], seed=0), MLP(2, [3, 1], activation="tanh", seed=0)):
        before = snapshot(other)
        with pytest.raises(ValueError, match="different architecture"):
            other.load(path)
        assert snapshot(other) == before
    with pytest.raises(ValueError, match=re.escape("Layer of [4 x ReLUNeuron(2)]")):
        MLP(2, [4, 1], seed=0).load(path)     # the message shows both, compactly


def test_load_state_dict_checks_names_and_values_before_changing_anything() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = snapshot(model)
    state = model.state_dict()
    missing = dict(state)
    del missing["layers.1.neurons.0.b"]
    with pytest.raises(ValueError, match=re.escape("missing 'layers.1.neurons.0.b'")):
        model.load_state_dict({k: 0.0 for k in missing})
    with pytest.raises(ValueError, match="unexpected 'extra'"):
        model.load_state_dict({**{k: 0.0 for k in state}, "extra": 1.0})
    bad = {k: 0.0 for k in state}
    bad["layers.1.neurons.0.b"] = "nan"
    with pytest.raises(ValueError, match="finite number"):
        model.load_state_dict(bad)
    bad["layers.1.neurons.0.b"] = float("inf")
    with pytest.raises(ValueError, match="finite number"):
        model.load_state_dict(bad)
    assert snapshot(model) == before


@given(st.integers(1, 3), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.integers(0, 10_000))
def test_state_dict_round_trip_for_any_architecture(nin: int, nouts: list[int],
                                                    seed: int) -> None:
    a, b = MLP(nin, nouts, seed=seed), MLP(nin, nouts, seed=seed + 1)
    state = json.loads(json.dumps(a.state_dict()))
    assert len(state) == len(a.parameters())
    b.load_state_dict(state)
    assert snapshot(b) == snapshot(a)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_into_a_missing_directory_names_the_target(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as info:
        MLP(2, [2, 1], seed=0).save(target)
    message = str(info.value)
    assert str(target) in message and ".tmp" not in message
    assert list(tmp_path.iterdir()) == []            # nothing created, no temp file


def test_no_temp_file_is_left_on_any_failure(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    good = tmp_path / "model.json"
    model.save(good)
    saved = good.read_text()
    model.parameters()[0].data = float("nan")       # JSON refuses nan: the write fails
    with pytest.raises(ValueError):
        model.save(good)
    assert good.read_text() == saved and _leftovers(tmp_path) == []
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(IsADirectoryError, match=r"folder\.json"):
        MLP(2, [2, 1], seed=0).save(tmp_path / "folder.json")
    assert _leftovers(tmp_path) == []


# --- hostile files and file systems ------------------------------------------------------


def _checkpoint_text(state: str = '{"layers.0.neurons.0.w.0": 0.5, '
                                  '"layers.0.neurons.0.b": 0.0}',
                     architecture: str = '"MLP of [Layer of [LinearNeuron(1)]]"',
                     version: str = "1") -> str:
    return (f'{{"format": "autograd_lite/state_dict", "version": {version}, '
            f'"architecture": {architecture}, "state": {state}}}')


@pytest.mark.parametrize("content,match", [
    (_checkpoint_text(state='{"layers.0.neurons.0.w.0": 1' + "0" * 400 + ', '
                            '"layers.0.neurons.0.b": 0.0}'), "must be a finite number"),
    (_checkpoint_text(state='{"layers.0.neurons.0.w.0": 1e400, '
                            '"layers.0.neurons.0.b": 0.0}'), "must be a finite number, got inf"),
    (_checkpoint_text(state='{"layers.0.neurons.0.w.0": NaN, '
                            '"layers.0.neurons.0.b": 0.0}'), "must be a finite number, got nan"),
    ('{"a": ' * 100_000 + "1" + "}" * 100_000, "nests too deeply"),
    ('{"x": 1' + "0" * 5000 + "}", "not a checkpoint"),
    (_checkpoint_text(architecture="5"), "'architecture' must be text or null, got 5"),
    (_checkpoint_text(architecture='["MLP"]'), "'architecture' must be text"),
    (_checkpoint_text(state="[1, 2]"), "no 'state' mapping"),
    (_checkpoint_text(version="true"), "version True"),
    (_checkpoint_text(version="1" + "0" * 400), "checkpoint version 1000"),
    (_checkpoint_text(state='{"layers.0.neurons.0.w.0": "0.5", '
                            '"layers.0.neurons.0.b": 0.0}'), "must be a finite number"),
])
def test_hostile_files_raise_a_value_error_naming_the_file(tmp_path: Path, content: str,
                                                           match: str) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(content)
    model = MLP(1, [1], seed=0)
    before = snapshot(model)
    with pytest.raises(ValueError, match=match) as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert snapshot(model) == before


def test_save_keeps_the_files_permissions(tmp_path: Path) -> None:
    path = tmp_path / "shared.json"
    MLP(1, [1], seed=0).save(path)
    for mode in (0o644, 0o640, 0o600):
        path.chmod(mode)
        MLP(1, [1], seed=1).save(path)
        assert path.stat().st_mode & 0o777 == mode
    fresh = tmp_path / "fresh.json"
    MLP(1, [1], seed=0).save(fresh)
    probe = tmp_path / "probe"
    probe.write_text("")                      # what open() gives a new file here (umask)
    assert fresh.stat().st_mode & 0o777 == probe.stat().st_mode & 0o777


def test_save_through_a_symlink_updates_its_target(tmp_path: Path) -> None:
    real = tmp_path / "store" / "model.json"
    real.parent.mkdir()
    link = tmp_path / "latest.json"
    MLP(1, [1], seed=0).save(real)
    link.symlink_to(real)
    newer = MLP(1, [1], seed=1)
    newer.save(link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert json.loads(real.read_text())["state"] == newer.state_dict()
    assert sorted(p.name for p in real.parent.iterdir()) == ["model.json"]


def test_errors_name_the_file_asked_for_never_the_temporary_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.json"
    hidden = str(tmp_path / ".model.json.abc123.tmp")

    def refused(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied", hidden)

    monkeypatch.setattr(checkpoint_module.tempfile, "mkstemp", refused)
    with pytest.raises(PermissionError) as info:
        MLP(1, [1], seed=0).save(path)
    message = str(info.value)
    assert str(path) in message and ".tmp" not in message and "abc123" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    monkeypatch.undo()

    def cross_device(src: str, dst: object) -> None:
        raise OSError(errno.EXDEV, f"Invalid cross-device link: {src}", src, str(dst))

    monkeypatch.setattr(checkpoint_module.os, "replace", cross_device)
    with pytest.raises(OSError) as info:
        MLP(1, [1], seed=0).save(path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)
    assert _leftovers(tmp_path) == []


def test_load_state_dict_refuses_numbers_too_large_for_a_float() -> None:
    model = MLP(1, [1], seed=0)
    state = model.state_dict()
    state["layers.0.neurons.0.b"] = 10 ** 400
    with pytest.raises(ValueError, match=r"'layers\.0\.neurons\.0\.b' must be a finite number"):
        model.load_state_dict(state)
