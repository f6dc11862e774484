"""The CSP allows no inline script or style: no template may carry one (the browser would drop it silently)."""
import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "web" / "templates").rglob("*.html"))
INLINE = re.compile(r"""\son[a-z]+\s*=|\sstyle\s*=|<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|javascript:""", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_script_or_style(template):
    found = INLINE.findall(template.read_text(encoding="utf-8"))
    assert not found, f"{template.name}: {found}"
