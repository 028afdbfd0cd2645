"""Real-browser tests: Debian's headless Chromium (via selenium + chromedriver) against the
real app served by uvicorn on a free 127.0.0.1 port, over the real index and model.

Screenshots go to tests/artifacts/ (gitignored). ``scripts/ensure_browser.sh`` installs
chromium, chromium-driver and selenium; these tests skip — loudly — only when that fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_api import variant
from troly.api import create_app
from troly.services import Services

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    # noise from inside gradio's queue (pandas 3 deprecations), not from troly
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=vi-VN",
]
Q_LEAD = "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024 ở Phú Yên?"
XSS = "<img src=x onerror=alert(1)>"


def _binaries() -> tuple[str | None, str | None]:
    return (
        shutil.which("chromium") or shutil.which("chromium-browser"),
        shutil.which("chromedriver"),
    )


def _loud_skip(reason: str) -> None:
    message = f"\n{'!' * 78}\n!! BROWSER TESTS SKIPPED: {reason}\n{'!' * 78}\n"
    sys.stderr.write(message)
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def _have_selenium() -> bool:
    return importlib.util.find_spec("selenium") is not None


@pytest.fixture(scope="module")
def browser_paths() -> tuple[str, str]:
    chromium, driver = _binaries()
    if not (chromium and driver and _have_selenium()):
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure_browser.sh")], check=False)
        importlib.invalidate_caches()
        chromium, driver = _binaries()
    if not _have_selenium():
        _loud_skip("selenium cannot be imported (scripts/ensure_browser.sh could not install it)")
    if not (chromium and driver):
        _loud_skip("Debian chromium/chromium-driver could not be installed (apt-get failed)")
    assert chromium and driver
    return chromium, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The whole app (API, /ui, /widget.js, /demo) under uvicorn in a background thread."""
    import uvicorn

    tmp = tmp_path_factory.mktemp("browser")
    svc = variant(services, tmp, rate_limit_per_minute=0)
    app = create_app(svc, warmup=False)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "services": svc}
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture()
def driver(browser_paths: tuple[str, str], tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = browser_paths
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    opts.add_argument("--window-size=1280,900")
    d = webdriver.Chrome(options=opts, service=Service(executable_path=chromedriver))
    d.set_page_load_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield d
    d.quit()


def wait_for(fn: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except Exception as exc:  # stale elements while the page re-renders
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}" + (f" ({last!r})" if last else ""))


# -- the widget ----------------------------------------------------------------------------


def _shadow(d: Any) -> Any:
    from selenium.webdriver.common.by import By

    host = wait_for(lambda: d.find_element(By.CSS_SELECTOR, "troly-widget"), 20, "widget host")
    return host.shadow_root


def _ask_widget(d: Any, question: str) -> Any:
    """Type a question, press Enter, wait for the finished bot message; returns it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root = _shadow(d)
    before = len(root.find_elements(By.CSS_SELECTOR, ".msg.bot"))
    box = root.find_element(By.CSS_SELECTOR, "textarea")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)

    def finished() -> Any:
        bots = root.find_elements(By.CSS_SELECTOR, ".msg.bot")
        if len(bots) > before and "pending" not in (bots[-1].get_attribute("class") or ""):
            return bots[-1]
        return None

    return wait_for(finished, 90, "the widget's answer")


def test_widget_answers_with_citations(driver: Any, live: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = driver
    d.get(f"{live['url']}/demo")
    root = _shadow(d)
    launcher = root.find_element(By.CSS_SELECTOR, ".launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.get_attribute("aria-label") == "Mở Trợ lý CCHC"
    launcher.click()
    panel = root.find_element(By.CSS_SELECTOR, "[role=dialog]")
    wait_for(panel.is_displayed, 5, "the panel to open")
    assert launcher.get_attribute("aria-expanded") == "true"
    host = d.find_element(By.CSS_SELECTOR, "troly-widget")
    active_id = (
        "return arguments[0].shadowRoot.activeElement && arguments[0].shadowRoot.activeElement.id"
    )
    wait_for(lambda: d.execute_script(active_id, host) == "troly-input", 5, "focus in the input")

    msg = _ask_widget(d, Q_LEAD)
    text = msg.find_element(By.CSS_SELECTOR, ".text").text
    assert "[1]" in text, text
    details = msg.find_elements(By.CSS_SELECTOR, ".sources details")
    assert details, "at least one citation"
    summary = details[0].find_element(By.CSS_SELECTOR, "summary")
    assert "Phú Yên" in summary.text
    quote = details[0].find_element(By.CSS_SELECTOR, "blockquote")
    assert not quote.is_displayed()
    summary.click()
    wait_for(quote.is_displayed, 5, "the source snippet to expand")
    assert len(quote.text) > 20
    d.save_screenshot(str(ARTIFACTS / "widget-answer.png"))

    # Host-page CSS does not leak in (the demo page sets Georgia, lime buttons, magenta text).
    font = d.execute_script("return getComputedStyle(arguments[0]).fontFamily", quote)
    assert "Georgia" not in font
    send_bg = d.execute_script(
        "return getComputedStyle(arguments[0]).backgroundColor",
        root.find_element(By.CSS_SELECTOR, ".send"),
    )
    assert send_bg != "rgb(0, 255, 0)"
    # ...and the widget's CSS does not leak out.
    page_font = d.execute_script(
        "return getComputedStyle(document.querySelector('main')).fontFamily"
    )
    assert "Georgia" in page_font

    # Keyboard: the focus stays in the panel (trap), Esc closes and returns to the launcher.
    close = root.find_element(By.CSS_SELECTOR, ".close")
    close_is_last = d.execute_script(
        "const r = arguments[0].shadowRoot; r.querySelector('.send').focus();"
        "return r.activeElement.className",
        host,
    )
    assert close_is_last == "send"
    root.find_element(By.CSS_SELECTOR, ".send").send_keys(Keys.TAB)
    wait_for(
        lambda: (
            d.execute_script("return arguments[0].shadowRoot.activeElement.className", host)
            in ("icon-btn new", "icon-btn close")
        ),
        5,
        "focus to wrap to the top of the panel",
    )
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for(lambda: not panel.is_displayed(), 5, "Esc to close the panel")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert (
        d.execute_script("return arguments[0].shadowRoot.activeElement.className", host)
        == "launcher"
    )
    assert close.get_attribute("aria-label") == "Đóng trợ lý"

    # The conversation survives a reload (sessionStorage).
    d.refresh()
    root = _shadow(d)
    root.find_element(By.CSS_SELECTOR, ".launcher").click()
    users = wait_for(lambda: root.find_elements(By.CSS_SELECTOR, ".msg.user"), 10, "restored turns")
    assert Q_LEAD in users[-1].text
    assert root.find_elements(By.CSS_SELECTOR, ".msg.bot .sources details")

    # Feedback from the widget lands in the store.
    up = root.find_element(By.CSS_SELECTOR, ".rate button[aria-label='Hữu ích']")
    up.click()
    wait_for(lambda: "Cảm ơn" in root.find_element(By.CSS_SELECTOR, ".rate [role=status]").text, 10)
    from troly.api.state import FeedbackStore

    rows = FeedbackStore(live["services"].settings.server.feedback_db).rows()
    assert any(r["question"] == Q_LEAD and r["rating"] == "up" for r in rows)


def test_widget_shows_markup_as_text(driver: Any, live: dict[str, Any]) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    d = driver
    d.get(f"{live['url']}/demo")
    root = _shadow(d)
    root.find_element(By.CSS_SELECTOR, ".launcher").click()
    _ask_widget(d, XSS)
    users = root.find_elements(By.CSS_SELECTOR, ".msg.user")
    assert XSS in users[-1].text
    assert root.find_elements(By.CSS_SELECTOR, "img") == []
    assert d.find_elements(By.TAG_NAME, "img") == []
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018
    d.save_screenshot(str(ARTIFACTS / "widget-xss-as-text.png"))


def test_widget_on_a_360px_screen(driver: Any, live: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    d.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True},
    )
    d.get(f"{live['url']}/demo?province=Ph%C3%BA%20Y%C3%AAn")
    root = _shadow(d)
    root.find_element(By.CSS_SELECTOR, ".launcher").click()
    panel = root.find_element(By.CSS_SELECTOR, "[role=dialog]")
    wait_for(panel.is_displayed, 5, "the panel to open")
    msg = _ask_widget(d, "Ai chủ trì kế hoạch kiểm soát thủ tục hành chính năm 2024?")
    assert msg.find_elements(By.CSS_SELECTOR, ".sources details")
    rect = d.execute_script("return arguments[0].getBoundingClientRect().toJSON()", panel)
    assert rect["left"] >= 0 and rect["right"] <= 360 and rect["width"] >= 340
    for sel in ("textarea", ".send", ".close"):
        el = root.find_element(By.CSS_SELECTOR, sel)
        r = d.execute_script("return arguments[0].getBoundingClientRect().toJSON()", el)
        assert r["left"] >= 0 and r["right"] <= 360 and el.is_displayed(), sel
    assert d.execute_script("return document.documentElement.scrollWidth") <= 360
    d.save_screenshot(str(ARTIFACTS / "widget-360px.png"))


# -- the Gradio UI -------------------------------------------------------------------------


def test_gradio_ui_answers_with_citations(driver: Any, live: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    d.get(f"{live['url']}/ui/")
    box = wait_for(
        lambda: d.find_element(By.CSS_SELECTOR, "#troly-question textarea"), 60, "the question box"
    )
    box.send_keys(Q_LEAD)
    d.find_element(By.CSS_SELECTOR, "#troly-send").click()
    options = wait_for(
        lambda: d.find_elements(By.CSS_SELECTOR, "#troly-citations input[type=radio]"),
        90,
        "citations in the side panel",
    )
    chat = d.find_element(By.CSS_SELECTOR, "#troly-chat")
    wait_for(lambda: "Nguồn trích dẫn" in chat.text, 10, "the numbered citations in the answer")
    assert "[1]" in chat.text and "Phú Yên" in chat.text
    labels = d.find_elements(By.CSS_SELECTOR, "#troly-citations label")
    assert labels[0].text.startswith("[1]")
    labels[0].click()
    source = d.find_element(By.CSS_SELECTOR, "#troly-source textarea")
    wait_for(lambda: len(source.get_attribute("value") or "") > 20, 30, "the cited source text")
    title = d.find_element(By.CSS_SELECTOR, "#troly-source-title")
    assert "[1]" in title.text
    assert len(options) >= 1
    d.save_screenshot(str(ARTIFACTS / "ui-answer.png"))

    # Thumbs up goes to the same feedback store as the API.
    like = wait_for(
        lambda: d.find_element(By.CSS_SELECTOR, "#troly-chat button[aria-label='Like']"),
        10,
        "the like button",
    )
    like.click()
    status = d.find_element(By.CSS_SELECTOR, "#troly-status")
    wait_for(lambda: "Cảm ơn" in status.text, 20, "the thank-you note")
    from troly.api.state import FeedbackStore

    rows = FeedbackStore(live["services"].settings.server.feedback_db).rows()
    assert any(r["source"] == "ui" and r["rating"] == "up" for r in rows)

    # A follow-up uses the conversation; markup typed by a user stays text.
    box = d.find_element(By.CSS_SELECTOR, "#troly-question textarea")
    box.send_keys("Cơ quan nào phối hợp?")
    d.find_element(By.CSS_SELECTOR, "#troly-send").click()
    wait_for(
        lambda: (
            len(d.find_elements(By.CSS_SELECTOR, "#troly-chat .message-row, #troly-chat .message"))
            >= 4
            and "▌" not in chat.text
        ),
        90,
        "the follow-up answer",
    )
    box.send_keys(XSS)
    d.find_element(By.CSS_SELECTOR, "#troly-send").click()
    wait_for(lambda: XSS in chat.text and "▌" not in chat.text, 90, "the markup shown as text")
    assert d.find_elements(By.CSS_SELECTOR, "#troly-chat img[src=x]") == []
    d.save_screenshot(str(ARTIFACTS / "ui-conversation.png"))

    # New conversation clears everything.
    d.find_element(By.CSS_SELECTOR, "#troly-new").click()
    wait_for(lambda: XSS not in chat.text, 20, "the chat to clear")
