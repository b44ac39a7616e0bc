"""The README's Python examples run as written (so the docs cannot drift from the code)."""

import re
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, capsys):
    namespace: dict = {"np": np, "cr": cr}  # the blocks continue the first one's imports
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), namespace)
    if "Cube" in namespace and "t" in namespace:
        assert namespace["t"].grad.tolist() == [3.0, 12.0]
    if "report" in namespace:
        assert namespace["report"].passed
    if "detect_anomaly" in BLOCKS[index]:
        assert "log produced NaN in its forward pass" in capsys.readouterr().out
