"""``python -m auditkit.frame [v1|v2]`` prints the schemas as the README's Markdown tables.

With no argument it prints both, v1's first, each under its heading; with
``v1`` or ``v2`` only that schema's table.
"""

from __future__ import annotations

import sys

from auditkit.frame import V1, V2, schema_markdown

_SCHEMAS = {s.name: s for s in (V1, V2)}


def main(argv: list[str]) -> int:
    """Print the tables ``argv`` asks for; ``2`` (and a usage line) for anything else.

    Examples
    --------
    >>> main(["v2"]) == 0  # doctest: +ELLIPSIS
    | column | dtype | from (wire path) | meaning |
    ...
    True
    """
    if len(argv) > 1 or (argv and argv[0] not in _SCHEMAS):
        print(f"usage: python -m auditkit.frame [{'|'.join(_SCHEMAS)}]", file=sys.stderr)
        return 2
    if argv:
        print(schema_markdown(_SCHEMAS[argv[0]]))
        return 0
    print("\n\n".join(f"### The {s.name} frame\n\n{schema_markdown(s)}" for s in _SCHEMAS.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
