"""Filters: the rule protocol and registry, the built-in rules, YAML configuration, applying them.

Every built-in rule registers itself when its module loads, and this package loads all of them
here, in one place, so ``RULES`` is complete whichever module is imported first. A new rule is
one module with ``@register(...)`` functions plus one line below.
"""

from coalign.validation.rules import (  # noqa: F401  (registers the rules)
    builtin,
    copies,
    fit,
    fragments,
    judge,
    repetition,
    set_rules,
)
