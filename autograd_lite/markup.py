"""User text (labels, formulas) put into Markdown safely: the reports' Jupyter displays.

A label is the user's to choose, ``<b>``, ``a|b`` or ``w`x`` included; shown in a report it
must read as typed and never become markup. Standard library only.
"""

from __future__ import annotations

import re

__all__ = ["code", "fence", "text"]

_TICKS = re.compile(r"`+")


def text(s: str) -> str:
    """``s`` as literal Markdown text: ``& < >`` as HTML entities, the punctuation that
    starts inline markup backslashed (a table cell's ``|`` and TeX's ``$`` included), a
    newline as a space. (``s`` is never at the start of a line, where ``#``, ``-`` or ``1.``
    would start a block.)

    >>> print(text("<b>a|b</b> *x*"))
    &lt;b&gt;a\\|b&lt;/b&gt; \\*x\\*
    """
    out = []
    for ch in str(s):
        if ch in _ENTITY:
            out.append(_ENTITY[ch])
        elif ch in _PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(" " if ch == "\n" else ch)
    return "".join(out)


_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PUNCTUATION = frozenset("\\`*_[]|~$")


def code(s: str, in_table: bool = False) -> str:
    """``s`` as an inline code span that shows it exactly (a code span shows HTML as text),
    fenced with more backticks than ``s`` holds in a row. Newlines become spaces. In a table
    (``in_table``) a ``|`` is backslashed, which GitHub and Jupyter read as a literal ``|``.

    >>> print(code("c = a * b"), code("w`x"), code("`"))
    `c = a * b` ``w`x`` `` ` ``
    """
    s = str(s).replace("\n", " ")
    if in_table:
        s = s.replace("|", "\\|")
    longest = max((len(m) for m in _TICKS.findall(s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s[:1] in ("`", " ") or s[-1:] in ("`", " ") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def fence(s: str, info: str = "") -> str:
    """``s`` as a fenced code block, fenced with more backticks than any line of ``s``
    starts with, so a label holding ```` ``` ```` cannot close it early.

    >>> print(fence("a\\n```b"))
    ````
    a
    ```b
    ````
    """
    longest = max((len(m) for m in _TICKS.findall(s)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{s}\n{ticks}"
