"""A griffe extension: chainrule's Sphinx-style references in docstrings become links on the site.

chainrule's docstrings name other objects the way Sphinx does, ``:class:`~chainrule.MLP```,
``:func:`fit```, ``:meth:`check_data```, so they read well in ``help()`` and in an editor.
mkdocstrings renders Markdown, where those roles would show as raw text. This extension, run when
griffe loads the package, rewrites each role as an optional cross-reference: a link where the
target is documented on the site, plain code where it is not (a private helper, say).

A role whose target names no object at all (a typo, a path from before a move such as
``chainrule.train.History``) is a broken reference: it stays a required cross-reference, so
autorefs warns, naming the target, wherever that docstring is rendered, and
``mkdocs build --strict`` fails.
"""

from __future__ import annotations

import builtins
import re
import sys
from typing import Any

import griffe

#: ``:class:`~chainrule.MLP``` and its kin (a ``!`` or ``~`` prefix, trailing ``()`` allowed)
ROLE = re.compile(r":(?:py:)?(class|func|meth|attr|mod|data|exc|obj):`([!~]?)([\w.]+?)(\(\))?`")


def _find(collection: Any, path: str) -> Any:
    """The object at ``path`` (following imports and inherited members), or None."""
    head, *parts = path.split(".")
    try:
        obj = collection[head]
        for part in parts:
            if obj.is_alias:
                obj = obj.final_target
            members = obj.all_members if obj.is_class else obj.members
            obj = members[part]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return obj


def _external(target: str) -> bool:
    """A name from outside chainrule: a builtin (``ValueError``), the stdlib's or NumPy's."""
    head = target.split(".")[0]
    return hasattr(builtins, head) or head in sys.stdlib_module_names or head == "numpy"


def resolve(obj: Any, target: str, collection: Any) -> str | None:
    """The full path ``target`` names when written in ``obj``'s docstring, or None.

    An absolute path (``chainrule.x.Y``) must exist as written; a relative one (``Y``, ``Y.z``) is
    looked up as Python would, from ``obj`` outwards through its parents (and their imports).
    """
    if target.split(".")[0] == "chainrule":
        return target if _find(collection, target) is not None else None
    head, _, rest = target.partition(".")
    scope = obj
    while scope is not None:
        try:
            found = scope.resolve(head)
        except (griffe.NameResolutionError, KeyError, ValueError):
            found = None
        if found:
            path = f"{found}.{rest}" if rest else found
            if _find(collection, path) is not None:
                return path
        scope = scope.parent
    return None


def rewrite(text: str, obj: Any, collection: Any) -> str:
    """``text`` with every role turned into a cross-reference.

    A target that is documented becomes a link; one that exists but is not on the site (a private
    helper), plain code; a builtin or standard-library name, plain code. A chainrule target that
    names no object stays a *required* reference, so autorefs reports it, naming the target,
    when (and only when) that docstring is rendered on a page.
    """

    def replace(match: re.Match[str]) -> str:
        _, prefix, target, _ = match.groups()
        shown = target.rsplit(".", 1)[-1] if prefix == "~" else target
        path = resolve(obj, target, collection)
        if path is not None:
            return f'<autoref identifier="{path}" optional><code>{shown}</code></autoref>'
        if _external(target):
            return f"`{shown}`"
        return f'<autoref identifier="{target}"><code>{shown}</code></autoref>'

    return ROLE.sub(replace, text)


def _objects(obj: Any) -> Any:
    """``obj`` and everything defined inside it (aliases, i.e. imports, are skipped)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)


class SphinxRoles(griffe.Extension):
    """Rewrites the Sphinx roles in every docstring of a loaded package (see the module's)."""

    def on_package(self, *, pkg: Any, loader: Any, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None and ":`" in obj.docstring.value:
                obj.docstring.value = rewrite(obj.docstring.value, obj, loader.modules_collection)
