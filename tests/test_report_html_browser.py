"""The HTML report in a real browser: what a person sees, a filter that works, no console errors.

Chromium runs headless and is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
JSON messages ending in NUL on fds 3 and 4), so no Python dependency is needed. Without a Chromium
binary these tests are skipped; CI installs Debian's ``chromium`` package.

A full-page screenshot of the report is kept in ``artifacts/checklist-report.png``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from living_checklist.reports import HTML_OPTION

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOT = ARTIFACTS / "checklist-report.png"
TIMEOUT = 30.0

FEATURE = """\
Feature: Pocket calculator
  The calculator a shop assistant uses at the till.

  @CALC-001 @seed-007
  Scenario: Adding two numbers
    Adding is what the till does most.

    Given a number 2
    When I add 3
    Then the result is 5

  @CALC-002
  Scenario: Adding carries into the next digit
    Given a number 9
    When I add 3
    Then the result is 13

  @CALC-003
  Scenario: Dividing by zero is refused
    Given a number 1
    When I divide by 0
    Then an error is shown

  @CALC-004
  Scenario: The display holds enough digits
    Given a number TBD

  @CALC-005
  Scenario: <script>window.__pwned = true</script> & <b>bold</b>
    Given a number 1
    When I add 1
    Then the result is 2
"""

FEATURE_2 = """\
Feature: The till's machine

  @HW-001
  Scenario: The till is fast enough
    Given a number 1
    Then the speed is at least 10 sums per second
"""

CONFTEST = """\
import living_checklist as checklist
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a number {n:d}"), target_fixture="number")
def number(n):
    return n


@when(parsers.parse("I add {m:d}"), target_fixture="number")
def add(number, m):
    return number + m


@then(parsers.parse("the result is {r:d}"))
def result(number, r):
    assert number == r, f"the display shows {number}, expected {r}"


@then(parsers.parse("the speed is at least {n:d} sums per second"))
def speed(request, n):
    checklist.check(request.node, "speed", 12.0, "sums per second", float(n), ">=")
"""


def chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


class Browser:
    """A headless Chromium and the DevTools protocol over a pipe: just what these tests need."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        # Chromium reads commands on fd 3 and writes on fd 4: hand the pipes over as stdin and stdout
        # and let the shell move them there (sh takes single-digit fds only).
        self.proc = subprocess.Popen(
            ["sh", "-c", 'exec "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', "sh", *args],
            stdin=to_chrome_r,
            stdout=from_chrome_w,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.write_fd = to_chrome_w
        self.read_fd = from_chrome_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):  # gone already: it is killed below if not
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.write_fd)
        os.close(self.read_fd)

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise ConnectionError(f"Chromium closed the pipe (exit status {self.proc.poll()})")
                self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)  # type: ignore[no-any-return]

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})  # type: ignore[no-any-return]
            self.events.append(answer)

    def wait_event(self, method: str, session: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            self.events.append(self._receive(deadline))

    def open(self, url: str, width: int = 1280, height: int = 900) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=session)
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics, session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session)
        return Page(self, session)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def js(self, expression: str) -> Any:
        """Evaluate in the page (awaiting a promise) and return the value as JSON data."""
        result = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} raised in the page: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console output, uncaught exceptions, and browser log errors (CSP, failed loads) of this page."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            if event.get("method") == "Runtime.consoleAPICalled":
                texts = [str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])]
                found.append(f"console.{params.get('type')}: {' '.join(texts)}")
            elif event.get("method") == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append(f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}")
            elif event.get("method") == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"log error: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return found

    def visible_ids(self) -> list[str]:
        return list(
            self.js(
                "Array.from(document.querySelectorAll('article.req'))"
                ".filter(e => e.offsetParent !== null).map(e => e.querySelector('.rid').textContent)"
            )
        )

    def screenshot(self, path: Path) -> None:
        height = int(self.js("Math.ceil(document.documentElement.scrollHeight)"))
        width = int(self.js("document.documentElement.clientWidth"))
        shot = self.browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
            session=self.session,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chrome)")
    instance = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        instance.call("Browser.getVersion")
        yield instance
    finally:
        instance.close()


