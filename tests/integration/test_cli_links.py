"""`flask residents link` prints a full address a worker can send to a resident."""
import re

import pytest

from tests import factories


def test_a_link_is_a_full_address_on_the_local_server_by_default(runner):
    estate = factories.estate(name="新村")
    result = runner.invoke(args=["residents", "link", "--estate", "新村", "1-1-101"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/r/login/[\w-]+\n", result.output)


@pytest.mark.parametrize("app", [{"PUBLIC_BASE_URL": "https://yishi.example.cn"}], indirect=True)
def test_a_link_uses_the_public_address_when_set(runner):
    factories.estate(name="新村")
    result = runner.invoke(args=["residents", "link", "--estate", "新村", "1-1-101"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("https://yishi.example.cn/r/login/")
