"""The import contracts: web → bot → core → nlp, core's features in layers over the shared base, each feature
used by the others only through its public modules, and no import circle."""
import subprocess
import sys
from pathlib import Path


def test_imports_flow_one_way():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 kept, 0 broken" in result.stdout
