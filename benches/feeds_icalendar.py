"""Serialises touchbase's feed documents with Python's `icalendar`.

Each document in the folder given is parsed into `icalendar` objects
(untimed), then every one is serialised with `to_ical()` (timed): the
same documents, the same components and properties, written by the
reference Python library. Prints `python_seconds=` and `python_docs=`.
"""

import pathlib
import sys
import time

import icalendar


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    paths = sorted(folder.glob("*.ics"))
    if not paths:
        sys.exit(f"no .ics files in {folder}")
    calendars = [icalendar.Calendar.from_ical(p.read_bytes()) for p in paths]
    events = sum(len(c.walk("VEVENT")) for c in calendars)
    start = time.perf_counter()
    size = 0
    for cal in calendars:
        size += len(cal.to_ical())
    seconds = time.perf_counter() - start
    print(
        f"python icalendar {icalendar.__version__}: {len(calendars)} documents, "
        f"{events} VEVENTs, {size / 1e6:.1f} MB in {seconds:.3f} s "
        f"({seconds * 1e6 / len(calendars):.1f} us per document)"
    )
    print(f"python_seconds={seconds:.6f}")
    print(f"python_docs={len(calendars)}")


if __name__ == "__main__":
    main()
