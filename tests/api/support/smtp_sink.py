#!/usr/bin/python3
"""A loopback SMTP sink for the mail tests (Debian's python3-aiosmtpd; run with /usr/bin/python3).

    smtp_sink.py --dir DIR [--port 0] [--refuse-rcpt N] [--refuse-data N] [--reject-rcpt-permanent N]

Saves every accepted message as DIR/<n>.eml (envelope in DIR/<n>.json) and prints
"listening <port>" on stdout once it accepts connections. The first N RCPT TO (or DATA)
commands are answered "451 4.3.0 try again later"; --reject-rcpt-permanent answers 550 instead.
"""
import argparse
import asyncio
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse_rcpt, refuse_data, reject_rcpt):
        self.directory = directory
        self.refuse_rcpt = refuse_rcpt
        self.refuse_data = refuse_data
        self.reject_rcpt = reject_rcpt
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.reject_rcpt > 0:
                self.reject_rcpt -= 1
                return "550 5.1.1 no such user"
            if self.refuse_rcpt > 0:
                self.refuse_rcpt -= 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_data > 0:
                self.refuse_data -= 1
                return "451 4.3.0 try again later"
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, "%06d" % n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 queued as %d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--refuse-rcpt", type=int, default=0)
    p.add_argument("--refuse-data", type=int, default=0)
    p.add_argument("--reject-rcpt-permanent", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    port = a.port
    if port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    handler = Sink(a.dir, a.refuse_rcpt, a.refuse_data, a.reject_rcpt_permanent)
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            server_kwargs={"decode_data": False}, data_size_limit=10 * 1024 * 1024)
    controller.start()
    print("listening %d" % port, flush=True)
    try:
        # Until stdin closes or we are signalled: the test owns our lifetime.
        for _ in sys.stdin:
            pass
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
