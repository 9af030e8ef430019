"""Test set-up for the whole suite (tests/ and the doctests in autograd_lite/): hypothesis
profiles, and what a test needs from the machine.

It lives at the top of the project, not in tests/, so that it also applies when pytest runs
the doctests alone (``pytest autograd_lite/viz``).

Hypothesis: ``ci`` (used when CI=true or HYPOTHESIS_PROFILE=ci) is deterministic: a fixed
seed (derandomize) and no deadline, so a CI run is reproducible and never flaky on a slow
machine.

System programs and optional packages, one policy for every test and doctest:

    @pytest.mark.needs_program("dot")         graphviz's dot on PATH
    @pytest.mark.needs_program("chromium")    a chromium/chrome ($CHROMIUM, or on PATH)
    @pytest.mark.needs_module("matplotlib")   an importable optional package

When one is missing, the test is skipped with a reason saying how to get it, except with
CI=true, where it fails saying what is missing (CI installs everything, so a missing
program there is a set-up bug, never a reason to skip). The fixture ``program`` returns a
program's path under the same policy: ``program("chromium")``.

Doctests follow the same policy: one guarded by ``... if dot_available() else`` needs
``dot`` (without it, it would pass without testing anything), and one that fails because
``dot`` is missing (GraphvizNotFound) or an optional package is (ImportError) is skipped
outside CI.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, settings


def in_ci() -> bool:
    """CI=true (also 1 or yes): everything a test needs must be there."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if in_ci() else "dev"))


@dataclass(frozen=True)
class Program:
    what: str                  # how a message names it
    names: tuple[str, ...]     # executables looked for on PATH, in order
    env: str | None            # an environment variable that may hold its path
    how: str                   # how to get it


PROGRAMS = {
    "dot": Program("graphviz's 'dot' program", ("dot",), None,
                   "run 'make dot' as root, or sudo apt-get install graphviz "
                   "(brew install graphviz on macOS)"),
    "chromium": Program("chromium (a headless browser)",
                        ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
                        "CHROMIUM",
                        "run 'make browser' as root, or sudo apt-get install chromium, "
                        "or set CHROMIUM=/path/to/chrome"),
}
GUARDED = re.compile(r"\bif dot_available\(\) else\b")  # a doctest that needs dot


def find_program(name: str) -> str | None:
    """The path of the program ``name`` (a key of PROGRAMS), or None."""
    spec = PROGRAMS[name]
    candidates = [os.environ.get(spec.env, "")] if spec.env else []
    for candidate in [*candidates, *spec.names]:
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    return None


def _program_missing(name: str) -> str:
    return f"needs {PROGRAMS[name].what}, not found: {PROGRAMS[name].how}"


def _missing(marker: pytest.Mark) -> str | None:
    """Why the requirement ``marker`` is not met (one line), or None when it is."""
    (name,) = marker.args
    if marker.name == "needs_program":
        if name not in PROGRAMS:
            raise pytest.UsageError(f"needs_program({name!r}): unknown program; "
                                    f"known: {', '.join(sorted(PROGRAMS))}")
        return _program_missing(name) if find_program(name) is None else None
    if importlib.util.find_spec(name) is None:
        return (f"needs the optional package {name!r}, not installed: 'make test' installs "
                f"it in .venv (or pip install {name})")
    return None


def _skip_or_fail(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"CI=true, so this test must run, but it {reason}", pytrace=False)
    pytest.skip(reason)


def _doctest(item: pytest.Item) -> doctest.DocTest | None:
    test = getattr(item, "dtest", None)  # pytest's doctest items hold their DocTest here
    return test if isinstance(test, doctest.DocTest) else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_program(name): needs a system program "
                            "(dot, chromium); skipped without it, except with CI=true")
    config.addinivalue_line("markers", "needs_module(name): needs an optional package; "
                            "skipped without it, except with CI=true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        test = _doctest(item)
        if test is not None and any(GUARDED.search(e.source) for e in test.examples):
            item.add_marker(pytest.mark.needs_program("dot"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers():
        if marker.name in ("needs_program", "needs_module"):
            reason = _missing(marker)
            if reason:
                _skip_or_fail(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except doctest.UnexpectedException as failure:  # an example raised
        from autograd_lite.viz import GraphvizNotFound

        error = failure.exc_info[1]
        if _doctest(item) is None or in_ci():
            raise
        if isinstance(error, GraphvizNotFound):
            pytest.skip(_program_missing("dot"))
        if isinstance(error, ImportError):  # the library names the package and how to get it
            pytest.skip(f"needs an optional package: {error}")
        raise


def pytest_report_header() -> list[str]:
    found = ", ".join(f"{name}={find_program(name) or 'missing'}" for name in PROGRAMS)
    policy = ("CI=true: tests that need a missing one fail" if in_ci()
              else "tests that need a missing one are skipped (with CI=true they fail)")
    return [f"programs: {found}; {policy}"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per missing program or package: how many tests it skipped, how to get it."""
    reasons = Counter(str(report.longrepr[2]).removeprefix("Skipped: ")
                      for report in terminalreporter.stats.get("skipped", [])
                      if isinstance(report.longrepr, tuple))
    for reason, count in sorted(reasons.items()):
        if reason.startswith("needs "):
            terminalreporter.write_line(f"skipped {count} test{'s' * (count > 1)}: {reason}")


@pytest.fixture(scope="session")
def program() -> Callable[[str], str]:
    """``program(name)``: the path of a system program (see PROGRAMS); skips the test
    without it, or fails it with CI=true."""
    def find(name: str) -> str:
        found = find_program(name)
        if found is None:
            _skip_or_fail(_program_missing(name))
        return found
    return find
