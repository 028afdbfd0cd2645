"""Security in a real browser (headless Chromium): markup in questions *and in document text*
is shown as text in /ui/ and in the widget, the chat works under its Content-Security-Policy
and cannot fetch outside images, and the widget still embeds on another site (origin).

The app here has an index of its own: one small plan whose text contains ``<script>`` and an
``onerror`` image, so the cited source itself is hostile.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration import test_browser as tb
from tests.integration.test_browser import ARTIFACTS, _ask_widget, _free_port, _shadow, wait_for
from troly.api import create_app
from troly.services import Services, build_services
from troly.settings import QdrantSettings, Settings

# The real-browser fixtures of test_browser.py (Chromium via selenium), shared.
browser_paths = tb.browser_paths
driver = tb.driver

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
]

PAYLOAD_SCRIPT = "<script>window.__troly_xss = 1</script>"
PAYLOAD_IMG = '<img src=x onerror="window.__troly_xss = 2">'
PLAN = f"""ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM
KẾ HOẠCH
Cải cách hành chính nhà nước tỉnh Thử Nghiệm năm 2026

I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao chất lượng phục vụ người dân {PAYLOAD_SCRIPT} và doanh nghiệp trên địa bàn tỉnh.
2. Yêu cầu
Các sở, ngành bảo đảm an toàn thông tin {PAYLOAD_IMG} khi cung cấp dịch vụ công trực tuyến.

