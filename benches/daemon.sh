#!/usr/bin/env bash
# Daemon benchmarks, each side by side with its peer in this one run:
#
# 1. Feed GET throughput and p99 latency for a 10-report manager's feed,
#    with wrk on loopback, against nginx serving the same bytes as a static
#    file under the same wrk settings.
# 2. Edit-to-served latency: a roster edit (one manager's location) until
#    the served feed shows it, at 1,000 and at 100,000 pairs.
# 3. Idle memory (RSS) at 1,000 pairs, and CPU used while idle.
#
#   benches/daemon.sh [feeds|idle|edit]...   (default: all three)
#
# Installs nginx and wrk (Debian) when missing. Prints every figure.
set -euo pipefail
cd "$(dirname "$0")/.."
WANT=${*:-feeds idle edit}
want() { [[ " $WANT " == *" $1 "* ]]; }
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] || ! command -v wrk >/dev/null; then
    echo "installing nginx and wrk..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --locked --quiet
BIN=$PWD/target/release/touchbase
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
START=$(date -d '+3 days' +%F)

roster() { # managers reports file
    python3 - "$1" "$2" "$3" "$START" <<'PY'
import sys
managers, reports, path, start = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
zones = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
with open(path + ".tmp", "w") as f:
    for m in range(managers):
        f.write(f'[[managers]]\nemail = "m{m}@example.com"\nname = "Manager {m}"\ntimezone = "{zones[m % 4]}"\nlocation = "Room {m}"\n')
        for r in range(reports):
            # The default cadence (biweekly): a 10-report feed of about 50 KB.
            f.write(f'[[managers.reports]]\nemail = "r{m}-{r}@example.com"\nname = "Report {m}-{r}"\nstart = "{start}"\n')
import os
os.rename(path + ".tmp", path)
PY
}

start_daemon() { # dir managers reports -> sets DPORT, DPID
    local dir=$1
    mkdir -p "$dir" /dev/shm/touchbase-bench
    DPORT=$(port)
    roster "$2" "$3" "$dir/roster.toml"
    cat > "$dir/touchbase.toml" <<TOML
roster = "roster.toml"
state_dir = "state"
log_level = "warn"
[mail]
transport = "file"
dir = "$(mktemp -d -p /dev/shm/touchbase-bench)"
[http]
listen = "127.0.0.1:$DPORT"
public_url = "http://127.0.0.1:$DPORT"
TOML
    "$BIN" run --config "$dir/touchbase.toml" 2>"$dir/log" &
    DPID=$!
    PIDS+=("$DPID")
    for _ in $(seq 1 600); do
        if curl -sf "http://127.0.0.1:$DPORT/healthz" 2>/dev/null | grep -q '"queue":0' \
           && curl -sf "http://127.0.0.1:$DPORT/healthz" | grep -q '"last_reconcile":"'; then return; fi
        sleep 0.2
    done
    echo "daemon did not settle" >&2; cat "$dir/log" >&2; exit 1
}

if want feeds; then
echo "== 1. feed GET: touchbase vs nginx (wrk -t2 -c32 -d10s) =="
start_daemon "$WORK/small" 1 10
URL=$("$BIN" feed-url --config "$WORK/small/touchbase.toml" --person m0@example.com)
mkdir -p "$WORK/www"
curl -sf "$URL" -o "$WORK/www/feed.ics"
SIZE=$(stat -c %s "$WORK/www/feed.ics")
NPORT=$(port)
cat > "$WORK/nginx.conf" <<NGINX
daemon off;
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    types { text/calendar ics; }
    server {
        listen 127.0.0.1:$NPORT;
        root $WORK/www;
    }
}
NGINX
"$NGINX" -c "$WORK/nginx.conf" &
PIDS+=($!)
sleep 0.5
wrk_run() { wrk -t2 -c32 -d10s --latency "$1" | awk '/Requests\/sec/ {rps=$2} / 99%/ {p99=$2} END {print rps, p99}'; }
read -r T_RPS T_P99 <<<"$(wrk_run "$URL")"
read -r N_RPS N_P99 <<<"$(wrk_run "http://127.0.0.1:$NPORT/feed.ics")"
echo "feed size: $SIZE bytes"
echo "touchbase: $T_RPS req/s, p99 $T_P99"
echo "nginx:     $N_RPS req/s, p99 $N_P99"
python3 -c "print(f'ratio touchbase/nginx: {float(\"$T_RPS\")/float(\"$N_RPS\"):.2f} (target >= 0.5)')"
fi

if want idle || want edit; then
start_daemon "$WORK/k" 100 10
fi
if want idle; then
echo "== 3. idle at 1,000 pairs =="
sleep 2
RSS=$(awk '/VmRSS/ {print $2}' /proc/$DPID/status)
T0=$(awk '{print $14+$15}' /proc/$DPID/stat)
sleep 10
T1=$(awk '{print $14+$15}' /proc/$DPID/stat)
echo "idle RSS: $((RSS / 1024)) MB (target < 30 MB); CPU ticks used in 10 s idle: $((T1 - T0)) (clock ticks of 1/$(getconf CLK_TCK) s)"
fi

edit_latency() { # dir managers reports
    local dir=$1 url
    url=$("$BIN" feed-url --config "$dir/touchbase.toml" --person m0@example.com)
    curl -sf "$url" >/dev/null
    python3 - "$dir/roster.toml" "$url" <<'PY'
import sys, time, urllib.request, os
path, url = sys.argv[1], sys.argv[2]
text = open(path).read()
samples = []
for i in range(5):
    new = text.replace('location = "Room 0"\n', f'location = "Moved {i}"\n', 1)
    with open(path + ".swp", "w") as f:
        f.write(new)
    t0 = time.monotonic()
    os.rename(path + ".swp", path)
    while True:
        body = urllib.request.urlopen(url).read().decode()
        if f"LOCATION:Moved {i}" in body:
            break
        if time.monotonic() - t0 > 30:
            sys.exit("edit never showed")
        time.sleep(0.005)
    samples.append(time.monotonic() - t0)
    time.sleep(0.5)
samples.sort()
print(f"edit-to-served: median {samples[2]*1000:.0f} ms, worst {samples[-1]*1000:.0f} ms over 5 edits")
PY
}
if want edit; then
echo "== 2. edit-to-served =="
echo "-- 1,000 pairs (target < 200 ms)"
edit_latency "$WORK/k"
kill "$DPID"
echo "-- 100,000 pairs (target < 2 s); first the daemon queues and writes 100,000 invitations"
start_daemon "$WORK/big" 10000 10
edit_latency "$WORK/big"
fi
rm -rf /dev/shm/touchbase-bench
