"""SMS through the HTTP gateway named by configuration; the admin sees every outbox row."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.messaging.test_delivery_smtp import DUE


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = 200

    def do_POST(self):  # noqa: N802 - http.server's hook name
        length = int(self.headers["Content-Length"])
        type(self).received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def gateway(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    _Gateway.received, _Gateway.answer = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {k: app.config.get(k) for k in ("MPR_SMS_GATEWAY", "MPR_SMS_URL", "MPR_SMS_TOKEN")}
    app.config.update(
        MPR_SMS_GATEWAY="http",
        MPR_SMS_URL=f"http://127.0.0.1:{server.server_port}/send",
        MPR_SMS_TOKEN="t0ken",
    )
    yield _Gateway
    app.config.update(saved)
    server.shutdown()
    server.server_close()


def test_reminder_sms_go_through_the_http_gateway(app, smtp, gateway, login_as):
    from app.services.messaging.delivery import deliver_due
    from app.services.messaging.reminders import remind

    smtp.start()
    with app.app_context():
        remind(DUE - dt.timedelta(days=1))
        gateway.answer = 503
        failing = deliver_due()
        assert failing.retrying > 0 and failing.sent == len(smtp.received.messages)  # e-mails went, SMS wait
        gateway.answer = 200
        later = deliver_due(now=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=2))
    assert later.sent == failing.retrying
    delivered = [body for token, body in gateway.received if token == "Bearer t0ken"]
    assert "9820748351" in [body["to"] for body in delivered]  # Mumbai East's profile mobile
    assert all(body["text"].startswith("Reminder:") and body["id"].startswith("<") for body in delivered)
    pages = _outbox_pages(login_as("admin"), "/mpr/outbox/?status=sent")
    assert any("9820748351" in page for page in pages)
    assert any("pcomm.mumbaieast@cbic.example.org" in page for page in pages)


def _outbox_pages(client, url: str) -> list[str]:
    """Every page of the admin's outbox list, following its rel="next" links."""
    pages = []
    while url and len(pages) < 50:
        pages.append(client.get(url).get_data(as_text=True))
        found = re.search(r'<a href="([^"]+)" rel="next">', pages[-1])
        url = html.unescape(found.group(1)) if found else None
    return pages
