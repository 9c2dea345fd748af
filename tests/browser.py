"""Headless Chromium driven through the DevTools protocol over a pipe, for the report
page's browser test and its screenshot (no driver, no network port, no extra package).

``--remote-debugging-pipe`` makes Chromium read protocol messages (JSON, each ended by a
NUL byte) from file descriptor 3 and write its own to 4. :class:`Chromium` opens one
page, records every console message, uncaught exception, log entry and network request
while it loads, and answers questions about the page (``evaluate``) and its pixels
(``screenshot``).

Run as a script, it writes the screenshot of the bundled sample's report that the README
shows::

    python -m tests.browser docs/images/report.png
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

__all__ = ["Chromium", "chromium_path"]

#: Flags for a quiet, closed headless browser (no background requests, no first-run UI).
FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)


def chromium_path() -> str | None:
    """The Chromium to use: ``$TEARCORPUS_CHROMIUM``, else the first of ``chromium``,
    ``chromium-browser``, ``google-chrome`` on the PATH."""
    given = os.environ.get("TEARCORPUS_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class ProtocolError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with one page (a context manager)."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 900) -> None:
        self.profile = tempfile.mkdtemp(prefix="tearcorpus-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds() -> None:
            # In the child: the pipe ends at 3 and 4 (moved out of the way first, in case
            # either is 3 or 4 already). They are the only inheritable descriptors: Python
            # opens every other one close-on-exec.
            import fcntl

            reading = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        args = [executable, *FLAGS, f"--user-data-dir={self.profile}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.process = subprocess.Popen(
            [*args, "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=fds,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.session: str | None = None
        #: Every event met, in order: ``(method, params)``.
        self.events: list[tuple[str, dict[str, Any]]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.session = None
            self.call("Browser.close", timeout=5)
        except (ProtocolError, OSError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- the protocol ------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        data = orjson.dumps(message) + b"\0"
        while data:
            data = data[os.write(self._to_browser, data) :]

    def _receive(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ProtocolError("Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = orjson.loads(message)
        return parsed

    def call(self, method: str, *, timeout: float = 30, **params: Any) -> dict[str, Any]:
        """Send a command (to the page's session once attached); return its result.
        Events that come first are recorded in :attr:`events`."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        self._send(message)
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise ProtocolError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self.events.append((answer["method"], answer.get("params", {})))

    def wait_for(self, method: str, *, timeout: float = 30) -> dict[str, Any]:
        """Wait for the next event *method* (or return one already recorded since the
        last wait)."""
        for index, (name, params) in enumerate(self.events):
            if name == method and not params.get("_seen"):
                self.events[index] = (name, {**params, "_seen": True})
                return params
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if "method" in message:
                got: dict[str, Any] = message.get("params", {})
                matched = message["method"] == method
                self.events.append((message["method"], {**got, "_seen": matched}))
                if matched:
                    return got

    # -- what tests use ----------------------------------------------------------------

    def open(self, path: Path) -> None:
        """Load the local file *path* and wait until it has loaded."""
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("1")  # the events of the load, handed over before the answer

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript *expression* in the page (JSON values)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise ProtocolError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self, since: int = 0) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries
        (a refused resource, a policy violation) among the events from *since* on."""
        found = []
        for method, params in self.events[since:]:
            if method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "assert",
                "warning",
            ):
                args = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
                found.append(f"console.{params['type']}: {' '.join(args)}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                error = details.get("exception", {}).get("description") or details.get("text")
                found.append(f"uncaught: {error}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log ({params['entry']['source']}): {params['entry']['text']}")
        return found

    def requests(self, since: int = 0) -> list[str]:
        """The URLs asked for, among the events from *since* on."""
        return [
            params["request"]["url"]
            for method, params in self.events[since:]
            if method == "Network.requestWillBeSent"
        ]

    def screenshot(self, *, full_page: bool = True) -> bytes:
        """A PNG of the page (all of it, or the viewport)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])


def _main(argv: list[str]) -> int:
    """Write the screenshot of the bundled sample's report to ``argv[0]``."""
    import tearcorpus

    if len(argv) != 1:
        print("usage: python -m tests.browser OUT.png", file=sys.stderr)
        return 2
    executable = chromium_path()
    if executable is None:
        print("Chromium not found: apt-get install chromium (or set TEARCORPUS_CHROMIUM)")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        tearcorpus.write_report(tearcorpus.sample_path(), page)
        with Chromium(executable, width=1200, height=900) as browser:
            browser.open(page)
            problems = browser.problems()
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 1
            shot = browser.screenshot()
    # 256 colours: a third of the size, the same picture to the eye.
    from PIL import Image

    image = Image.open(io.BytesIO(shot)).convert("RGB").quantize(256, Image.Quantize.MEDIANCUT)
    image.save(argv[0], optimize=True)
    print(f"wrote {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
