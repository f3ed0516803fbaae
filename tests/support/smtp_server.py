"""A real SMTP server (aiosmtpd) for touchbase's integration tests.

Listens on 127.0.0.1 (the port given, or a free one), prints "PORT <n>" once
it accepts connections, and stores every accepted message as
<dir>/<n>.eml. Options let a test make it refuse recipients for good (550),
refuse them for now (451), or answer slowly.

With --auth it offers AUTH (PLAIN, LOGIN) without STARTTLS, as a careless
or hostile server would, accepts any account, and records each one as a
line "<mechanism> <user> <password>" in <dir>/auth.log. Either way,
everything a client sends before TLS (there is no TLS here: all of it)
is appended to <dir>/wire.log, so a test can tell what crossed the
network in the clear.
"""

import argparse
import asyncio
import os
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class RecordingSMTP(SMTP):
    """SMTP that appends the bytes it receives in the clear to a file."""

    def __init__(self, *args, wire_log, **kwargs):
        super().__init__(*args, **kwargs)
        self.wire_log = wire_log

    def data_received(self, data):
        # After STARTTLS the bytes arrive here already decrypted: only
        # what came before it crossed the network in the clear.
        if self._tls_protocol is None:
            with open(self.wire_log, "ab") as f:
                f.write(data)
        super().data_received(data)


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


class Handler:
    def __init__(self, out_dir, reject, tempfail, delay):
        self.out_dir = out_dir
        self.reject = reject
        self.tempfail = tempfail
        self.delay = delay
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.lower() in self.tempfail:
            return "451 4.3.0 <%s>: Temporary failure, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.count += 1
        name = os.path.join(self.out_dir, "%06d.eml" % self.count)
        tmp = name + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)
        return "250 Message accepted for delivery"


async def main():
    # aiosmtpd 1.4 warns that it fills a deprecated field on every AUTH.
    warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--reject", default="")
    p.add_argument("--tempfail", default="")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--auth", action="store_true")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    split = lambda s: {x.strip().lower() for x in s.split(",") if x.strip()}
    handler = Handler(a.dir, split(a.reject), split(a.tempfail), a.delay)
    loop = asyncio.get_running_loop()
    auth = {}
    if a.auth:
        auth = dict(
            auth_require_tls=False,
            authenticator=Recorder(os.path.join(a.dir, "auth.log")),
        )
    wire_log = os.path.join(a.dir, "wire.log")
    server = await loop.create_server(
        lambda: RecordingSMTP(
            handler, hostname="smtp.test", decode_data=False, wire_log=wire_log, **auth
        ),
        host="127.0.0.1",
        port=a.port,
    )
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    # Stop when the test closes our stdin (or dies).
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
