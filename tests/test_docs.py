"""The documentation site's moving parts: generated pages, executed pages, docstring references.

`make test` builds the whole site with ``mkdocs build --strict``; these tests pin what that build
relies on, each on its own and fast: the tutorial page, run as the build runs it, prints the
lecture's numbers (worked out here with the math module, never by the library); the command-line
reference lists every command and option of the real parser; every public name has its
reference entry; the docstrings' Sphinx roles become links, and a role naming nothing fails.
"""

from __future__ import annotations

import argparse
import html as html_module
import math
import os
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the docs extra is not installed")
markdown = pytest.importorskip("markdown")
markdown_exec = pytest.importorskip("markdown_exec")
griffe = pytest.importorskip("griffe")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "gen"))

import docs_exec  # noqa: E402
import griffe_roles  # noqa: E402
import hooks  # noqa: E402

import chainrule  # noqa: E402
from chainrule.cli import build_parser  # noqa: E402


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def render_page(path: Path) -> str:
    """The page as HTML, its ``exec="on"`` blocks run by markdown-exec as the site's build runs
    them (from the repository root)."""
    fences = [
        {
            "name": "python",
            "class": "python",
            "validator": markdown_exec.validator,
            "format": markdown_exec.formatter,
        }
    ]
    md = markdown.Markdown(
        extensions=["pymdownx.superfences", "pymdownx.tabbed", "tables"],
        extension_configs={"pymdownx.superfences": {"custom_fences": fences}},
    )
    return md.convert(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tutorial_html() -> str:
    here = Path.cwd()
    try:
        os.chdir(ROOT)
        return render_page(DOCS / "tutorial" / "backprop.md")
    finally:
        os.chdir(here)


# ---------------------------------------------------------------- the tutorial


def test_the_tutorial_prints_the_lectures_numbers(tutorial_html):
    # x = (1, 2), y = 1;  W1 = [[0.5, -0.5], [0.25, 0.75], [0, 0.5]],  W2 = [[1], [-1], [0.5]]
    h1 = 0.5 * 1 + 0.25 * 2 + 0.0  # = 1.0
    h2 = -0.5 * 1 + 0.75 * 2 + 0.5  # = 1.5
    h = 1.0 * sigma(h1) - 1.0 * sigma(h2) + 0.5
    yhat = sigma(h)
    E = -math.log(yhat)  # y = 1
    dE_dyhat = (yhat - 1) / (yhat * (1 - yhat))
    dyhat_dh = yhat * (1 - yhat)
    dh_dh1 = 1.0 * sigma(h1) * (1 - sigma(h1))
    dh1_dw = 1.0  # x1
    dE_dw = dE_dyhat * dyhat_dh * dh_dh1 * dh1_dw
    assert dE_dw == pytest.approx(-0.0782666873, abs=1e-10)  # the lecture test's value

    text = re.sub(r"<[^>]+>", "", tutorial_html)  # the printed output, without markup
    assert f"ŷ = {yhat:.8f}" in text
    assert f"net.error = {E:.10f}" in text
    for value in (dE_dyhat, dyhat_dh, dh_dh1):  # each factor: by its formula and by the engine
        assert text.count(f"{value:.10f}") >= 2
    assert f"product of the factors    {dE_dw:.12f}" in text
    assert f"autodiff (net.gradients) {dE_dw:.12f}" in text
    assert f"ŷ − y         = {yhat - 1:.10f}" in text
    # one step, lr = 0.5: W11 ← 0.5 − 0.5 · ∂E/∂W11, and E goes down
    assert f"W11^(1): 0.5000000000 → {0.5 - 0.5 * dE_dw:.10f}" in text
    before, after = map(float, re.search(r"E:\s+([\d.]+) → ([\d.]+)", text).groups())
    assert before == pytest.approx(E, abs=1e-10) and after < before


def test_the_tutorial_trains_to_a_decision_boundary_and_shows_it(tutorial_html):
    accuracy = float(re.search(r"training accuracy: ([\d.]+)", tutorial_html).group(1))
    assert accuracy >= 0.95
    assert re.search(
        r'<img alt="The decision boundary[^"]*" src="data:image/png;base64,', tutorial_html
    )
    assert "Traceback" not in tutorial_html


# ---------------------------------------------------------------- generated reference pages


def test_every_public_name_has_a_reference_entry():
    assert hooks.undocumented_names(DOCS) == []
    documented = hooks.documented_names(DOCS)
    assert documented["MLP"] == "reference/networks.md"
    assert documented["gradcheck"] == "reference/engine.md"


def test_a_missing_reference_entry_is_found(tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "api.md").write_text("::: chainrule.MLP\n::: chainrule.grad\n")
    missing = hooks.undocumented_names(tmp_path)
    assert "MLP" not in missing and "grad" not in missing
    assert "gradcheck" in missing and len(missing) == len(chainrule.__all__) - 2


def test_the_cli_reference_has_every_command_and_option():
    parser = build_parser()
    page = hooks.cli_reference(parser)
    commands = hooks.subcommands(parser)
    assert {"train", "predict", "evaluate", "info", "gradcheck", "explain", "export"} <= set(
        commands
    )
    for name, sub in commands.items():
        assert f"## `chainrule {name}`" in page
        assert f"usage: chainrule {name}" in page
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            for option in action.option_strings:
                assert f"`{option}" in page or f", {option}" in page, (name, option)
    # help texts are shown as written, not read as HTML or emphasis
    assert "&lt;model&gt;.loss.png" in page
    assert "(default: 0.003)" in page  # train --lr's default, expanded from argparse


def test_help_text_is_escaped_for_markdown():
    assert hooks._cell("a | b <x> *y* snake_case\n  more") == (
        "a \\| b &lt;x&gt; \\*y\\* snake\\_case more"
    )


# ---------------------------------------------------------------- docstring references


@pytest.fixture(scope="module")
def package():
    loader = griffe.GriffeLoader(
        search_paths=[str(ROOT / "src")],
        extensions=griffe.load_extensions(griffe_roles.SphinxRoles),
    )
    return loader, loader.load("chainrule")


def test_sphinx_roles_become_cross_references(package):
    _, pkg = package
    doc = pkg["explain.core.explain"].docstring.value  # "a :class:`~chainrule.Sequential` ..."
    assert ":class:`" not in doc
    assert '<autoref identifier="chainrule.Sequential" optional><code>Sequential</code>' in doc


def test_roles_resolve_relative_names_builtins_and_broken_targets(package):
    loader, pkg = package
    fit = pkg.get_member("training.loop")
    text = griffe_roles.rewrite(
        ":class:`History` :exc:`ValueError` :func:`~chainrule.no.such.thing`",
        fit,
        loader.modules_collection,
    )
    assert 'identifier="chainrule.training.callbacks.History" optional' in text
    assert "`ValueError`" in text
    # a target that names nothing stays a required reference: the strict build reports it
    assert '<autoref identifier="chainrule.no.such.thing"><code>thing</code>' in text


# ---------------------------------------------------------------- the pages' shell helper


def test_sh_prints_a_session_and_hides_repeated_lines():
    folder = docs_exec.scratch("test-docs")
    text = docs_exec.sh("chainrule --version", "test-docs")
    assert text == f"$ chainrule --version\nchainrule {chainrule.__version__}"

    command = "chainrule train --dataset xor --epochs 4 --no-loss-plot --out xor.chainrule"
    lines = docs_exec.sh(command, "test-docs", hide=r"^epoch \d").splitlines()
    assert lines[0] == f"$ {command}"
    epochs = [i for i, line in enumerate(lines) if line.startswith("epoch ")]
    assert len(epochs) == 1 and lines[epochs[0]].startswith("epoch 1/4")
    assert lines[epochs[0] + 1] == "[... 3 more like it]"
    assert (folder / "xor.chainrule").is_file()  # it ran in the page's scratch folder


def test_sh_fails_the_build_when_a_command_fails():
    docs_exec.scratch("test-docs-fail")
    with pytest.raises(RuntimeError, match=r"exited with 2:\n.*no-such.csv: cannot read"):
        docs_exec.sh("chainrule train no-such.csv", "test-docs-fail")
    with pytest.raises(ValueError, match="chainrule commands only"):
        docs_exec.sh("rm -rf /", "test-docs-fail")


# ---------------------------------------------------------------- training at scale


def _rendered_text(page: str) -> str:
    """The page run as the build runs it (from the repository root), as text without markup."""
    here = Path.cwd()
    try:
        os.chdir(ROOT)
        page_html = render_page(DOCS / page)
    finally:
        os.chdir(here)
    assert "Traceback" not in page_html, page_html[page_html.index("Traceback") :][:3000]
    return html_module.unescape(re.sub(r"<[^>]+>", "", page_html))


def test_the_scale_pages_are_in_the_nav_and_their_api_in_the_reference():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in ("howto/larger-than-memory.md", "howto/distributed.md", "scaling.md"):
        assert re.search(rf":\s+{re.escape(page)}\s*$", nav, re.M), page
    reference = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "reference").glob("*.md"))
    for name in ("data.Stream", "distributed", "errors.CheckpointError", "errors.DistributedError"):
        assert re.search(rf"^::: chainrule\.{re.escape(name)}\s*$", reference, re.M), name


