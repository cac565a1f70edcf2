#!/usr/bin/env python3
"""A real SMTP server on loopback for the notification tests.

Usage: smtp_sink.py PORT OUTFILE   (PORT 0 picks a free port)

Accepts every message and appends it to OUTFILE as one JSON line
{mail_from, rcpt_tos, message_id, subject, data, body} (data: the raw message; body: its
decoded text), flushed at once. Prints "READY <port>" on
stdout when it accepts connections, and exits when stdin closes (so it never outlives the
test that started it) or on SIGTERM.
"""

import email
import email.policy
import json
import signal
import socket
import sys
import threading

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.stderr.write(
        "smtp_sink.py: the Python package aiosmtpd is missing; run scripts/install-deps.sh "
        "(it installs it into .tools/python) or `pip install aiosmtpd`\n"
    )
    sys.exit(3)


class Sink:
    def __init__(self, path):
        self.out = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        line = json.dumps(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "message_id": str(message.get("Message-ID", "")).strip(),
                "subject": str(message.get("Subject", "")),
                "data": raw.decode("utf-8", errors="replace"),
                "body": text_of(message),
            }
        )
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()
        return "250 Message accepted for delivery"


def text_of(message):
    part = message.get_body(preferencelist=("plain", "html"))
    try:
        return part.get_content() if part is not None else ""
    except (LookupError, UnicodeError):
        return ""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    port = int(sys.argv[1]) or free_port()
    controller = Controller(Sink(sys.argv[2]), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
