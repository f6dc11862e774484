"""What a newcomer and a worker see in a laptop's browser (1366 px). Screenshots go to test-output/screenshots/."""
import pytest
from selenium.webdriver.common.by import By

from core.db import db
from tests.browser.conftest import _chromium, screenshot
from tests.browser.test_roles import _go, _text

LAPTOP = (1366, 768)


@pytest.fixture
def laptop_browser(tmp_path):
    driver = _chromium(tmp_path, LAPTOP)
    yield driver
    driver.quit()


@pytest.mark.parametrize("app", [{"WECHAT_SIMULATOR": True}], indirect=True)
def test_the_front_page_shows_where_to_start_and_the_demo_resident_door_works(app, live_server, laptop_browser):
    from core.demo import seed

    seed()
    db.session.commit()
    driver = laptop_browser
    driver.get(live_server + "/")
    text = _text(driver)
    assert "登录工作台" in text and "居民" in text and "demo-worker-2026" in text and "打开微信模拟器" in text
    screenshot(driver, "landing")
    _go(driver, driver.find_element(By.LINK_TEXT, "登录工作台"))
    assert "工作人员登录" in _text(driver)
    driver.get(live_server + "/")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#demo form button"))
    _go(driver, driver.find_element(By.CSS_SELECTOR, "button.big"))  # the one-time link's 进入
    assert "粮食局家属院" in _text(driver) or "加装电梯" in _text(driver)
