"""The layering contract: web → bot → core → nlp, never upwards."""
import subprocess
import sys
from pathlib import Path


def test_imports_flow_one_way():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
