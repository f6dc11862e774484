"""Browser tests: the app served on a free loopback port, driven by Debian's headless Chromium.

Screenshots of the residents' pages go to test-output/screenshots/ (or $YISHI_SCREENSHOTS)."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("YISHI_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-output" / "screenshots")
PHONE = (390, 844)  # a common phone's CSS pixels


@pytest.fixture
def live_server(app):
    """The test's app on http://127.0.0.1:<port>, each request in its own thread and session, as in production."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _chromium(tmp_path, size):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail("Debian's chromium and chromium-driver are missing: `make test` installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # No background networking: the machine's closed network would refuse it, slowly.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_window_size(*size)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow",
                                                          "downloadPath": str(tmp_path / "downloads")})
    return driver


@pytest.fixture
def phone_browser(tmp_path):
    driver = _chromium(tmp_path, PHONE)
    yield driver
    driver.quit()


@pytest.fixture
def desktop_browser(tmp_path):
    driver = _chromium(tmp_path, (1280, 900))
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> Path:
    """Keep a full-height picture of the page in the test output."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, max(height + 120, PHONE[1]))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(width, PHONE[1] if width == PHONE[0] else 900)
    return path
