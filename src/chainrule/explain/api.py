"""The explanation with its renderings: :class:`Explanation` and :func:`render`.

The data (:class:`~chainrule.explain.explanation.ExplanationData`) sits below the renderers, and
the renderers are plain functions from that data to text; this module sits above both and only
connects them, so nothing in the explainer imports back what imports it.
"""

from __future__ import annotations

from typing import Any

from chainrule.explain.explanation import ExplanationData
from chainrule.explain.render_html import fragment, page
from chainrule.explain.render_markdown import markdown
from chainrule.explain.render_text import rich_renderable, text
from chainrule.explain.schema import to_dict, to_json
from chainrule.io.atomic import atomic_write_text

#: the formats :func:`render` writes
FORMATS = ("text", "md", "json", "html")


class Explanation(ExplanationData):
    """The chain rule for one weight: factors, paths or δ recursion, proof, step, diagnostics.

    Render it with ``print(ex)`` (terminal), :meth:`to_markdown`, :meth:`to_json`,
    :meth:`to_html`; in Jupyter it shows itself as HTML. ``value`` is the product of the
    factors (for a batch, the weighted sum of the samples' products); ``factors`` holds the
    chain for one sample and is empty for a batch (see ``samples``).
    """

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return to_json(self, indent=indent)

    def to_markdown(self) -> str:
        return markdown(self)

    def to_text(self, width: int = 110, color: bool = False) -> str:
        return text(self, width=width, color=color)

    def to_html(self, path: Any = None) -> str:
        """The self-contained HTML page (no scripts, no network); written to ``path`` if given."""
        out = page(self)
        if path is not None:
            atomic_write_text(path, out, "the explanation")
        return out

    def _repr_html_(self) -> str:
        return fragment(self)

    def __rich__(self) -> Any:
        return rich_renderable(self)

    def __str__(self) -> str:
        return self.to_text()


def render(ex: ExplanationData, format: str = "text") -> str:  # noqa: A002 (the CLI's word)
    """The explanation as a string: ``text`` (terminal, no colour codes), ``md`` (Markdown with
    LaTeX math), ``json`` (schema version :data:`~chainrule.explain.schema.SCHEMA_VERSION`) or
    ``html`` (a whole self-contained page)."""
    key = {"markdown": "md", "txt": "text", "terminal": "text", "htm": "html"}.get(
        str(format).lower(), str(format).lower()
    )
    if key == "text":
        return text(ex)
    if key == "md":
        return markdown(ex)
    if key == "json":
        return to_json(ex)
    if key == "html":
        return page(ex)
    raise ValueError(f"render: unknown format {format!r}; choose one of {', '.join(FORMATS)}")
