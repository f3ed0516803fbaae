#!/usr/bin/env bash
# Every command end to end, as a user runs it, at 1,000, 10,000 and 100,000
# pairs: the whole process (start, config, roster parse, work, output), each
# run 3 times, with the median, the best and the peak resident size against
# the targets (which are for 100,000 pairs).
#
#   benches/commands.sh [PAIRS...]     (default: 1000 10000 100000)
#
# RUNS=N changes the number of runs; ONLY="check plan json text run" picks
# commands; TOUCHBASE_BIN=path measures that binary instead of building the
# release one (to compare two builds).
#
# The rosters are generated: managers of 10 reports each, five zones (some
# reports in a sixth), four cadences, two meeting lengths, a location per
# manager, skip_tags, 5 % of reports opted out and 2 % paused. Start dates
# spread over the four weeks from today, so that `plan` and `run` have
# invitations and prompt updates due.
#
# Commands measured:
#   check                              the summary, fairness and warnings
#   plan                               dry run of the first reconcile (empty ledger)
#   preview --json --weeks 12          to /dev/null
#   preview --weeks 12                 to /dev/null
#   run                                start to READY=1 ($NOTIFY_SOCKET, read here);
#                                      then the first reconcile (every invitation
#                                      queued and written by the file transport to a
#                                      temp dir) and the resident size once idle
#
# Peak RSS comes from /usr/bin/time -v for the one-shot commands and from
# /proc/PID/status (VmHWM, VmRSS) for the daemon. The machine's load
# (`uptime`) is printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${*:-1000 10000 100000}
RUNS=${RUNS:-3}
ONLY=${ONLY:-check plan json text run}
want() { [[ " $ONLY " == *" $1 "* ]]; }
if [ -n "${TOUCHBASE_BIN:-}" ]; then
    BIN=$(realpath "$TOUCHBASE_BIN")
else
    cargo build --release --locked --quiet --bin touchbase
    BIN=$(realpath "${CARGO_TARGET_DIR:-target}")/release/touchbase
