#!/usr/bin/env bash
# Invitations per second into Postfix's smtp-sink on loopback: touchbase
# (`run --once`: reconcile, queue in the ledger, send over 8 SMTP
# connections, record each delivery) side by side with Postfix's own
# smtp-source pushing messages of the same size with 20 sessions.
#
#   benches/smtp.sh [MESSAGES]      (default 10000)
#
# Needs the Debian package postfix (installed here if missing; its MTA is
# kept from starting). Prints both rates and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
REPORTS=10
MANAGERS=$(( (N + REPORTS - 1) / REPORTS ))

if ! command -v smtp-sink >/dev/null || ! command -v smtp-source >/dev/null; then
    echo "installing postfix (for smtp-sink and smtp-source)..." >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
    rm -f /usr/sbin/policy-rc.d
fi
PATH=$PATH:/usr/sbin

cargo build --release --locked --quiet
BIN=target/release/touchbase
WORK=$(mktemp -d)
trap 'kill $SINK 2>/dev/null || true; rm -rf "$WORK"' EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
smtp-sink -u nobody 127.0.0.1:$PORT 1024 &
SINK=$!
sleep 0.5

START=$(date -d '+14 days' +%F)
python3 - "$WORK/roster.toml" "$MANAGERS" "$REPORTS" "$START" <<'PY'
import sys
path, managers, reports, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(path, "w") as f:
    for m in range(managers):
        f.write(f'[[managers]]\nemail = "m{m}@example.com"\nname = "Manager {m}"\ntimezone = "Europe/London"\n')
        for r in range(reports):
            f.write(f'[[managers.reports]]\nemail = "r{m}-{r}@example.com"\nname = "Report {m}-{r}"\nstart = "{start}"\ncadence = "weekly"\n')
PY
cat > "$WORK/touchbase.toml" <<TOML
roster = "roster.toml"
state_dir = "state"
[mail]
transport = "smtp"
url = "smtp://127.0.0.1:$PORT"
connections = 8                   # the default
TOML

echo "touchbase: $((MANAGERS * REPORTS)) invitations"
T0=$(date +%s.%N)
RUN=$($BIN run --once --config "$WORK/touchbase.toml")
T1=$(date +%s.%N)
echo "$RUN"
# "queued N new messages in A s; sent S, deferred D, failed F in B s; ..."
SEND_SECS=$(sed -E 's/.* in ([0-9.]+) s; [0-9]+ waiting.*/\1/' <<<"$RUN")
SIZE=$(python3 - "$WORK/state/ledger.sqlite3" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n, total, sent = c.execute("SELECT COUNT(*), SUM(LENGTH(body)), SUM(state = 'sent') FROM messages").fetchone()
print(total // n, sent)
PY
)
read -r AVG SENT <<<"$SIZE"

echo "smtp-source: $N messages of $AVG bytes, 20 sessions"
S0=$(date +%s.%N)
smtp-source -s 20 -m "$N" -l "$AVG" -f touchbase@example.com -t ada@example.com 127.0.0.1:$PORT
S1=$(date +%s.%N)
D0=$(date +%s.%N)
smtp-source -d -s 20 -m "$N" -l "$AVG" -f touchbase@example.com -t ada@example.com 127.0.0.1:$PORT
D1=$(date +%s.%N)

python3 - "$T0" "$T1" "$SENT" "$S0" "$S1" "$D0" "$D1" "$N" "$AVG" "$SEND_SECS" <<'PY'
import sys
t0, t1, sent, s0, s1, d0, d1, n, avg, send_secs = sys.argv[1:]
tb = int(sent) / (float(t1) - float(t0))
tb_send = int(sent) / float(send_secs)
src = int(n) / (float(s1) - float(s0))
src_d = int(n) / (float(d1) - float(d0))
peer = max(src, src_d)
print(f"message size:                 {avg} bytes")
print(f"touchbase sending:            {int(sent)} sent in {float(send_secs):.2f} s = {tb_send:,.0f} msg/s (outbox to sink, each delivery recorded)")
print(f"touchbase run --once:         {float(t1)-float(t0):.2f} s = {tb:,.0f} msg/s (process start, roster, reconcile, queue and send)")
print(f"smtp-source, 20 sessions:     {src:,.0f} msg/s (new session per message)")
print(f"smtp-source -d, 20 sessions:  {src_d:,.0f} msg/s (sessions reused)")
print(f"ratio sending / best peer:    {tb_send / peer:.2f} (target >= 0.5)")
print(f"ratio whole run / best peer:  {tb / peer:.2f}")
PY
