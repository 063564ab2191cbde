"""A local stand-in for Twilio's REST API, for driving the real SDK in tests.

Nothing here imitates the SDK: ``twilio.rest.Client`` builds every request and parses
every answer itself. The only hook is the one the SDK offers, its ``http_client``: a
``TwilioHttpClient`` subclass that sends each request to this server instead of
api.twilio.com (same path, same form body, same Basic auth). The server records what it
received and answers as Twilio does (201 with a message resource, or an error document),
or not at all (``stall``) to test timeouts.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 8 + "0123456789abcdef" + "e" * 8
FROM_NUMBER = "+13145550100"


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    username: str
    password: str
    form: dict[str, str]

    @property
    def to(self) -> str:
        return self.form["To"]

    @property
    def body(self) -> str:
        return self.form["Body"]


@dataclass
class FakeTwilio:
    netloc: str = ""
    requests: list[Received] = field(default_factory=list)
    _answers: list[tuple] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)
    _media: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def add_media(self, content: bytes, content_type: str = "image/jpeg") -> str:
        """Store a picture of an inbound MMS; returns its MediaUrl as Twilio gives it."""
        message, media = "MM" + secrets.token_hex(16), "ME" + secrets.token_hex(16)
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message}/Media/{media}"
        self._media[path] = (content_type, content)
        return f"https://api.twilio.com{path}"

    @property
    def media_requests(self) -> list[Received]:
        return [r for r in self.requests if r.method == "GET"]

    def answer(self, status: int, code: int, message: str) -> None:
        """The next request gets this Twilio error document."""
        document = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        self._answers.append(("json", status, document))

    def stall(self) -> None:
        """The next request gets no answer until the test ends."""
        self._answers.append(("stall",))

    @property
    def messages(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def texts_to(self, number: str) -> list[str]:
        return [m.body for m in self.messages if m.to == number]

    def _next_answer(self, form: dict[str, str]) -> tuple:
        if self._answers:
            return self._answers.pop(0)
        sid = "SM" + secrets.token_hex(16)
        resource = {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": "Tue, 03 Mar 2026 16:00:00 +0000",
            "date_sent": None,
            "date_updated": "Tue, 03 Mar 2026 16:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }
        return ("json", 201, resource)


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            scheme, _, credentials = (self.headers.get("Authorization") or "").partition(" ")
            username, _, password = (
                base64.b64decode(credentials).decode().partition(":") if credentials else ("", "", "")
            )
            fake.requests.append(Received("POST", self.path, username, password, form))
            answer = fake._next_answer(form)
            if answer[0] == "stall":
                fake._release.wait(30)
                return
            _, status, document = answer
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802
            scheme, _, credentials = (self.headers.get("Authorization") or "").partition(" ")
            username, _, password = (
                base64.b64decode(credentials).decode().partition(":") if credentials else ("", "", "")
            )
            fake.requests.append(Received("GET", self.path, username, password, {}))
            if self.path in fake._media:  # the API: a redirect to the stored file
                self.send_response(307)
                self.send_header("Location", "/storage" + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            stored = fake._media.get(self.path.removeprefix("/storage"))
            if stored is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            content_type, content = stored
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args) -> None:  # quiet test output
            pass

    return Handler


def start() -> tuple[FakeTwilio, ThreadingHTTPServer]:
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.netloc = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


def stop(fake: FakeTwilio, server: ThreadingHTTPServer) -> None:
    fake._release.set()
    server.shutdown()
    server.server_close()


def local_http_client(netloc: str) -> type[TwilioHttpClient]:
    """The SDK's own HTTP client class, sending to ``netloc`` instead of Twilio's hosts."""

    class LocalTwilioHttpClient(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            parts = urlsplit(url)
            assert parts.scheme == "https" and parts.hostname.endswith("twilio.com"), url
            local = urlunsplit(("http", netloc, parts.path, parts.query, parts.fragment))
            return super().request(method, local, *args, **kwargs)

    return LocalTwilioHttpClient