fi
# The daemon's outbox holds about 550 MB at 100,000 pairs (95,000 messages
# of 5.8 KB): memory, not disk.
TMPBASE=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && TMPBASE=/dev/shm
WORK=$(mktemp -d -p "$TMPBASE" touchbase-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
START=$(date +%F)

echo "binary: $BIN"
echo "load before: $(uptime)"

roster() { # pairs path
    python3 - "$1" "$2" "$START" <<'PY'
import datetime, sys
pairs, path, start = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = datetime.date.fromisoformat(start)
zones = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
cadences = ["weekly", "biweekly", "monthly", "every 3 weeks"]
out = ['[defaults]\ncadence = "biweekly"\ntime = "10:00"\nduration_minutes = 30\n\n']
for m in range(pairs // 10):
    out.append(f'[[managers]]\nemail = "m{m}@example.com"\nname = "Manager {m}"\n'
               f'timezone = "{zones[m % 5]}"\nlocation = "https://meet.example.com/m{m}"\n')
    if m % 3 == 0:
        out.append("duration_minutes = 45\n")
    for r in range(10):
        n = m * 10 + r
        day = start + datetime.timedelta(days=n % 28)
        out.append(f'\n  [[managers.reports]]\n  email = "r{m}-{r}@example.com"\n'
                   f'  name = "Report {m}-{r}"\n  start = "{day}"\n'
                   f'  time = "{8 + r % 9:02}:{(r % 2) * 30:02}"\n'
                   f'  cadence = "{cadences[(m + r) % 4]}"\n')
        if r == 7:
            out.append('  timezone = "America/Los_Angeles"\n')
        if r == 3:
            out.append('  skip_tags = ["wellbeing"]\n')
        if n % 20 == 9:
            out.append("  opt_out = true\n")
        elif n % 50 == 4:
            out.append(f'  paused_until = "{start + datetime.timedelta(days=45)}"\n')
    out.append("\n")
with open(path, "w") as f:
    f.write("".join(out))
PY
}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

config() { # dir port
    cat > "$1/touchbase.toml" <<TOML
roster = "roster.toml"
state_dir = "state"
log_level = "warn"
[mail]
transport = "file"
dir = "outbox"
[http]
listen = "127.0.0.1:$2"
public_url = "http://127.0.0.1:$2"
TOML
}

# One timed run of a one-shot command, its output to $out: prints
# "seconds peak_kb".
timed() { # dir out args...
    local dir=$1 out=$2
    shift 2
    # Wall time from the shell's clock: /usr/bin/time rounds to 10 ms.
    local t0=$EPOCHREALTIME t1
    /usr/bin/time -v -o "$dir/time" "$BIN" --config "$dir/touchbase.toml" "$@" >"$out" 2>"$dir/err" || {
        echo "failed: touchbase $*" >&2
        cat "$dir/err" >&2
        exit 1
    }
    t1=$EPOCHREALTIME
    awk -F': ' -v t0="$t0" -v t1="$t1" '/Maximum resident set size/ { kb = $2 }
                END { print t1 - t0, kb }' "$dir/time"
}

# One daemon run on a fresh state dir: prints
# "ready_s settled_s idle_rss_kb peak_kb".
daemon_run() { # dir
    local dir=$1
    rm -rf "$dir/state" "$dir/outbox"
    python3 - "$BIN" "$dir" <<'PY'
import json, os, socket, subprocess, sys, time, urllib.request
binary, d = sys.argv[1], sys.argv[2]
sock_path = os.path.join(d, "notify.sock")
if os.path.exists(sock_path):
    os.unlink(sock_path)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
sock.settimeout(120)
conf = os.path.join(d, "touchbase.toml")
port = next(l.split(":")[-1].strip().strip('"') for l in open(conf) if l.startswith("listen"))
env = dict(os.environ, NOTIFY_SOCKET=sock_path)
env.pop("WATCHDOG_USEC", None)
log = open(os.path.join(d, "daemon.log"), "w")
t0 = time.monotonic()
p = subprocess.Popen([binary, "run", "--config", conf], env=env, stderr=log)
try:
    while b"READY=1" not in sock.recv(4096):
        pass
    ready = time.monotonic() - t0
    # The first reconcile is over when /healthz has its time and the
    # outbox is empty (every message written by the file transport).
    while True:
        if p.poll() is not None or time.monotonic() - t0 > 600:
            sys.exit("the daemon stopped or never settled; see " + log.name)
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            h = json.load(urllib.request.urlopen(url, timeout=5))
            if h.get("last_reconcile") and h.get("queue") == 0:
                break
        except OSError:
            pass
        time.sleep(0.1)
    settled = time.monotonic() - t0
    time.sleep(2)
    status = dict(l.split(":", 1) for l in open(f"/proc/{p.pid}/status") if ":" in l)
    kb = lambda k: int(status[k].split()[0])
    print(f"{ready:.3f} {settled:.3f} {kb('VmRSS')} {kb('VmHWM')}")
finally:
    p.terminate()
    p.wait(timeout=15)
PY
}

# Prints one table row from the runs' figures on stdin. Modes: `time`
# ("seconds peak_kb" per run: median and best time, peak RSS) and `idle`
# ("rss_kb" per run: median and lowest idle RSS). Targets are for
# 100,000 pairs, so only rows at that size get a verdict.
row() { # mode label target_s target_mb pairs
    python3 -c '
import statistics, sys
mode, label, ts, tm, pairs = sys.argv[1:]
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
if mode == "time":
    s = sorted(r[0] for r in rows)
    med, best, mb = s[len(s) // 2], s[0], max(r[1] for r in rows) / 1024
    cells = f"{med:8.3f} s {best:8.3f} s {mb:7.0f} MB"
    ok = (ts == "-" or med < float(ts)) and (tm == "-" or mb < float(tm))
else:
    kb = sorted(r[0] for r in rows)
    med = kb[len(kb) // 2] / 1024
    cells = f"{med:7.0f} MB {kb[0] / 1024:7.0f} MB {kb[-1] / 1024:7.0f} MB"
    ok = med < float(tm)
target = ", ".join(t for t in (ts != "-" and f"< {ts} s", tm != "-" and f"< {tm} MB") if t)
verdict = ("ok" if ok else "MISSED") if int(pairs) >= 100000 else ""
print(f"  {label:<30} {cells}   {target:<18} {verdict}")' "$@"
}

measure() { # label target_s target_mb out args...
    local label=$1 ts=$2 tm=$3 out=$4
    shift 4
    for _ in $(seq "$RUNS"); do timed "$dir" "$out" "$@"; done | row time "$label" "$ts" "$tm" "$pairs"
}

for pairs in $SIZES; do
    dir="$WORK/p$pairs"
    mkdir -p "$dir"
    roster "$pairs" "$dir/roster.toml"
    config "$dir" "$(port)"
    echo
    echo "== $pairs pairs (roster $(du -h "$dir/roster.toml" | cut -f1)B), $RUNS runs each;" \
         "load average $(uptime | sed 's/.*load average: //')"
    printf '  %-30s %10s %10s %10s   %s\n' command median best "peak RSS" "target (100,000 pairs)"
    if want check; then
        measure "check" 1 300 "$dir/out" check
        echo "    $(grep '^people:' "$dir/out")"
    fi
    if want plan; then
        measure "plan (empty ledger)" 2 300 "$dir/out" plan
        echo "    $(head -1 "$dir/out")"
    fi
    if want json; then
        measure "preview --json --weeks 12" 2 300 /dev/null preview --json --weeks 12
        json=$("$BIN" --config "$dir/touchbase.toml" preview --json --weeks 12 | wc -c)
        echo "    $(numfmt --to=si "$json")B of JSON"
    fi
    if want text; then
        measure "preview --weeks 12" 2 300 /dev/null preview --weeks 12
        "$BIN" --config "$dir/touchbase.toml" preview --weeks 12 >"$dir/out"
        echo "    $(head -1 "$dir/out"); $(wc -c <"$dir/out" | numfmt --to=si)B of text"
    fi
    if want run; then
        runs=$(for _ in $(seq "$RUNS"); do daemon_run "$dir"; done)
        cut -d' ' -f1,4 <<<"$runs" | row time "run: start to READY=1" 3 - "$pairs"
        cut -d' ' -f3 <<<"$runs" | row idle "run: idle after 1st reconcile" - 150 "$pairs"
        settled=$(cut -d' ' -f2 <<<"$runs" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
        echo "    (idle: median, lowest, highest RSS) first reconcile done and" \
             "$(find "$dir/outbox" -type f | wc -l) messages written ${settled} s after start (median)"
    fi
    rm -rf "$dir"
done
echo
echo "load after: $(uptime)"
