"""A small Language Server Protocol client for the editor tests.

It starts a language server as a child process and exchanges JSON-RPC
messages with it over stdin and stdout, in Content-Length frames. It responds
to the requests the server sends, workspace/configuration above all, and keeps
the diagnostics the server publishes. Every wait has a deadline, and `close`
ends the child process even when the server does not shut down.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable
from urllib.parse import unquote

# Settings of the YAML language server. With the schema store on, which is the
# server's default, it downloads the schemastore.org catalog. Off, the only
# schema it reads is the local file that a values file names on its first line.
YAML_SETTINGS: dict[str, Any] = {
    "validate": True,
    "completion": True,
    "hover": True,
    "schemas": {},
    "schemaStore": {"enable": False},
    "kubernetesCRDStore": {"enable": False},
}

CLIENT_CAPABILITIES: dict[str, Any] = {
    "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": False}},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False},
        "publishDiagnostics": {"relatedInformation": True},
        "completion": {
            "completionItem": {"snippetSupport": True, "documentationFormat": ["markdown", "plaintext"]},
        },
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    },
}


class LanguageServerError(Exception):
    """Failure of the server: no response in time, an error response, or an exited process."""


class LanguageServer:
    """A running language server, with the diagnostics and log messages it has sent so far."""

    def __init__(self, command: list[str], root: Path, *, timeout: float = 30.0, settings: dict[str, Any] | None = None) -> None:
        self.timeout = timeout
        self.settings = {"yaml": settings if settings is not None else YAML_SETTINGS, "http": {"proxy": "", "proxyStrictSSL": True}}
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.log: list[str] = []
        self.configuration_requests = 0
        self._incoming: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._responses: dict[int, dict[str, Any]] = {}
        self._next_id = 0
        self._ended = False
        self._stderr: list[str] = []
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._threads = [
            threading.Thread(target=self._read_frames, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        try:
            self.server_info = self.initialize(root)
        except BaseException:
            self.close()
            raise

    # Life cycle

    def initialize(self, root: Path) -> dict[str, Any]:
        """Send initialize and initialized, wait for the settings request, and return the server's capabilities."""
        result = self.request(
            "initialize",
            {
                "processId": None,
                "clientInfo": {"name": "chartgen-tests"},
                "locale": "en",
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": CLIENT_CAPABILITIES,
            },
        )
        self.notify("initialized", {})
        # The server requests its settings right after `initialized`. Documents
        # are opened only once it has them, so that the schema store setting
        # applies from the first validation on.
        self.wait_until(lambda: self.configuration_requests > 0, "the settings request (workspace/configuration) from the server")
        return result

    def close(self) -> None:
        """Send shutdown and exit, then terminate or kill the process if it is still running."""
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
                self.process.wait(timeout=5)
        except (LanguageServerError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
            for thread in self._threads:
                thread.join(timeout=5)

    def __enter__(self) -> LanguageServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Documents

    def open(self, path: Path, text: str | None = None) -> str:
        """Open a document as an editor does and return its URI."""
        uri = path.resolve().as_uri()
        self.diagnostics.pop(unquote(uri), None)
        content = path.read_text(encoding="utf-8") if text is None else text
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": content}})
        return uri

    def diagnostics_for(self, uri: str) -> list[dict[str, Any]]:
        """Wait for the diagnostics the server publishes for an open document and return them."""
        key = unquote(uri)
        self.wait_until(lambda: key in self.diagnostics, f"diagnostics for {uri}")
        return self.diagnostics[key]

    def completion(self, uri: str, line: int, character: int) -> list[dict[str, Any]]:
        """Return the completion items the server offers at a position (0-based line and character)."""
        result = self.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        if result is None:
            return []
        return result["items"] if isinstance(result, dict) else result

    def hover(self, uri: str, line: int, character: int) -> dict[str, Any] | None:
        """Return the hover the server shows at a position, or None."""
        return self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})

    # JSON-RPC

    def request(self, method: str, params: Any, *, timeout: float | None = None) -> Any:
        self._next_id += 1
        message_id = self._next_id
        self._send({"jsonrpc": "2.0", "id": message_id, "method": method, "params": params})
        self.wait_until(lambda: message_id in self._responses, f"the response to {method}", timeout=timeout)
        response = self._responses.pop(message_id)
        if "error" in response:
            raise LanguageServerError(f"{method} failed: {response['error']}{self.describe()}")
        return response.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_until(self, done: Callable[[], bool], waiting_for: str, *, timeout: float | None = None) -> None:
        """Handle incoming messages until `done()` is true.

        Raises LanguageServerError after the deadline or when the server exits.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not done():
            if self._ended:
                raise LanguageServerError(f"the server exited (status {self.process.poll()}) while waiting for {waiting_for}{self.describe()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LanguageServerError(f"timed out waiting for {waiting_for}{self.describe()}")
            try:
                message = self._incoming.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                self._ended = True
            else:
                self._handle(message)

    def describe(self) -> str:
        """Return the server's recent log and error output, for failure messages."""
        parts = []
        if self.log:
            parts.append("server log:\n" + "\n".join(self.log[-20:]))
        if self._stderr:
            parts.append("server stderr:\n" + "".join(self._stderr[-40:]))
        return ("\n" + "\n".join(parts)) if parts else ""

    def _handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            self._responses[message["id"]] = message
        elif "id" in message:
            self._respond(message)
        elif method == "textDocument/publishDiagnostics":
            # The server may percent-encode a URI differently from Path.as_uri.
            self.diagnostics[unquote(message["params"]["uri"])] = message["params"]["diagnostics"]
        elif method == "window/logMessage" or method == "window/showMessage":
            self.log.append(message["params"]["message"])

    def _respond(self, request: dict[str, Any]) -> None:
        """Send the response to a request from the server."""
        method = request["method"]
        if method == "workspace/configuration":
            result: Any = [self.settings.get(item.get("section", "")) for item in request["params"]["items"]]
            self.configuration_requests += 1
        elif method in ("client/registerCapability", "client/unregisterCapability", "window/workDoneProgress/create"):
            result = None
        else:
            self._send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": f"{method} is not supported by this client"}})
            return
        self._send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise LanguageServerError(f"cannot write to the server (exit {self.process.poll()}): {error}{self.describe()}") from error

    def _read_frames(self, stream: BinaryIO) -> None:
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    continue
                self._incoming.put(json.loads(stream.read(length).decode("utf-8")))
        except (OSError, ValueError) as error:
            self._stderr.append(f"[client] stopped reading the server's output: {error!r}\n")
        finally:
            self._incoming.put(None)

    def _read_stderr(self, stream: BinaryIO) -> None:
        try:
            for line in iter(stream.readline, b""):
                self._stderr.append(line.decode("utf-8", "replace"))
        except (OSError, ValueError):
            return
