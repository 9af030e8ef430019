"""The expression a node computes, as text (``tanh(w1*x1 + b)``) or LaTeX, and readable
names for every node of a graph.

Infix ops are recognised by their rule's symbol (``+ - * / **``); the fused n-ary ``sum``,
``dot`` and ``affine`` by name (their inputs have a layout); every other op, including your
own, prints as a call ``name(x, ...)``. Walks are iterative, so deep graphs are fine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .core import Rule, Value, topological_order

__all__ = ["ATOM", "check_root", "formula", "latex", "latex_name", "leaf_text", "node_names",
           "node_text", "short_name", "substitute"]


# --- names ----------------------------------------------------------------------------------


def check_root(root: Value, fn: str) -> Value:
    """``root`` if it is a Value, else the error naming ``fn`` and what it got.

    >>> check_root(3.0, "formula")
    Traceback (most recent call last):
    ...
    TypeError: formula: root must be a Value (the node to show), got 3.0 of type float
    """
    if not isinstance(root, Value):
        raise TypeError(f"{fn}: root must be a Value (the node to show), got {root!r:.60} of "
                        f"type {type(root).__name__}")
    return root


def node_names(root: Value) -> dict[int, str]:
    """A unique name for every node ``root`` depends on, keyed by ``id(node)``.

    A node's label if it has one (repeated labels get ``_2``, ``_3``...); otherwise an
    unlabelled root is ``L``; the unlabelled weights and bias of the k-th neuron (a fused
    ``affine`` node, as ``nn`` makes) are ``wk_1, wk_2, ...`` and ``bk``; other unlabelled
    leaves, constants mostly, are ``c1, c2, ...``; other nodes are named after their op
    (``mul1``, ``tanh1``...). Pictures, transcripts and answer checking all use these names.

    >>> a = Value(2.0, label="a"); b = Value(3.0)
    >>> y = (a * b).tanh()
    >>> names = node_names(y)
    >>> [names[id(n)] for n in (a, b, y.parents[0], y)]
    ['a', 'c1', 'mul1', 'L']
    >>> from autograd_lite.nn import Neuron
    >>> n = Neuron(2, seed=0); out = n([a, b])
    >>> [node_names(out)[id(p)] for p in n.parameters()]
    ['w1_1', 'w1_2', 'b1']
    """
    order = topological_order(check_root(root, "node_names"))
    for node in order:  # Value() checks its label; one set later by assignment is checked here
        if not isinstance(node.label, str):
            raise TypeError(f"a node's label must be a str, got {node.label!r} of type "
                            f"{type(node.label).__name__} (on {node!r}); write "
                            f"node.label = {'' if node.label is None else str(node.label)!r}")
    taken = {n.label for n in order if n.label}
    names: dict[int, str] = {}
    counters: dict[tuple[str, str], int] = {}  # last number tried per base: O(1) a name
    used: set[str] = set()

    def fresh(base: str, sep: str) -> str:
        k = counters.get((base, sep), 0)
        while True:
            k += 1
            candidate = f"{base}{sep}{k}" if k > 1 or sep == "" else base
            if candidate not in used and (candidate == base or candidate not in taken):
                counters[base, sep] = k
                return candidate

    places = _neuron_places(order)
    for node in order:
        place = places.get(id(node))
        if node.label:
            name = fresh(node.label, "_")
        elif node is root and "L" not in taken:
            name = "L"
        elif place is not None and place not in taken and place not in used:
            name = place
        else:
            name = fresh(node.op or "c", "")
        used.add(name)
        names[id(node)] = name
    return names


def _neuron_places(order: list[Value]) -> dict[int, str]:
    """``wk_i`` / ``bk`` for the unlabelled weights and bias of each neuron (an ``affine``
    node whose first n + 1 inputs are leaves), neurons numbered as they first appear."""
    places: dict[int, str] = {}
    neurons: dict[int, int] = {}
    for node in order:
        if node.op != "affine":
            continue
        n = (len(node.parents) - 1) // 2
        params = node.parents[: n + 1]
        if not all(p.is_leaf for p in params) or id(params[0]) in neurons:
            continue
        k = neurons[id(params[0])] = len(neurons) + 1
        for i, p in enumerate(params):
            if not p.label:
                places.setdefault(id(p), f"b{k}" if i == 0 else f"w{k}_{i}")
    return places


# --- formulas -------------------------------------------------------------------------------

# Binding strength, loosest first. Parentheses go where a child binds looser than needed.
_ADD, _MUL, _NEG, _POW, ATOM = 1, 2, 3, 4, 5
_INFIX = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POW}
_LATEX_FUNCS = {"exp", "log", "sin", "cos", "tanh", "sinh", "cosh", "tan"}


def latex_name(name: str) -> str:
    r"""``w1`` -> ``w_{1}``, ``w3_2`` -> ``w_{3,2}``, ``loss`` -> ``\mathrm{loss}``, ``x`` ->
    ``x``; LaTeX's special characters are escaped, a backslash as ``\textbackslash{}``.

    >>> latex_name("w1"), latex_name("w3_2"), latex_name("a\\b")
    ('w_{1}', 'w_{3,2}', '\\mathrm{a\\textbackslash{}b}')
    """
    m = re.fullmatch(r"([A-Za-z])(\d+)_(\d+)", name)  # a neuron's weight, w3_2: w_{3,2}
    if m:
        return f"{m.group(1)}_{{{m.group(2)},{m.group(3)}}}"
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if m:
        base, sub = m.groups()
        base = base if len(base) == 1 else rf"\mathrm{{{base}}}"
        return f"{base}_{{{sub}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    escaped = re.sub(r"[\\{}_#%&$^~]", lambda m: _TEX[m.group(0)], name)
    return rf"\mathrm{{{escaped}}}"


_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "#": r"\#", "%": r"\%",
        "&": r"\&", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def leaf_text(node: Value, names: dict[int, str], tex: bool = False) -> tuple[str, int]:
    """How formulas show a leaf: a labelled one by its name, an unlabelled one (a constant,
    usually) by its number, so ``a*4`` reads as written rather than ``a*x1``."""
    if node.label:
        name = names[id(node)]
        return (latex_name(name) if tex else name), ATOM
    return f"{node.data:.6g}", _NEG if node.data < 0 else ATOM


def _wrap(child: tuple[str, int], ok: bool, tex: bool) -> str:
    s = child[0]
    if ok:
        return s
    return rf"\left({s}\right)" if tex else f"({s})"


def _product(a: tuple[str, int], b: tuple[str, int], tex: bool) -> str:
    left = _wrap(a, a[1] >= _MUL, tex)
    right = _wrap(b, b[1] >= _MUL and b[1] != _NEG, tex)
    return rf"{left} \cdot {right}" if tex else f"{left}*{right}"


def _render(root: Value, tex: bool, max_length: int, shrink: bool = True) -> str:
    """``root``'s expression, at most about ``max_length`` long where it can be: a
    sub-expression too long prints as its name (``affine9``), the limit for them shrinking
    until the whole fits; ``root`` itself is always written out (a long sum shortened with
    ``...``), never replaced by its own name."""
    names = node_names(root)
    order = topological_order(root)
    limit = max_length
    while True:
        done = _render_all(root, order, names, tex, limit)
        text = done[id(root)][0]
        if len(text) <= max_length or limit <= _SHORTEST or not shrink:
            break
        limit = max(limit // 4, _SHORTEST)
    if len(text) > max_length and root.rule is not None and shrink:  # "x1 + ... + xn"
        kids = [done[id(p)] for p in root.parents]
        text = node_text(root, root.rule, kids, tex, max_terms=4)[0]
    return text


_SHORTEST = 16  # sub-expressions longer than this may be named, if the whole is too long


def _render_all(root: Value, order: list[Value], names: dict[int, str], tex: bool,
                limit: int) -> dict[int, tuple[str, int]]:
    """Every node's text and binding strength, a node (but ``root``) whose text is longer
    than ``limit`` by its name."""
    done: dict[int, tuple[str, int]] = {}
    for node in order:
        rule = node.rule
        if rule is None:
            done[id(node)] = leaf_text(node, names, tex)
            continue
        done[id(node)] = node_text(node, rule, [done[id(p)] for p in node.parents], tex)
        if len(done[id(node)][0]) > limit and node is not root:
            name = names[id(node)]  # shared sub-graphs can grow exponentially
            done[id(node)] = (latex_name(name) if tex else name, ATOM)
    return done


def _shorten(parts: list[str], max_terms: int | None) -> list[str]:
    """At most ``max_terms`` terms of a long sum: the first two, ``...``, the last."""
    if max_terms is None or len(parts) <= max_terms:
        return parts
    return [*parts[:2], "...", parts[-1]]


def node_text(node: Value, rule: Rule, kids: list[tuple[str, int]], tex: bool,
               max_terms: int | None = None) -> tuple[str, int]:
    """One node as text, given its inputs' texts and binding strengths; sums of more than
    ``max_terms`` terms (fused ``sum``, ``dot``, ``affine``) are shortened with ``...``."""
    sym = rule.symbol
    if rule.arity == 2 and sym in _INFIX:
        a, b = kids
        if sym == "+":
            return f"{a[0]} + {b[0]}", _ADD
        if sym == "-":
            return f"{a[0]} - {_wrap(b, b[1] > _ADD and b[1] != _NEG, tex)}", _ADD
        if sym == "*":
            return _product(a, b, tex), _MUL
        if sym == "/":
            if tex:
                return rf"\frac{{{a[0]}}}{{{b[0]}}}", _MUL
            return (f"{_wrap(a, a[1] >= _MUL, tex)}/"
                    f"{_wrap(b, b[1] > _MUL and b[1] != _NEG, tex)}"), _MUL
        base = _wrap(a, a[1] > _POW, tex)
        return (f"{{{base}}}^{{{b[0]}}}" if tex else
                f"{base}**{_wrap(b, b[1] >= _POW, tex)}"), _POW
    if rule.arity == 1 and sym == "-" and node.param is None:
        return f"-{_wrap(kids[0], kids[0][1] >= _MUL and kids[0][1] != _NEG, tex)}", _NEG
    if rule.arity == 1 and sym == "**":
        base = _wrap(kids[0], kids[0][1] > _POW, tex)
        c = f"{node.param:.6g}"
        return (f"{{{base}}}^{{{c}}}" if tex else
                f"{base}**{c if node.param >= 0 else '(' + c + ')'}"), _POW
    if rule.name == "sum":
        return " + ".join(_shorten([k[0] for k in kids], max_terms)), _ADD
    if rule.name in ("dot", "affine"):
        bias = kids[:1] if rule.name == "affine" else []
        pairs = kids[len(bias):]
        n = len(pairs) // 2
        parts = [_product(pairs[i], pairs[n + i], tex) for i in range(n)]
        return " + ".join(_shorten(parts, max_terms) + [b[0] for b in bias]), _ADD
    args = [k[0] for k in kids]
    if node.param is not None:
        args.append(f"{node.param:.6g}")
    inner = ", ".join(args)
    if not tex:
        return f"{rule.name}({inner})", ATOM
    if rule.name == "sqrt":
        return rf"\sqrt{{{inner}}}", ATOM
    if rule.name == "abs":
        return rf"\left|{inner}\right|", ATOM
    if rule.name == "sigmoid":
        return rf"\sigma\left({inner}\right)", ATOM
    escaped = rule.name.replace("_", r"\_")
    head = "\\" + rule.name if rule.name in _LATEX_FUNCS else rf"\operatorname{{{escaped}}}"
    return rf"{head}\left({inner}\right)", ATOM


def formula(root: Value, max_length: int = 2000) -> str:
    """The expression ``root`` computes, in Python-like syntax, from labels and numbers.

    Labelled leaves print as their label, other leaves as their number. Where the whole
    would be longer than ``max_length`` (shared sub-graphs can grow exponentially), long
    sub-expressions print as their names (``affine9``), as ``node_names`` gives them.

    >>> w1, x1, b = Value(0.5, label="w1"), Value(2.0, label="x1"), Value(-1.0, label="b")
    >>> formula((w1 * x1 + b).tanh())
    'tanh(w1*x1 + b)'
    >>> formula((w1 - (x1 + b)) ** 2 / -b)
    '(w1 - (x1 + b))**2/(-b)'
    """
    return _render(check_root(root, "formula"), tex=False, max_length=max_length)


def latex(root: Value, max_length: int = 2000) -> str:
    """The expression ``root`` computes, as LaTeX (no surrounding ``$``).

    >>> w1, x1, b = Value(0.5, label="w1"), Value(2.0, label="x1"), Value(-1.0, label="b")
    >>> latex((w1 * x1 + b).tanh())
    '\\\\tanh\\\\left(w_{1} \\\\cdot x_{1} + b\\\\right)'
    >>> print(latex(w1 ** 2 / x1))
    \\frac{{w_{1}}^{2}}{x_{1}}
    """
    return _render(check_root(root, "latex"), tex=True, max_length=max_length)


# --- a rule's formulas, in a node's own names -------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"[0-9.]+(e[-+]?[0-9]+)?\Z")


def substitute(text: str, table: Mapping[str, str]) -> str:
    """Replace whole-word names in ``text`` (``x * y``) by their texts (``a * (b + 1)``),
    in one pass. A text that is not a plain name or number is bracketed unless it stands
    alone between brackets, commas, comparisons or words (``log(x*3)``, ``x*3 > 0``). Costs the
    length of ``text``, however large ``table`` is.

    >>> substitute("x * y", {"x": "a", "y": "b + 1"})
    'a * (b + 1)'
    >>> substitute("x * y", {"x": "y", "y": "x"})          # a swap stays a swap
    'y * x'
    >>> substitute("log(x) needs x > 0", {"x": "w*3"})
    'log(w*3) needs w*3 > 0'
    >>> substitute("x * 10", {"x": "exp(a)"})             # a call is as tight as a name
    'exp(a) * 10'
    """
    def swap(m: re.Match[str]) -> str:
        name = table.get(m.group(0))
        if name is None:
            return m.group(0)
        if _IDENT.match(name) or _NUMBER.match(name) or _is_call(name):
            return name
        head, tail = text[: m.start()], text[m.end() :]
        before, after = head.rstrip()[-1:], tail.lstrip()[:1]
        # after a word of prose ("needs x > 0") the text stands alone too
        prose = before.isalpha() and head[-1:].isspace()
        alone = (before in _OPENS or prose) and (after in _CLOSES or after.isalpha())
        return name if alone else f"({name})"

    return _WORD.sub(swap, text)


def _is_call(text: str) -> bool:
    """``exp(a)`` or ``tanh(x*3)``: one function call, as tight as a name (``f(a) * g(b)``
    is not: its first bracket closes before the end)."""
    m = _WORD.match(text)
    if m is None or text[m.end():m.end() + 1] != "(" or not text.endswith(")"):
        return False
    depth = 0
    for i in range(m.end(), len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i == len(text) - 1
    return False


_OPENS = frozenset(["", "(", ",", "=", "<", ">"])
_CLOSES = frozenset(["", ")", ",", "=", "<", ">", "!"])
_WORD = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def short_name(node: Value, limit: int = 40) -> str:
    """How messages name one node without a whole graph at hand: its label, a constant's
    number, else the expression it computes if short (``x*3``), else its op.

    >>> x = Value(-2.0, label="x")
    >>> short_name(x), short_name(x * 3), short_name(Value(3.0))
    ('x', 'x*3', '3')
    """
    if node.label:
        return node.label
    if node.rule is None:
        return f"{node.data:.6g}"
    # No names of sub-expressions here: a message has no picture that shows them.
    text = _render(node, tex=False, max_length=limit, shrink=False)
    return text if len(text) <= limit else f"the {node.op} node"
