"""Anomaly mode: nodes record the user's file:line; a NaN or inf met in the forward or the
backward pass raises at once, naming the op, its inputs and (under detect_anomaly) the
user's line. Off by default, and it records nothing when off."""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
import textwrap
import threading

import pytest

from autograd_lite import (
    BackwardError,
    DomainError,
    Value,
    backprop,
    creation_site,
    detect_anomaly,
    grad,
    is_anomaly_enabled,
)
from autograd_lite.functional import dot
from autograd_lite.nn import MLP


def here() -> int:
    """The line number of the caller."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


def site_of(message: str) -> str:
    """The ``(at ...)`` / ``(created at ...)`` part of an error message."""
    m = re.search(r"at (\S+:\d+ in [^)]+)\)", message)
    assert m, message
    return m.group(1)


# --- recording --------------------------------------------------------------------------------


def test_off_by_default_and_records_nothing_when_off() -> None:
    assert not is_anomaly_enabled()
    y = Value(2.0) * 3
    assert creation_site(y) is None


def test_in_a_jupyter_cell_the_site_is_the_cell_as_ipython_names_it() -> None:
    """A cell's code runs from a temporary file (/tmp/ipykernel_812/3370361757.py); the
    site says ``cell In[2], line 3``, as IPython's tracebacks do. A real IPython shell runs
    the cells, in a process of its own (the shell installs hooks)."""
    script = textwrap.dedent("""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_cell("from autograd_lite import Value, detect_anomaly, creation_site",
                       store_history=True)
        shell.run_cell("x = Value(-1.0)\\nwith detect_anomaly():\\n    y = x * 3\\n",
                       store_history=True)
        print(shell.user_ns["creation_site"](shell.user_ns["y"]))
        result = shell.run_cell("with detect_anomaly():\\n    y.log()\\n", store_history=True)
        print(result.error_in_exec)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=True).stdout.splitlines()
    assert out[0] == "cell In[2], line 3"                  # the third line of the second cell
    assert out[-1].endswith("(at cell In[3], line 2)")       # an error names the cell too


def test_records_the_users_file_and_line_for_each_node() -> None:
    x = Value(2.0)
    with detect_anomaly():
        assert is_anomaly_enabled()
        line = here() + 1
        y = x * 3
        z = dot([x, y], [1.0, 2.0])  # made inside the package, recorded at the user's line
    assert not is_anomaly_enabled()
    this = "test_records_the_users_file_and_line_for_each_node"
    assert creation_site(y) == f"{__file__}:{line} in {this}"
    assert creation_site(z) == f"{__file__}:{line + 1} in {this}"
    assert creation_site(x) is None  # made before anomaly mode


def test_a_model_built_under_anomaly_points_at_the_users_call() -> None:
    model = MLP(2, [3, 1])
    with detect_anomaly():
        line = here() + 1
        out = model([0.5, -0.5])
    site = creation_site(out)
    assert site is not None and site.startswith(f"{__file__}:{line} ")


def test_mode_is_restored_after_an_exception_and_is_per_thread_and_task() -> None:
    with pytest.raises(RuntimeError), detect_anomaly():
        raise RuntimeError("boom")
    assert not is_anomaly_enabled()

    seen: list[bool] = []

    def worker() -> None:
        seen.append(is_anomaly_enabled())

    with detect_anomaly():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == [False]

    async def task(on: bool) -> bool:
        if on:
            with detect_anomaly():
                await asyncio.sleep(0)
                return is_anomaly_enabled()
        await asyncio.sleep(0)
        return is_anomaly_enabled()

    async def both() -> list[bool]:
        return list(await asyncio.gather(task(True), task(False)))

    assert asyncio.run(both()) == [True, False]


# --- forward: non-finite results and domain errors ---------------------------------------


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda x: (x * 1000).exp(), OverflowError, ["exp", "x = 1000"]),
    (lambda x: (x - 1).log(), DomainError, ["log", "x = 0"]),
    (lambda x: (-x).sqrt(), DomainError, ["sqrt", "x = -1"]),
    (lambda x: x / (x - 1), ZeroDivisionError, ["div", "x = 1", "y = 0"]),
    (lambda x: (-8 * x) ** (1 / 3), DomainError, ["powc", "x = -8", "c = 0.333333"]),
    (lambda x: (x * 1e200) * 1e200, OverflowError, ["mul", "x = 1e+200", "y = 1e+200"]),
    (lambda x: (x * 1e308) + 1e308, OverflowError, ["add", "x = 1e+308", "y = 1e+308"]),
])
def test_forward_errors_name_op_inputs_and_the_users_line(make: object, error: type,
                                                          words: list[str]) -> None:
    x = Value(1.0)
    assert callable(make)
    with pytest.raises(error) as off:
        make(x)  # outside anomaly mode: the same error, without a site
    assert all(w in str(off.value) for w in words), str(off.value)
    assert " at /" not in str(off.value) and "(at " not in str(off.value)
    with detect_anomaly(), pytest.raises(error) as on:
        make(x)
    message = str(on.value)
    assert all(w in message for w in words), message
    # The lambda's line in this file is the user's line.
    assert site_of(message).startswith(f"{__file__}:")
    assert "lambda" in site_of(message)


def test_forward_error_names_the_exact_line() -> None:
    x = Value(800.0, label="x")
    with detect_anomaly(), pytest.raises(OverflowError) as info:
        line = here() + 1
        x.exp()
    assert site_of(str(info.value)) == (
        f"{__file__}:{line} in test_forward_error_names_the_exact_line")


