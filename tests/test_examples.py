"""The example scripts run and prove what they print."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_lecture_xor_trains_and_its_chain_rule_matches_the_engine():
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "lecture_xor.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "gradcheck passed" in done.stdout
    assert "Traceback" not in done.stderr
