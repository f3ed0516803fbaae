//! Schedule tests: cadences across DST in several zones.
