"""Drive headless chromium from Python with the standard library alone.

Chromium speaks its DevTools protocol (CDP) over a pair of pipes when started with
``--remote-debugging-pipe``: it reads JSON commands, each ended by a NUL byte, on file
descriptor 3 and writes replies and events the same way on descriptor 4. That is all the
browser tests, ``bench/site.py`` and the screenshots need: open a page, evaluate JavaScript
in it, wait for a condition, take a PNG, and log every network request (of the page and of
its workers), so a test can assert that a page fetched nothing from outside.

    with Browser() as browser:
        page = browser.open("http://127.0.0.1:8000/")
        page.wait_for("document.readyState === 'complete'")
        Path("shot.png").write_bytes(page.screenshot())
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import http.server
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["Browser", "BrowserError", "Page", "Served", "find_chromium", "serve"]


class BrowserError(RuntimeError):
    """The browser died, answered a command with an error, or a wait timed out."""


def find_chromium() -> str | None:
    """The chromium executable: ``$CHROMIUM``, else the first of the usual names on PATH."""
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


# Flags for a quiet, offline-only headless browser: no background requests of its own, and
# every host name except the loopback address resolves to nothing.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-first-run",
         "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


class Browser:
    """One headless chromium process; ``open`` gives a :class:`Page` (a tab)."""

    def __init__(self, executable: str | None = None, width: int = 1280,
                 height: int = 900) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no chromium found (set CHROMIUM or install chromium)")
        self.width, self.height = width, height
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def pipes_at_3_and_4() -> None:  # runs in the child between fork and exec
            # Move both out of the way first: either may already be fd 3 or 4, and
            # dup2 onto itself would keep the close-on-exec flag.
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        # chromium's own log goes to a file: an undrained pipe would block it once full.
        self._log = Path(self._profile.name) / "chromium.log"
        with open(self._log, "wb") as log:
            self._proc = subprocess.Popen(
                [exe, *FLAGS, "--remote-debugging-pipe",
                 f"--user-data-dir={self._profile.name}", f"--window-size={width},{height}",
                 "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                preexec_fn=pipes_at_3_and_4, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # --- the protocol ---------------------------------------------------------------------

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                for waiting in list(self._replies.values()):
                    waiting.put({"error": {"message": "the browser closed its pipe"}})
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message and message["id"] in self._replies:
                    self._replies[message["id"]].put(message)
                else:
                    for listen in list(self._listeners):
                        listen(message)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
        """Send one CDP command and wait for its result."""
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            self._replies[ident] = queue.Queue()
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            del self._replies[ident]
            raise BrowserError(f"{method}: chromium has exited ({self._proc.poll()}): "
                               f"{self.log_tail()}") from None
        try:
            reply = self._replies[ident].get(timeout=timeout)
        except queue.Empty:
            raise BrowserError(f"{method}: no answer from chromium in {timeout} s") from None
        finally:
            del self._replies[ident]
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message', reply['error'])}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def log_tail(self, size: int = 1500) -> str:
        """The end of chromium's own log (for error messages)."""
        try:
            return self._log.read_bytes()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""

    def listen(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback`` with every event (a dict with ``method``, ``params``,
        ``sessionId``)."""
        self._listeners.append(callback)

    # --- pages ----------------------------------------------------------------------------

    def open(self, url: str | None = None) -> Page:
        """A new tab, logging its requests and console, then navigated to ``url``."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        if url is not None:
            page.goto(url)
        return page

    def close(self) -> None:
        """End the browser process (and remove its profile)."""
        if self._proc.poll() is None:
            with contextlib.suppress(BrowserError, OSError):
                self.send("Browser.close", timeout=5)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab: navigate, evaluate JavaScript, wait, screenshot; logs requests and console."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session
        self.requests: list[str] = []       # every URL requested by the page or its workers
        self.failed: list[str] = []         # requests that failed (with the reason)
        self.console: list[str] = []        # console messages and uncaught exceptions
        self._sessions = {session}
        self._urls: dict[str, str] = {}
        browser.listen(self._event)
        # Workers (the playground runs Python in one) get sessions of their own: attach
        # to them automatically, paused until their network log is on.
        self._command("Target.setAutoAttach", {"autoAttach": True, "flatten": True,
                                               "waitForDebuggerOnStart": True})
        for domain in ("Page", "Runtime", "Network"):
            self._command(f"{domain}.enable")
        self._command("Emulation.setDeviceMetricsOverride", {
            "width": browser.width, "height": browser.height, "deviceScaleFactor": 1,
            "mobile": False})

    def _command(self, method: str, params: dict[str, Any] | None = None,
                 timeout: float = 60.0) -> dict[str, Any]:
        return self.browser.send(method, params, self.session, timeout)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method", ""), message.get("params", {})
        if message.get("sessionId") not in self._sessions:
            return
        if method == "Target.attachedToTarget":
            child = params["sessionId"]
            self._sessions.add(child)
            threading.Thread(target=self._start_worker, args=(child,), daemon=True).start()
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
            self._urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed":
            url = self._urls.get(params["requestId"], "?")
            self.failed.append(f"{url}: {params.get('errorText', '')}")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            self.failed.append(f"{params['response']['url']}: HTTP "
                               f"{params['response']['status']}")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", "")))
                            for a in params.get("args", []))
            self.console.append(f"{params.get('type')}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.console.append("exception: " + str(
                details.get("exception", {}).get("description", details.get("text"))))

    def _start_worker(self, child: str) -> None:
        for method in ("Network.enable", "Runtime.enable", "Runtime.runIfWaitingForDebugger"):
            with contextlib.suppress(BrowserError):  # a worker may end before it is set up
                self.browser.send(method, None, child, timeout=30)

    def goto(self, url: str) -> None:
        """Navigate to ``url`` (returns once the navigation is committed)."""
        result = self._command("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"navigating to {url}: {result['errorText']}")

    def eval(self, expression: str, timeout: float = 60.0) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise), as JSON."""
        result = self._command("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
            "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript error in {expression[:80]!r}: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 60.0, poll: float = 0.05) -> Any:
        """Poll until the JavaScript ``expression`` is truthy; return its value."""
        end = time.monotonic() + timeout
        while True:
            try:
                value = self.eval(expression)
            except BrowserError:
                value = None  # e.g. during a navigation
            if value:
                return value
            if time.monotonic() > end:
                raise BrowserError(f"timed out after {timeout} s waiting for {expression!r}; "
                                   f"console: {self.console[-5:]}")
            time.sleep(poll)

    def screenshot(self, full_page: bool = True) -> bytes:
        """The page as PNG bytes (the whole scrollable page by default)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.eval("[document.documentElement.scrollWidth,"
                             " document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1],
                              "scale": 1}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self._command("Page.captureScreenshot", params)["data"])


# --- a static file server on the loopback address -------------------------------------------


class Served:
    """A running loopback server: its ``url`` and the paths it was asked for."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[tuple[str, int]] = []   # (path, HTTP status)


@contextlib.contextmanager
def serve(directory: str | Path) -> Iterator[Served]:
    """Serve ``directory`` (only it) at ``http://127.0.0.1:PORT/`` while the block runs."""
    served = Served("")

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {  # noqa: RUF012  (as the base class declares it)
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
            ".json": "application/json", ".whl": "application/zip"}

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            served.requests.append((self.path, int(code) if str(code).isdigit() else 0))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    served.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