@pytest.fixture
def report(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The HTML report of a real run: verified, failing, undefined, TBD, a hostile name, a measurement."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    pytester.makefile(".feature", **{"features/till/calculator": FEATURE, "features/hardware/machine": FEATURE_2})
    pytester.makeconftest(CONFTEST)
    path = pytester.path / "out" / "checklist.html"
    result = pytester.runpytest(HTML_OPTION, str(path), "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    assert path.is_file()
    return path


def test_a_person_sees_the_totals_and_every_requirement(browser: Browser, report: Path) -> None:
    page = browser.open(report.as_uri())
    cards = page.js(
        "Object.fromEntries(Array.from(document.querySelectorAll('.cards li'))"
        ".map(li => [li.className, li.querySelector('.n').textContent]))"
    )
    assert cards == {
        "requirements": "6",
        "defined": "4",
        "verified": "3",
        "failing": "1",
        "skipped": "0",
        "pending": "2",
        "error": "0",
    }
    assert page.js("document.getElementById('shown').textContent") == "Showing 6 of 6"
    assert sorted(page.visible_ids()) == ["CALC-001", "CALC-002", "CALC-003", "CALC-004", "CALC-005", "HW-001"]
    text = page.js("document.body.innerText")
    assert "3 of 6 requirements verified" in text
    assert "the display shows 12, expected 13" in text  # the failing reason, as written by the step
    assert "sums per second" in text  # the measurement table of HW-001
    # The hostile scenario name is shown as text and its script never ran.
    assert "<script>window.__pwned = true</script> & <b>bold</b>" in text
    assert page.js("window.__pwned === undefined") is True
    assert page.js("document.querySelectorAll('script').length") == 1
    assert page.problems() == []
    page.screenshot(SCREENSHOT)
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_status_filter_shows_only_that_status(browser: Browser, report: Path) -> None:
    page = browser.open(report.as_uri())
    page.js(
        "(() => { const s = document.getElementById('filter-status'); s.value = 'failing';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert page.visible_ids() == ["CALC-002"]
    assert page.js("document.getElementById('shown').textContent") == "Showing 1 of 6"
    assert page.js("location.hash") == "#status=failing"
    # Areas with nothing left to show disappear with their heading.
    assert page.js("document.querySelector('section.area-group[data-area=hardware]').offsetParent") is None
    # Clicking a totals card is another way to filter.
    page.js(
        "new Promise(done => { addEventListener('hashchange', () => setTimeout(done, 0), {once: true});"
        " document.querySelector('.cards .pending a').click(); })"
    )
    assert sorted(page.visible_ids()) == ["CALC-003", "CALC-004"]
    assert page.problems() == []


def test_the_address_selects_the_filter_on_load(browser: Browser, report: Path) -> None:
    page = browser.open(report.as_uri() + "#status=verified&area=hardware")
    assert page.visible_ids() == ["HW-001"]
    assert page.js("document.getElementById('filter-status').value") == "verified"
    assert page.js("document.getElementById('filter-area').value") == "hardware"
    hidden = page.js("Array.from(document.querySelectorAll('article.req[hidden]')).length")
    assert hidden == 5
    assert page.problems() == []


def test_an_unknown_filter_value_shows_everything(browser: Browser, report: Path) -> None:
    page = browser.open(report.as_uri() + "#status=%3Cnope%3E&area=%E0%A4%A")
    assert len(page.visible_ids()) == 6
    assert page.problems() == []


def test_a_search_narrows_the_list(browser: Browser, report: Path) -> None:
    page = browser.open(report.as_uri() + "#q=carries")
    assert page.visible_ids() == ["CALC-002"]
    page.js(
        "(() => { const t = document.getElementById('filter-text'); t.value = 'nothing matches this';"
        " t.dispatchEvent(new Event('input')); })()"
    )
    assert page.visible_ids() == []
    assert page.js("document.getElementById('none-shown').offsetParent !== null") is True
    assert page.problems() == []


def test_console_errors_would_be_seen(browser: Browser, tmp_path: Path) -> None:
    """The check above is worth something: a page that logs and throws is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><title>bad</title><link rel="icon" href="data:,">'
        '<script>console.error("boom"); undefined_function();</script>',
        encoding="utf-8",
    )
    problems = browser.open(bad.as_uri()).problems()
    assert any("console.error: boom" in p for p in problems), problems
    assert any("undefined_function" in p for p in problems), problems


def test_a_link_to_a_hidden_requirement_clears_the_filter(browser: Browser, report: Path) -> None:
    page = browser.open(report.as_uri() + "#status=failing")
    assert page.visible_ids() == ["CALC-002"]
    # The seeds section links CALC-001 (it cites seed-007, which is not in the manifest).
    page.js(
        "new Promise(done => { addEventListener('hashchange', () => setTimeout(done, 0), {once: true});"
        " document.querySelector('#seeds a[href=\"#req-CALC-001\"]').click(); })"
    )
    assert len(page.visible_ids()) == 6
    assert page.js("document.getElementById('filter-status').value") == ""
    top = page.js("document.getElementById('req-CALC-001').getBoundingClientRect().top")
    assert 40 < top < 900  # scrolled to it, below the sticky filter bar
    assert page.problems() == []