def test_the_streaming_page_stays_under_its_limit_and_matches_in_memory_training():
    pytest.importorskip("pyarrow")
    text = _rendered_text("howto/larger-than-memory.md")
    held = re.search(r"peak held: .* = ([\d.]+) MB \(limit 1 MB, file ([\d.]+) MB\)", text)
    assert held, text
    assert float(held.group(1)) < 1.0 and float(held.group(2)) > 2.0  # a file ≥ 2 × the limit
    streamed = float(re.search(r"streamed: test accuracy ([\d.]+)", text).group(1))
    in_memory = float(re.search(r"in memory: test accuracy ([\d.]+)", text).group(1))
    assert streamed > 0.85 and abs(streamed - in_memory) <= 0.01
    assert "train.parquet: streaming 50000 rows in chunks of" in text  # the CLI streamed it
    assert re.search(r"test \(test\.parquet\): accuracy 0\.(8[5-9]|9)", text)


def test_the_distributed_page_runs_two_ranks_and_a_killed_run_resumes_bit_for_bit():
    pytest.importorskip("mpi4py")
    if not (Path(sys.executable).parent / "mpiexec").exists():
        pytest.skip("no mpiexec next to the Python executable (pip install mpich)")
    text = _rendered_text("howto/distributed.md")
    runs = re.findall(r"(\d) rank\(s\), each.*\nloss ([\d.]+) -> ([\d.]+)", text)
    assert [n for n, *_ in runs] == ["2", "1"] and runs[0][1:] == runs[1][1:]
    relative = [float(r) for r in re.findall(r"largest difference \S+, relative (\S+)", text)]
    assert len(relative) == 2 and max(relative) < 1e-6  # 2 ranks = 1 process
    assert text.count("wrote model.chainrule") == 1  # rank 0 alone
    assert "[killed by signal 9]" in text and "killed.npz exists: False" in text
    assert "weights equal bit for bit: True" in text
