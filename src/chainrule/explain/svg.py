"""An inline SVG of the network with the explained weight and its paths to E highlighted.

Columns are layers (input on the left), circles are units, a small square under each column is
its bias input "1". Each drawn connection is a weight: its line width grows with |w| and its colour
says its sign (blue w > 0, red w < 0). The explained weight has an amber halo; every connection a
path from it to E uses is drawn solid, the others faint. Wide layers show at most
:data:`MAX_UNITS` units (always including the ones on the weight), with a "+N more" label.

Elements carry ``data-*`` attributes (``data-edge="W2[1,1]"``, ``data-weight``, ``data-on-path``,
``data-highlight="weight"``, ``data-unit="layer:unit"``) so a test or a script can read the picture.
"""

from __future__ import annotations

import html

import numpy as np

from chainrule.explain.explanation import ExplanationData
from chainrule.explain.mathexpr import fmt
from chainrule.explain.trace import Names

MAX_UNITS = 10
POSITIVE, NEGATIVE, HIGHLIGHT = "#2563eb", "#dc2626", "#f59e0b"
_DX, _DY, _R, _TOP, _LEFT = 170, 62, 19, 46, 50


def _shown(n: int, keep: set[int]) -> list[int]:
    """The units of a layer to draw (1-based): all if few, else the kept ones and the first."""
    if n <= MAX_UNITS:
        return list(range(1, n + 1))
    chosen = set(keep)
    for u in range(1, n + 1):
        if len(chosen) >= MAX_UNITS - 1:
            break
        chosen.add(u)
    return sorted(chosen)


def _attrs(**attrs: object) -> str:
    return "".join(
        f' {k.replace("_", "-")}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items()
    )


def _unit(unit: str, label: str, x: float, y: float, hot: bool, square: int = 0) -> str:
    """A unit: a circle (a square of half-side ``square`` for a bias input or E), amber when it
    is on a path from the weight to E."""
    fill = "#fff7e6" if hot else ("#f3f4f6" if square else "#ffffff")
    stroke = HIGHLIGHT if hot else ("#9ca3af" if square else "#374151")
    width = 3 if hot else 1.4
    if square:
        shape = (
            f'<rect x="{x - square:.1f}" y="{y - square:.1f}" width="{2 * square}" '
            f'height="{2 * square}" rx="4"'
        )
    else:
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{_R}"'
    data = _attrs(data_unit=unit, data_label=label, data_on_path=str(hot).lower())
    return (
        f'<g{data}>{shape} fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>'
        f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" class="cr-unit">'
        f"{html.escape(label)}</text></g>"
    )


class _Layout:
    """Where each drawn unit sits, and which units are on a path from the weight to E.

    ``pos[layer, u]`` is the centre of unit u (1-based) of ``layer``; ``u = n_layer + 1`` is the
    layer's bias square; ``e`` is the centre of E, level with the outputs.
    """

    def __init__(self, ex: ExplanationData) -> None:
        self.sizes = sizes = list(ex.network.sizes)
        self.L = L = len(sizes) - 1
        self.k, self.i, self.j = k, i, j = ex.weight.layer, ex.weight.row, ex.weight.column
        keep: dict[int, set[int]] = {layer: set() for layer in range(L + 1)}
        if not ex.weight.is_bias:
            keep[k - 1].add(i)
        keep[k].add(j)
        self.shown = [_shown(n, keep[layer]) for layer, n in enumerate(sizes)]
        self.rows = max(len(s) for s in self.shown) + 1  # + the bias square
        self.width = _LEFT * 2 + _DX * (L + 1) + 40
        self.height = _TOP + self.rows * _DY
        self.pos: dict[tuple[int, int], tuple[float, float]] = {}
        for layer, units in enumerate(self.shown):
            for slot, u in enumerate(units):
                self.pos[layer, u] = (self.x_of(layer), self.y_of(slot, len(units)))
            if layer < L:
                bias = (self.x_of(layer), self.y_of(len(units), len(units)))
                self.pos[layer, sizes[layer] + 1] = bias
        self.e = (self.x_of(L) + _DX * 0.75, _TOP + _R + (self.rows - 2) * _DY / 2)

    def x_of(self, layer: int) -> float:
        return _LEFT + _R + layer * _DX

    def y_of(self, slot: int, count: int) -> float:
        offset = (self.rows - 1 - count) * _DY / 2
        return _TOP + _R + offset + slot * _DY

    def on_path(self, layer: int, u: int) -> bool:
        """Is unit u of `layer` on a path from the weight to E?"""
        if layer > self.k:
            return u <= self.sizes[layer]
        if layer == self.k:
            return u == self.j
        return layer == self.k - 1 and u == self.i


