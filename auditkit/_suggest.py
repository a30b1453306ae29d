"""Words for people: counted nouns ("1 request") and "did you mean" suggestions.

The CLI, the demo and the loaders' keyword check word their messages with these,
so a count reads ``1 entry``/``2 entries`` everywhere, and a misspelt name is
answered with the closest right ones (:mod:`difflib`, nothing sent anywhere).

Examples
--------
>>> plural(1, "entry", "entries"), plural(3, "page")
('1 entry', '3 pages')
>>> did_you_mean("actr_email", ["actor_email", "actor_ip", "zone_name"])
'did you mean actor_email?'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import InvalidParameterError

__all__ = ["check_keywords", "close_matches", "did_you_mean", "plural"]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun, singular for exactly one: ``"1 request"``, ``"0 requests"``.

    Parameters
    ----------
    count
        How many.
    singular
        The noun for one (``"entry"``).
    plural_form
        The noun for any other count (default: ``singular + "s"``).

    Examples
    --------
    >>> plural(1, "request"), plural(0, "request"), plural(2, "person", "people")
    ('1 request', '0 requests', '2 people')
    >>> plural(3853, "entry", "entries")
    '3,853 entries'
    """
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, best first (case and ``-``/``_``/space ignored).

    A candidate equal to ``word`` but for case or separators comes first; then those
    whose :class:`difflib.SequenceMatcher` ratio to it (on the normalised forms) is at
    least 0.6 and within 0.1 of the best one, so a clear winner stands alone.

    Examples
    --------
    >>> close_matches("change setting", ["change_setting", "login", "rec_set"])
    ['change_setting']
    >>> close_matches("xyz", ["login"])
    []
    """
    import difflib

    by_form: dict[str, list[str]] = {}
    for candidate in dict.fromkeys(c for c in candidates if isinstance(c, str) and c):
        by_form.setdefault(_form(candidate), []).append(candidate)
    form = _form(word)
    out: list[str] = list(by_form.get(form, []))
    scored = []
    for other in by_form:
        matcher = difflib.SequenceMatcher(None, form, other)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            scored.append((matcher.ratio(), other))
    best = max((score for score, _ in scored), default=0.0)
    for score, other in sorted(scored, key=lambda pair: (-pair[0], pair[1])):
        if score >= max(0.6, best - 0.1):
            out += [c for c in by_form[other] if c not in out]
    return [c for c in out if c != word][:n]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"did you mean X?"`` (or ``"X or Y?"``) for the closest candidates; ``""`` if none.

    Examples
    --------
    >>> did_you_mean("--sinse", ["--since", "--before"])
    'did you mean --since?'
    >>> did_you_mean("colour", ["actor_email"])
    ''
    """
    matches = close_matches(word, candidates)
    return f"did you mean {' or '.join(matches)}?" if matches else ""


def check_keywords(unknown: Mapping[str, Any], function: Callable[..., Any]) -> None:
    """Raise :class:`InvalidParameterError` naming the first of ``unknown`` (keywords ``function`` lacks).

    The message names the function and, when one is close, the right keyword
    (``actr_email: is not a keyword of load_audit_logs; did you mean actor_email?``).
    Nothing happens when ``unknown`` is empty.

    Parameters
    ----------
    unknown
        The ``**kwargs`` a function caught beyond its named keywords.
    function
        The function, whose signature lists the keywords it takes.

    Raises
    ------
    InvalidParameterError
        ``unknown`` is not empty.

    Examples
    --------
    >>> def load(*, actor_email=None, **unknown): check_keywords(unknown, load)
    >>> load(actr_email="a@b.c")
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: actr_email: is not a keyword of load; did you mean actor_email?
    """
    if not unknown:
        return
    name = next(iter(unknown))
    known = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    hint = did_you_mean(name, known)
    raise InvalidParameterError(
        name, f"is not a keyword of {function.__name__}" + (f"; {hint}" if hint else "")
    )


def _form(word: str) -> str:
    return word.lower().replace("-", "_").replace(" ", "_").strip("_")
