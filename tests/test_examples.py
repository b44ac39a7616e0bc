"""The example scripts run and prove what they print; the gallery's pictures are real pictures.

Each gallery script (examples/*.py) runs in a fresh Python with warnings as errors, writes its
pictures into a temporary folder given on its command line, and is held to the numbers it prints:
the accuracy it claims on new points, the loss it claims fell, the chain-rule product it claims
equals the engine's gradient. A picture must be a PNG that decodes, of a sensible size, and not
blank. docs/gallery.md shows the committed pictures: each must exist and stay under 200 KB.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GALLERY = ROOT / "docs" / "gallery"
CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")


def have_chromium() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return bool(shutil.which(CHROMIUM))


needs_chromium = pytest.mark.skipif(
    not have_chromium(), reason=f"Playwright or {CHROMIUM} is missing (scripts/install-browser.sh)"
)


def run(script: str, *args: str, cwd: Path | None = None) -> str:
    """Run examples/<script> with warnings as errors; return its standard output."""
    done = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in the output:\n{text}"
    return float(found.group(1))


def check_png(path: Path, min_width: int = 300, max_bytes: int = 400_000) -> None:
    """A PNG that decodes, at least ``min_width`` pixels wide, not blank, not huge."""
    Image = pytest.importorskip("PIL.Image")
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert 5_000 < path.stat().st_size < max_bytes, f"{path}: {path.stat().st_size} bytes"
    with Image.open(path) as image:
        image.load()  # decodes every pixel: a truncated file fails here
        assert image.width >= min_width and image.height >= 250, image.size
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is None or len(colours) > 50, f"{path} is nearly blank"


def test_lecture_xor_trains_and_its_chain_rule_matches_the_engine():
    out = run("lecture_xor.py")
    assert "gradcheck passed" in out


@pytest.mark.parametrize(
    ("script", "least"),
    [("boundary_xor.py", 0.95), ("boundary_moons.py", 0.95), ("boundary_spiral.py", 0.90)],
)
def test_a_decision_boundary_example_draws_its_picture_and_reaches_its_accuracy(
    script, least, tmp_path
):
    out = run(script, str(tmp_path))
    accuracy = number(r"test accuracy: ([0-9.]+)", out)
    assert least <= accuracy <= 1.0, out
    picture = tmp_path / script.replace(".py", ".png")
    check_png(picture)
    assert f"wrote {picture}" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [picture.name]


def test_an_example_writes_into_docs_gallery_by_default(tmp_path):
    run("boundary_xor.py", cwd=tmp_path)
    check_png(tmp_path / "docs" / "gallery" / "boundary_xor.png")


def test_the_loss_curve_example_shows_the_validation_loss_turn_up(tmp_path):
    out = run("loss_curve.py", str(tmp_path))
    epochs = number(r"epochs: (\d+)", out)
    best = number(r"best epoch: (\d+)", out)
    at_best = re.search(
        r"at the best epoch: training loss ([0-9.]+), validation loss ([0-9.]+)", out
    )
    at_end = re.search(
        r"at the last epoch: training loss ([0-9.]+), validation loss ([0-9.]+)", out
    )
    assert at_best and at_end, out
    train_best, val_best = map(float, at_best.groups())
    train_end, val_end = map(float, at_end.groups())
    assert 1 <= best < epochs == 300
    assert train_end < train_best  # the training loss kept falling after the best epoch...
    assert val_end > 1.5 * val_best  # ...while the validation loss climbed: overfitting
    check_png(tmp_path / "loss_curve.png")


def test_the_explain_example_writes_the_page_and_its_product_is_the_engines(tmp_path):
    out = run("explain_weight.py", str(tmp_path))
    factors = [float(v) for v in re.findall(r"^  ∂.*= +(-?[0-9.]+)$", out, flags=re.M)]
    assert len(factors) == 3, out  # ∂E/∂ŷ · ∂ŷ/∂h, ∂h/∂h₁, ∂h₁/∂W₁₁⁽¹⁾
    product = number(r"product of the factors: +(\S+)", out)
    engine = number(r"engine \(backpropagation\): +(\S+)", out)
    numeric = number(r"central finite difference: +(\S+)", out)
    assert math.prod(factors) == pytest.approx(product, rel=1e-7)  # factors printed to 1e-10
    assert product == pytest.approx(engine, rel=1e-12)
    assert numeric == pytest.approx(engine, rel=1e-6)
    assert abs(engine) > 1e-3  # a gradient worth explaining, not a saturated unit's
    assert "proven: the three agree" in out
    html = tmp_path / "explain_W1_1_1.html"
    page = html.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert 5_000 < len(page.encode()) < 500_000
    assert "W1[1,1]" in page and "Proven" in page
    assert "<script" not in page.lower()  # self-contained and inert, as to_html promises
    if have_chromium():
        check_png(tmp_path / "explain_W1_1_1.png", min_width=800)
    else:
        assert "no screenshot" in out


@needs_chromium
def test_the_playground_example_trains_in_the_page_and_takes_a_screenshot(tmp_path):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    out = run("playground_screenshot.py", str(tmp_path))
    found = re.search(
        r"trained to step (\d+): training loss ([0-9.]+) at the start, ([0-9.]+)", out
    )
    assert found, out
    step, first, last = int(found.group(1)), float(found.group(2)), float(found.group(3))
    assert step >= 300
    assert last < 0.7 * first, out
    check_png(tmp_path / "playground.png", min_width=800)


def test_the_gallery_page_shows_each_committed_picture_and_its_command():
    page = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\((gallery/[^)\s]+\.png)\)", page)
    scripts = {"boundary_xor", "boundary_moons", "boundary_spiral", "loss_curve"}
    scripts |= {"explain_weight", "playground_screenshot"}
    for name in scripts:
        assert (EXAMPLES / f"{name}.py").is_file()
        assert f"python examples/{name}.py" in page, name
    assert len(images) >= 6, images
    for image in images:
        check_png(ROOT / "docs" / image, max_bytes=200_000)  # small enough to commit
    for link in re.findall(r"\]\((gallery/[^)\s]+)\)", page):
        assert (ROOT / "docs" / link).is_file(), link