def network_svg(ex: ExplanationData) -> str:
    """The drawing as an ``<svg>`` element (no external references)."""
    lay = _Layout(ex)
    halo, edges = _weight_edges(ex, lay)
    edges += _error_edges(lay)
    nodes = _units(ex, lay)
    sizes = "-".join(map(str, lay.sizes))
    title = f"The network {sizes}; {ex.weight.name} and its paths to E"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
        f'width="{lay.width:.0f}" height="{lay.height:.0f}" role="img" id="network-svg" '
        f'data-weight="{html.escape(ex.weight.name)}" data-paths="{ex.n_paths}">'
        f"<title>{html.escape(title)}</title>" + "".join(halo + edges + nodes) + "</svg>"
    )


def _weight_edges(ex: ExplanationData, lay: _Layout) -> tuple[list[str], list[str]]:
    """(the halo behind the explained weight, a line per drawn weight: colour by sign, width by
    size, faded when off the paths)."""
    all_w = np.concatenate([np.abs(W).ravel() for W in ex.network.weights])
    scale = float(all_w.max()) if all_w.size and all_w.max() > 0 else 1.0
    edges, halo = [], []
    for layer in range(1, lay.L + 1):
        W = ex.network.weights[layer - 1]
        n_in = lay.sizes[layer - 1]
        for src in [*lay.shown[layer - 1], n_in + 1]:
            for dst in lay.shown[layer]:
                w = float(W[src - 1, dst - 1])
                is_weight = (layer, src, dst) == (lay.k, lay.i, lay.j)
                path = is_weight or (layer > lay.k and lay.on_path(layer - 1, src) and src <= n_in)
                (x1, y1), (x2, y2) = lay.pos[layer - 1, src], lay.pos[layer, dst]
                common = _attrs(x1=f"{x1:.1f}", y1=f"{y1 + 0:.1f}", x2=f"{x2:.1f}", y2=f"{y2:.1f}")
                sw = 0.6 + 5.4 * abs(w) / scale
                if is_weight:
                    halo.append(
                        f'<line{common} stroke="{HIGHLIGHT}" stroke-width="{sw + 9:.1f}" '
                        'stroke-linecap="round" opacity="0.85" data-halo="weight"/>'
                    )
                edges.append(_edge(common, f"W{layer}[{src},{dst}]", w, sw, path, is_weight))
    return halo, edges


def _edge(common: str, name: str, w: float, sw: float, path: bool, is_weight: bool) -> str:
    data = _attrs(
        data_edge=name,
        data_weight=repr(w),
        data_sign="+" if w >= 0 else "−",
        data_on_path="true" if path else "false",
    )
    extra = _attrs(data_highlight="weight") if is_weight else ""
    stroke = POSITIVE if w >= 0 else NEGATIVE
    opacity = "1" if path else "0.28"
    return (
        f'<line{common} stroke="{stroke}" stroke-width="{sw:.2f}" '
        f'opacity="{opacity}"{data}{extra}><title>{html.escape(name)} = '
        f"{html.escape(fmt(w, 6))}</title></line>"
    )


def _error_edges(lay: _Layout) -> list[str]:
    """Dashed lines from each drawn output to E, to the right of the outputs."""
    ex_, ey = lay.e
    out = []
    for u in lay.shown[lay.L]:
        x1, y1 = lay.pos[lay.L, u]
        out.append(
            f"<line{_attrs(x1=f'{x1:.1f}', y1=f'{y1:.1f}', x2=f'{ex_ - 16:.1f}', y2=f'{ey:.1f}')} "
            'stroke="#6b7280" stroke-width="1.5" stroke-dasharray="4 3" data-edge="E" '
            'data-on-path="true"/>'
        )
    return out


def _units(ex: ExplanationData, lay: _Layout) -> list[str]:
    """Every drawn unit, each layer's bias square, "+n more", the layer captions, and E."""
    names = Names(lay.sizes)
    sizes, k = lay.sizes, lay.k
    nodes = []
    for layer, units in enumerate(lay.shown):
        for u in units:
            x, y = lay.pos[layer, u]
            label = names.unit_label(layer, u)
            nodes.append(_unit(f"{layer}:{u}", label, x, y, lay.on_path(layer, u)))
        if layer < lay.L:
            x, y = lay.pos[layer, sizes[layer] + 1]
            hot = ex.weight.is_bias and layer == k - 1
            nodes.append(_unit(f"{layer}:{sizes[layer] + 1}", "1", x, y, hot, square=12))
        if len(units) < sizes[layer]:
            x, y = lay.pos[layer, units[-1]]
            nodes.append(
                f'<text x="{x:.1f}" y="{y + _R + 16:.1f}" text-anchor="middle" class="cr-more">'
                f"+{sizes[layer] - len(units)} more</text>"
            )
        caption = "input" if layer == 0 else f"layer {layer}: {ex.network.activations[layer - 1]}"
        nodes.append(
            f'<text x="{lay.x_of(layer):.1f}" y="22" text-anchor="middle" class="cr-layer">'
            f"{html.escape(caption)}</text>"
        )
    nodes.append(_unit("E", "E", *lay.e, True, square=16))
    return nodes
