"""The README's Python examples run as written (so the docs cannot drift from the code).

The blocks run in order in one namespace, as a reader would type them into one session: a later
block may use what an earlier one defined (``net``, ``X``, ``y``). They run in a temporary folder,
since some write files (``model.chainrule``, ``why.html``).
"""

import re
from pathlib import Path

import numpy as np

import chainrule as cr

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 6


def test_readme_examples_run_in_order(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for index, block in enumerate(BLOCKS):
        exec(compile(block, f"README.md[python block {index}]", "exec"), namespace)
        if "Cube" in block:
            assert namespace["t"].grad.tolist() == [3.0, 12.0]
        if "report = cr.gradcheck" in block:
            assert namespace["report"].passed
        if "detect_anomaly" in block:
            assert "log produced NaN in its forward pass" in capsys.readouterr().out
        if "cr.explain(net" in block:
            proof = namespace["ex"].proof
            assert proof is not None
    # what the examples promise
    assert (tmp_path / "model.chainrule").is_file() and (tmp_path / "why.html").is_file()
    assert namespace["accuracy"] >= 0.9
    assert namespace["clf"].score(namespace["X_test"], namespace["y_test"]) >= 0.9
    net2 = cr.load(tmp_path / "model.chainrule")
    np.testing.assert_array_equal(net2.weights[0], namespace["net"].weights[0])