II. NHIỆM VỤ
1. Cải cách thủ tục hành chính
Sở Tư pháp chủ trì rà soát thủ tục hành chính, hoàn thành trong Quý II/2026.
"""
Q_PLAN = "Mục đích nâng cao chất lượng phục vụ người dân của tỉnh Thử Nghiệm năm 2026 là gì?"


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose (one server per module)
    page = b""

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = type(self).page if self.path.startswith("/host") else b"GIF89a"
        self.send_response(200)
        self.send_header(
            "Content-Type", "text/html" if self.path.startswith("/host") else "image/gif"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def other_site() -> Iterator[dict[str, Any]]:
    """Another origin on 127.0.0.1: counts image fetches and hosts a page embedding the widget."""
    port = _free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{port}", "handler": _Counter}
    server.shutdown()


@pytest.fixture(scope="module")
def hostile_live(
    services: Services,
    tmp_path_factory: pytest.TempPathFactory,
    other_site: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    import uvicorn

    root = tmp_path_factory.mktemp("browser-sec")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "thu-nghiem-2026.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "manifest.yaml").write_text(
        "documents:\n  - id: thu-nghiem-2026\n    file: thu-nghiem-2026.txt\n"
        "    province: Thử Nghiệm\n    year: 2026\n",
        encoding="utf-8",
    )
    settings = Settings(
        corpus_dir=corpus,
        data_dir=root,
        qdrant=QdrantSettings(path=root / "q"),
        server={
            "feedback_db": root / "fb.sqlite3",
            "rate_limit_per_minute": 0,
            "rate_limit_per_ip_per_minute": 0,
            "cors_origins": [other_site["url"]],
        },
    )
    svc = build_services(settings, embedder=services.embedder)
    summary = svc.ingest()
    assert summary.documents == 1, summary.errors
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(svc, warmup=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            proxy_headers=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    _Counter.page = (
        "<!doctype html><html lang=vi><meta charset=utf-8><title>Cổng DVC</title>"
        f'<main><h1>Cổng dịch vụ công</h1></main><script src="{url}/widget.js" '
        'data-title="Trợ lý CCHC" data-province="Thử Nghiệm" defer></script></html>'
    ).encode()
    yield {"url": url, "services": svc}
    server.should_exit = True
    thread.join(timeout=15)
    svc.close()


def _no_xss(d: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    assert d.execute_script("return window.__troly_xss === undefined")
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018


def test_widget_cross_site_with_hostile_document_text(
    driver: Any, hostile_live: dict[str, Any], other_site: dict[str, Any]
) -> None:
    """The widget on another origin (CORS allowlisted) answers; the cited source containing
    <script>/<img onerror> is shown as text and runs nothing."""
    from selenium.webdriver.common.by import By

    d = driver
    d.get(f"{other_site['url']}/host")
    root = _shadow(d)
    root.find_element(By.CSS_SELECTOR, ".launcher").click()
    msg = _ask_widget(d, Q_PLAN)
    quotes = msg.find_elements(By.CSS_SELECTOR, ".sources details")
    assert quotes, msg.text
    for det in quotes:
        det.find_element(By.CSS_SELECTOR, "summary").click()
    shown = " ".join(q.text for q in msg.find_elements(By.CSS_SELECTOR, "blockquote"))
    shown += " " + msg.text
    assert "<script>" in shown or "<img" in shown, shown[:500]
    assert root.find_elements(By.CSS_SELECTOR, "script, img") == []
    _no_xss(d)
    d.save_screenshot(str(ARTIFACTS / "security-widget-cross-site.png"))


def test_ui_under_csp_shows_hostile_text_and_fetches_no_outside_image(
    driver: Any, hostile_live: dict[str, Any], other_site: dict[str, Any]
) -> None:
    from selenium.webdriver.common.by import By

    d = driver
    other_site["handler"].hits.clear()
    d.get(f"{hostile_live['url']}/ui/")
    box = wait_for(
        lambda: d.find_element(By.CSS_SELECTOR, "#troly-question textarea"), 60, "the question box"
    )
    # The chat works under its CSP: a question about the hostile plan is answered and cited.
    box.send_keys(Q_PLAN)
    d.find_element(By.CSS_SELECTOR, "#troly-send").click()
    chat = d.find_element(By.CSS_SELECTOR, "#troly-chat")
    # Citations are under the answer: each a <details> whose body is the cited text.
    details = wait_for(
        lambda: (
            "▌" not in chat.text
            and "[1]" in chat.text
            and chat.find_elements(By.CSS_SELECTOR, ".troly-sources details")
        ),
        90,
        "the finished answer and its citations",
    )
    shown = []
    for det in details:
        det.find_element(By.CSS_SELECTOR, "summary").click()
        quote = det.find_element(By.CSS_SELECTOR, ".troly-quote")
        wait_for(lambda q=quote: q.is_displayed() and len(q.text) > 10, 20, "the source text")
        shown.append(quote.text)
    # the hostile markup of the cited plan is shown as text, and nothing of it ran
    assert any("<script>" in t or "<img" in t for t in shown), shown
    assert chat.find_elements(By.CSS_SELECTOR, "script, img[src=x]") == []
    _no_xss(d)
    # A Markdown image and raw HTML in a question: whatever the chat's Markdown makes of
    # them, the browser fetches nothing from another origin (CSP img-src) and runs nothing.
    for q in (
        f"![x]({other_site['url']}/pixel.gif?md) ai chủ trì?",
        f'<img src="{other_site["url"]}/pixel.gif?html"> ai chủ trì?',
    ):
        before = chat.text.count("ai chủ trì?")
        box = d.find_element(By.CSS_SELECTOR, "#troly-question textarea")
        box.send_keys(q)
        d.find_element(By.CSS_SELECTOR, "#troly-send").click()
        wait_for(
            lambda b=before: chat.text.count("ai chủ trì?") > b and "▌" not in chat.text,
            90,
            "the question's turn",
        )
    time.sleep(1.0)
    assert [h for h in other_site["handler"].hits if "pixel" in h] == []
    _no_xss(d)
    d.save_screenshot(str(ARTIFACTS / "security-ui-hostile.png"))


def test_csp_blocks_outside_images_even_if_markup_slipped_through(
    driver: Any, hostile_live: dict[str, Any], other_site: dict[str, Any]
) -> None:
    """Defence in depth: even an <img> inserted into the /ui/ page cannot load from another
    origin (img-src 'self' data: blob:), and the page refuses to be framed."""
    d = driver
    other_site["handler"].hits.clear()
    d.get(f"{hostile_live['url']}/ui/")
    wait_for(lambda: d.execute_script("return document.readyState") == "complete", 30, "load")
    d.execute_script(
        "const i = document.createElement('img');"
        f"i.src = '{other_site['url']}/pixel.gif?injected'; document.body.appendChild(i);"
    )
    time.sleep(1.5)
    assert [h for h in other_site["handler"].hits if "injected" in h] == []
    # framing /ui/ from another origin is refused (frame-ancestors 'none' / X-Frame-Options)
    d.get(f"{other_site['url']}/host")
    d.execute_script(
        "const f = document.createElement('iframe'); f.id = 'fr';"
        f"f.src = '{hostile_live['url']}/ui/'; document.body.appendChild(f);"
    )
    time.sleep(3)
    d.switch_to.frame(d.find_element("id", "fr"))
    framed_text = d.execute_script("return document.body ? document.body.innerText : ''")
    d.switch_to.default_content()
    assert "Trợ lý" not in (framed_text or "")
