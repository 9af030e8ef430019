"""Print the README's op table from the rules table (a test keeps the README in sync).

    python tools/op_table.py
"""

from __future__ import annotations

from autograd_lite.rules import RULES


def op_table() -> str:
    lines = ["| op | formula | local derivative(s) | defined for |",
             "|---|---|---|---|"]
    for rule in RULES.values():
        if rule.groups:  # n-ary: one derivative per input group, i the position in it
            pairs = zip(rule.groups, rule.partial_formulas)
            partials = "; ".join(f"`d/d{g} = {p}`" for g, p in pairs)
        else:
            partials = "; ".join(f"`{p}`" for p in rule.partial_formulas)
        lines.append(f"| `{rule.name}` | `{rule.formula}` | {partials} | {rule.domain} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(op_table())