# --- backward: derivatives that do not exist, NaN and inf -------------------------------------


def test_backward_through_a_missing_derivative_names_the_node_and_its_line() -> None:
    with detect_anomaly():
        x = Value(0.0, label="x")
        line = here() + 1
        y = x.sqrt()
        y.label = "root"
        z = y * 2
    with pytest.raises(BackwardError) as info:
        z.backward()
    message = str(info.value)
    assert message.startswith("backward through sqrt (root = sqrt(x)) at x = 0:")
    assert site_of(message) == (f"{__file__}:{line} in "
                                "test_backward_through_a_missing_derivative_names_the_node_"
                                "and_its_line")
    assert x.grad == 0.0  # nothing half-changed


def test_without_anomaly_mode_the_backward_error_says_how_to_find_the_line() -> None:
    z = Value(0.0).sqrt() * 2
    with pytest.raises(BackwardError, match=r"run under autograd_lite\.detect_anomaly\(\)"):
        z.backward()


def test_an_inf_gradient_at_a_leaf_names_the_op_that_made_it() -> None:
    # d(1/c)/dc = -1/c**2 = -1e400 at c = 1e-200: inf, though the forward value is finite.
    with detect_anomaly():
        c = Value(1e-200, label="c")
        line = here() + 1
        y = 1 / c
    with pytest.raises(BackwardError) as info:
        y.backward()
    message = str(info.value)
    # The 1 is a number in the user's expression: shown as itself, not as the rule's "x".
    assert message.startswith("backward through div (1 / c) at c = 1e-200: the gradient "
                              "it sends to c, 1 * (-1/c**2) = ")
    assert "-inf" in message
    assert site_of(message).startswith(f"{__file__}:{line} ")
    assert c.grad == 0.0


def test_an_inf_gradient_inside_the_graph_names_the_op_that_made_it_not_its_victim() -> None:
    # Forward is finite (1e300), but dL/dc = 1e200 * 1e200 overflows in the mul of line B.
    with detect_anomaly():
        c0 = Value(1e-100, label="c0")
        c = c0 * 1.0
        line = here() + 1
        b = c * 1e200
        L = b * 1e200
    assert L.data == pytest.approx(1e300)
    with pytest.raises(BackwardError) as info:
        L.backward()
    message = str(info.value)
    assert message.startswith("backward through mul ((c0*1) * 1e+200) at c0*1 = 1e-100: "
                              "the gradient it sends to c0*1, 1e+200 * (1e+200) = 1e+200 * "
                              "1e+200 = inf")
    assert site_of(message).startswith(f"{__file__}:{line} ")


def test_finite_uses_whose_sum_overflows_name_the_node_itself() -> None:
    # Each use of b sends back 1e308 (finite); their sum, dL/db, is inf.
    with detect_anomaly():
        a = Value(1e-10)
        line = here() + 1
        b = a * 1.0
        L = b * 1e308 + b * 1e308
    with pytest.raises(BackwardError) as info:
        L.backward()
    message = str(info.value)
    assert message.startswith("backward through mul (x * y) at x = 1e-10, y = 1: its gradient, "
                              "the sum over its uses, is inf")
    assert site_of(message).startswith(f"{__file__}:{line} ")


def test_a_nan_gradient_from_inf_minus_inf_is_caught() -> None:
    with detect_anomaly():
        c = Value(1e-200, label="c")
        line = here() + 1
        L = 1 / c - 1 / c  # forward 0; backward -inf + inf = nan at c
    assert L.data == 0.0
    with pytest.raises(BackwardError) as info:
        L.backward()
    assert "backward through div" in str(info.value)
    assert site_of(str(info.value)).startswith(f"{__file__}:{line} ")


def test_backprop_and_grad_raise_the_same_way() -> None:
    with detect_anomaly():
        c = Value(1e-200)
        line = here() + 1
        y = 1 / c
    for call in (lambda: backprop(y), lambda: grad(y, c)):
        with pytest.raises(BackwardError) as info:
            call()
        assert site_of(str(info.value)).startswith(f"{__file__}:{line} ")


def test_create_graph_backward_overflow_names_the_node_and_its_line() -> None:
    with detect_anomaly():
        c0 = Value(1e-100)
        line = here() + 1
        b = c0 * 1e200
        L = b * 1e200
    with pytest.raises(BackwardError) as info:
        backprop(L, create_graph=True)
    message = str(info.value)
    assert message.startswith("backward through mul (x * y) at x = 1e-100, y = 1e+200")
    assert site_of(message).startswith(f"{__file__}:{line} ")
    with pytest.raises(BackwardError):
        L.backward(create_graph=True)


def test_second_derivative_through_a_missing_derivative_names_the_gradients_line() -> None:
    z = Value(0.0)
    w = z ** 1.5  # 1.5 z**0.5 exists at 0; its derivative 0.75 z**-0.5 does not
    with detect_anomaly():
        line = here() + 1
        (gw,) = grad(w, z, create_graph=True)  # the gradient graph is made on this line
    assert gw.data == 0.0
    with pytest.raises(BackwardError) as info:
        grad(gw, z)
    message = str(info.value)
    assert message.startswith("backward through powc (x ** 0.5) at x = 0, c = 0.5:")
    assert site_of(message).startswith(f"{__file__}:{line} ")


def test_a_failed_backward_leaves_leaf_grads_unchanged() -> None:
    a = Value(1e-200)
    a.grad = 0.5
    with pytest.raises(BackwardError):
        (1 / a).backward()
    assert a.grad == 0.5
