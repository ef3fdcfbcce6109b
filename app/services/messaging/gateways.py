"""SMS gateways: an HTTP gateway set by configuration, and a recording one for the demo and tests."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Protocol

from flask import current_app


class SmsGateway(Protocol):
    """Sends one text message; raises on failure (the outbox keeps the error and retries)."""

    def send(self, number: str, text: str, message_id: str) -> None:
        """Send `text` to `number`."""


class SmsRefused(RuntimeError):
    """The gateway answered with an error."""


class HttpSmsGateway:
    """POSTs {"to", "text", "id"} as JSON to MPR_SMS_URL with an optional bearer token."""

    def __init__(self, url: str, token: str | None, timeout: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("MPR_SMS_URL must be an http(s) URL")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, number: str, text: str, message_id: str) -> None:
        """Send through the gateway; a non-2xx answer raises SmsRefused."""
        payload = json.dumps({"to": number, "text": text, "id": message_id}).encode()
        request = urllib.request.Request(self.url, data=payload, method="POST")  # noqa: S310 - scheme checked
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked
            if not 200 <= response.status < 300:
                raise SmsRefused(f"SMS gateway answered {response.status}")


class RecordingSmsGateway:
    """Appends each message as a JSON line to MPR_SMS_RECORD_FILE (nothing leaves the machine)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def send(self, number: str, text: str, message_id: str) -> None:
        """Record the message."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"to": number, "text": text, "id": message_id}) + "\n")


def configured_gateway() -> SmsGateway:
    """The gateway the configuration names (MPR_SMS_GATEWAY = record | http)."""
    config = current_app.config
    if config.get("MPR_SMS_GATEWAY") == "http":
        return HttpSmsGateway(config["MPR_SMS_URL"], config.get("MPR_SMS_TOKEN"))
    return RecordingSmsGateway(config["MPR_SMS_RECORD_FILE"])
