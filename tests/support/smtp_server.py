"""A real SMTP server (aiosmtpd) for touchbase's integration tests, with
faults a test can turn on and off while it runs.

Listens on 127.0.0.1 (the port given, or a free one), prints "PORT <n>" once
the port is bound, and stores every accepted message as <dir>/<n>.eml
(written, then renamed, before the 250 goes out). Options let a test make it
refuse recipients for good (550), refuse them for now (451), answer slowly,
or start down.

With --auth it offers AUTH (PLAIN, LOGIN) without STARTTLS, as a careless
or hostile server would, accepts any account, and records each one as a
line "<mechanism> <user> <password>" in <dir>/auth.log. Either way,
everything a client sends before TLS (there is no TLS here: all of it)
is appended to <dir>/wire.log, so a test can tell what crossed the
network in the clear.

Commands, one per line on stdin, each answered "OK <command>" on stdout
once in effect:

  down              stop listening: connections are refused (the port stays
                    bound, so nothing else takes it) and open sessions are
                    closed; a message not yet stored is lost to the server
  up                listen again on the same port
  down-after N      go down once N more messages are stored
  rcpt ADDR CODE    answer RCPT TO:<ADDR> with CODE (e.g. 452, 550; 250 to
                    accept again)
  stall WHERE       accept connections, then say nothing: WHERE is greeting
                    (before the 220), data (after a message's data, which is
                    not stored), or off
  hangup N          in each session, answer the MAIL FROM after N stored
                    messages with 421 and close the connection (0: never)

Closing stdin stops the server.
"""

import argparse
import asyncio
import os
import socket
import sys

from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP

CODES = {
    "250": "250 OK",
    "451": "451 4.3.0 <%s>: Temporary failure, try again later",
    "452": "452 4.2.2 <%s>: Mailbox full, try again later",
    "550": "550 5.1.1 <%s>: Recipient address rejected: User unknown",
}


class Recorder:
    """An authenticator that accepts everyone and writes down the account."""

    def __init__(self, path):
        self.path = path

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
        else:
            user, password = repr(auth_data), ""
        with open(self.path, "a") as f:
            f.write("%s %s %s\n" % (mechanism, user, password))
        return AuthResult(success=True)


class Control:
    """The faults in force, and what the server needs to apply them."""

    def __init__(self, out_dir, rcpt, delay):
        self.out_dir = out_dir
        # Keyword arguments for each session: AUTH offered without STARTTLS
        # (--auth), accepting any account and writing it to auth.log.
        self.auth = {}
        self.rcpt = rcpt
        self.delay = delay
        self.stall = "off"
        self.hangup = 0
        self.down_after = None
        self.count = 0
        self.sessions = set()
        self.down_requested = None
        # Set from the message that triggers down-after: no other message
        # is stored from then on, even one whose data is already in.
        self.closing = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.rcpt.get(address.lower(), "250")
        if code != "250":
            return CODES.get(code, code + " <%s>") % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall == "data":
            await asyncio.Event().wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if server.ctl_down or self.closing:
            return "421 4.3.2 Service not available"
        self.count += 1
        name = os.path.join(self.out_dir, "%06d.eml" % self.count)
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)
        session.stored = getattr(session, "stored", 0) + 1
        if self.down_after is not None:
            self.down_after -= 1
            if self.down_after <= 0:
                self.down_after = None
                self.closing = True
                # After this message's 250 is written.
                asyncio.get_running_loop().call_soon(self.down_requested)
        return "250 Message accepted for delivery"


def make_session(ctl):
    class Session(SMTP):
        ctl_down = False

        def connection_made(self, transport):
            super().connection_made(transport)
            ctl.sessions.add(self)

        def data_received(self, data):
            # Everything a client sends before TLS crossed the network in
            # the clear (after STARTTLS it arrives here decrypted).
            if self._tls_protocol is None:
                with open(os.path.join(ctl.out_dir, "wire.log"), "ab") as f:
                    f.write(data)
            super().data_received(data)

        def connection_lost(self, error):
            ctl.sessions.discard(self)
            super().connection_lost(error)

        async def _handle_client(self):
            if ctl.stall == "greeting":
                await asyncio.Event().wait()
            await super()._handle_client()

        async def smtp_MAIL(self, arg):
            if ctl.hangup and getattr(self.session, "stored", 0) >= ctl.hangup:
                await self.push("421 4.3.2 Too many messages in one session, closing")
                self.transport.close()
                return
            await super().smtp_MAIL(arg)

    return Session


class Listener:
    """The listening socket, or while down a bound one that refuses."""

    def __init__(self, ctl, port):
        self.ctl = ctl
        self.port = port
        self.server = None
        self.placeholder = None

    def reserve(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        self.port = s.getsockname()[1]
        self.placeholder = s

    async def up(self):
        self.ctl.closing = False
        if self.server is not None:
            return
        if self.placeholder is not None:
            self.placeholder.close()
            self.placeholder = None
        session = make_session(self.ctl)
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: session(
                self.ctl, hostname="smtp.test", decode_data=False, **self.ctl.auth
            ),
            host="127.0.0.1",
            port=self.port,
            reuse_address=True,
        )
        self.port = self.server.sockets[0].getsockname()[1]

    def down(self):
        if self.server is not None:
            self.server.close()
            self.server = None
            self.reserve()
        for s in list(self.ctl.sessions):
            s.ctl_down = True
            if s.transport is not None:
                s.transport.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--reject", default="")
    p.add_argument("--tempfail", default="")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--down", action="store_true")
    p.add_argument("--auth", action="store_true")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    split = lambda s: [x.strip().lower() for x in s.split(",") if x.strip()]
    rcpt = {x: "550" for x in split(a.reject)}
    rcpt.update({x: "451" for x in split(a.tempfail)})
    ctl = Control(a.dir, rcpt, a.delay)
    if a.auth:
        ctl.auth = dict(
            auth_require_tls=False,
            authenticator=Recorder(os.path.join(a.dir, "auth.log")),
        )
    listener = Listener(ctl, a.port)
    ctl.down_requested = listener.down
    if a.down:
        listener.reserve()
    else:
        await listener.up()
    print("PORT %d" % listener.port, flush=True)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        words = line.decode().split()
        if not words:
            continue
        cmd = words[0]
        if cmd == "down":
            listener.down()
        elif cmd == "up":
            await listener.up()
        elif cmd == "down-after":
            ctl.down_after = int(words[1])
        elif cmd == "rcpt":
            ctl.rcpt[words[1].lower()] = words[2]
        elif cmd == "stall":
            ctl.stall = words[1]
        elif cmd == "hangup":
            ctl.hangup = int(words[1])
        else:
            print("ERROR unknown command %s" % cmd, flush=True)
            continue
        print("OK %s" % " ".join(words), flush=True)
    listener.down()


if __name__ == "__main__":
    asyncio.run(main())
