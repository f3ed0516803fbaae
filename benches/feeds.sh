#!/usr/bin/env bash
# Side-by-side benchmark: touchbase renders every feed of a 100,000-pair
# roster (110,000 documents, 12 weeks); Python's `icalendar` serialises a
# 1 % sample of the very same documents (every 100th manager and their
# reports, the same mix), and the ratio is taken per document.
#
# Python at full scale would take minutes, hence the sample. The Python
# side runs in a virtualenv under the target folder, created on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
sample="$target/bench-feeds"
venv="$target/py-bench"

rm -rf "$sample"
rust=$(cargo bench --bench feeds -- --sample "$sample")
echo "$rust"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import icalendar" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "icalendar>=6,<8"
fi
python=$("$venv/bin/python" benches/feeds_icalendar.py "$sample")
echo "$python"

value() { sed -n "s/^$1=//p"; }
rs=$(echo "$rust" | value rust_seconds)
rd=$(echo "$rust" | value rust_docs)
ps=$(echo "$python" | value python_seconds)
pd=$(echo "$python" | value python_docs)
rp=$(echo "$rust" | value rust_parallel_seconds)
rt=$(echo "$rust" | value rust_threads)
python3 - "$rs" "$rd" "$ps" "$pd" "$rp" "$rt" <<'PY'
import sys
rs, rd, ps, pd = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rp, rt = float(sys.argv[5]), int(sys.argv[6])
per_rust, per_py = rs / rd, ps / pd
print(f"total: touchbase renders all {rd} documents in {rs:.3f} s on one thread, "
      f"{rp:.3f} s on {rt} threads (target: < 2 s)")
print(f"per document: touchbase {per_rust * 1e6:.2f} us, python icalendar {per_py * 1e6:.1f} us")
print(f"python icalendar extrapolated to all {rd} documents: {per_py * rd:.1f} s")
print(f"ratio: touchbase is {per_py / per_rust:.0f}x faster per document on one thread (target: >= 50x)")
PY
