"""Print the README's op table from the rules table (a test keeps the README in sync).

    python tools/op_table.py
"""

from __future__ import annotations

from autograd_lite import RULES
from autograd_lite.ops import info


def op_table() -> str:
    lines = ["| op | formula | local derivative(s) | defined for |",
             "|---|---|---|---|"]
    for rule in RULES.values():
        described = info(rule)
        if described.groups:  # n-ary: one derivative per input group, i the position in it
            pairs = zip(described.groups, described.partials)
            partials = "; ".join(f"`d/d{g} = {p}`" for g, p in pairs)
        else:
            partials = "; ".join(f"`{p}`" for p in described.partials)
        lines.append(f"| `{rule.name}` | `{described.formula}` | {partials} | "
                     f"{described.domain} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(op_table())
