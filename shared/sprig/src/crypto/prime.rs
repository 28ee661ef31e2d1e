//! Fast random primes for RSA keys: a small-prime sieve and Miller-Rabin rounds on Montgomery
//! arithmetic over 64-bit limbs (the `rsa` crate's generic big-integer path takes seconds for a
//! 4096-bit key; this takes a fraction of one, as Go's does).

use rand_core::{CryptoRng, RngCore};

/// Odd primes below 2^16, for the sieve.
fn small_primes() -> &'static [u32] {
    static PRIMES: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    PRIMES.get_or_init(|| {
        const LIMIT: usize = 1 << 16;
        let mut composite = vec![false; LIMIT];
        let mut out = Vec::new();
        for i in 2..LIMIT {
            if composite[i] {
                continue;
            }
            if i > 2 {
                out.push(i as u32);
            }
            let mut j = i * i;
            while j < LIMIT {
                composite[j] = true;
                j += i;
            }
        }
        out
    })
}

/// A modulus prepared for Montgomery multiplication (R = 2^(64·limbs)).
struct Mont<'a> {
    m: &'a [u64],
    /// -m⁻¹ mod 2^64.
    inv: u64,
    /// R² mod m.
    r2: Vec<u64>,
}

fn geq(a: &[u64], b: &[u64]) -> bool {
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn sub_in_place(a: &mut [u64], b: &[u64]) -> bool {
    let mut borrow = 0u64;
    for i in 0..a.len() {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        a[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    borrow != 0
}

impl<'a> Mont<'a> {
    /// `m` must be odd with its top bit set.
    fn new(m: &'a [u64]) -> Mont<'a> {
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
        }
        // R mod m = R - m (m > R/2), then doubled 64·limbs times: R² mod m.
        let mut x: Vec<u64> = m.iter().map(|w| !w).collect();
        let mut carry = 1u64;
        for w in x.iter_mut() {
            let (s, c) = w.overflowing_add(carry);
            *w = s;
            carry = c as u64;
        }
        for _ in 0..64 * m.len() {
            let top = x[m.len() - 1] >> 63;
            for i in (1..x.len()).rev() {
                x[i] = (x[i] << 1) | (x[i - 1] >> 63);
            }
            x[0] <<= 1;
            if top == 1 || geq(&x, m) {
                sub_in_place(&mut x, m);
            }
        }
        Mont { m, inv: inv.wrapping_neg(), r2: x }
    }

    /// a·b·R⁻¹ mod m (CIOS).
    fn mul(&self, a: &[u64], b: &[u64], out: &mut [u64], t: &mut [u64]) {
        let n = self.m.len();
        t.iter_mut().for_each(|x| *x = 0);
        for &ai in a.iter().take(n) {
            let mut carry: u128 = 0;
            for j in 0..n {
                let v = t[j] as u128 + (ai as u128) * (b[j] as u128) + carry;
                t[j] = v as u64;
                carry = v >> 64;
            }
            let v = t[n] as u128 + carry;
            t[n] = v as u64;
            t[n + 1] = (v >> 64) as u64;
            let u = t[0].wrapping_mul(self.inv);
            let v = t[0] as u128 + (u as u128) * (self.m[0] as u128);
            let mut carry = v >> 64;
            for j in 1..n {
                let v = t[j] as u128 + (u as u128) * (self.m[j] as u128) + carry;
                t[j - 1] = v as u64;
                carry = v >> 64;
            }
            let v = t[n] as u128 + carry;
            t[n - 1] = v as u64;
            t[n] = t[n + 1] + (v >> 64) as u64;
        }
        out.copy_from_slice(&t[..n]);
        if t[n] != 0 || geq(out, self.m) {
            sub_in_place(out, self.m);
        }
    }

    fn to_mont(&self, a: &[u64]) -> Vec<u64> {
        let n = self.m.len();
        let (mut out, mut t) = (vec![0; n], vec![0; n + 2]);
        self.mul(a, &self.r2, &mut out, &mut t);
        out
    }

    /// 2^exp in Montgomery form: square, and double where the exponent has a one bit (a doubling is
    /// a shift and at most one subtraction, far cheaper than a multiplication).
    fn pow2(&self, exp: &[u64], one: &[u64]) -> Vec<u64> {
        let n = self.m.len();
        let (mut t, mut tmp) = (vec![0; n + 2], vec![0; n]);
        let mut acc = one.to_vec();
        let mut started = false;
        for i in (0..exp.len() * 64).rev() {
            let bit = (exp[i / 64] >> (i % 64)) & 1;
            if started {
                self.mul(&acc, &acc, &mut tmp, &mut t);
                std::mem::swap(&mut acc, &mut tmp);
            }
            if bit == 1 {
                let top = acc[n - 1] >> 63;
                for k in (1..n).rev() {
                    acc[k] = (acc[k] << 1) | (acc[k - 1] >> 63);
                }
                acc[0] <<= 1;
                if top == 1 || geq(&acc, self.m) {
                    sub_in_place(&mut acc, self.m);
                }
                started = true;
            }
        }
        acc
    }

    /// base^exp in Montgomery form (base given in Montgomery form), 4-bit fixed windows.
    fn pow(&self, base: &[u64], exp: &[u64], one: &[u64]) -> Vec<u64> {
        let n = self.m.len();
        let mut t = vec![0; n + 2];
        let mut table = vec![one.to_vec(), base.to_vec()];
        for i in 2..16 {
            let mut x = vec![0; n];
            self.mul(&table[i - 1], base, &mut x, &mut t);
            table.push(x);
        }
        let mut acc = one.to_vec();
        let mut tmp = vec![0; n];
        let mut started = false;
        for i in (0..exp.len() * 16).rev() {
            let nibble = ((exp[i / 16] >> ((i % 16) * 4)) & 15) as usize;
            if started {
                for _ in 0..4 {
                    self.mul(&acc, &acc, &mut tmp, &mut t);
                    std::mem::swap(&mut acc, &mut tmp);
                }
            }
            if nibble != 0 {
                self.mul(&acc, &table[nibble], &mut tmp, &mut t);
                std::mem::swap(&mut acc, &mut tmp);
                started = true;
            }
        }
        acc
    }
}

/// One Miller-Rabin round with `base` (2 ≤ base < m − 1, little-endian limbs).
fn miller_rabin(mont: &Mont, base: &[u64]) -> bool {
    let m = mont.m;
    let mut m1 = m.to_vec();
    m1[0] -= 1; // m is odd
    let s = m1.iter().enumerate().find(|(_, w)| **w != 0).map_or(0, |(i, w)| i * 64 + w.trailing_zeros() as usize);
    let mut d = vec![0u64; m.len()];
    for (i, w) in d.iter_mut().enumerate() {
        let bit = i * 64 + s;
        let (q, r) = (bit / 64, bit % 64);
        let lo = m1.get(q).copied().unwrap_or(0) >> r;
        let hi = if r == 0 { 0 } else { m1.get(q + 1).copied().unwrap_or(0) << (64 - r) };
        *w = lo | hi;
    }
    let mut unit = vec![0u64; m.len()];
    unit[0] = 1;
    let one = mont.to_mont(&unit);
    let minus_one = mont.to_mont(&m1);
    let base_is_two = base[0] == 2 && base[1..].iter().all(|w| *w == 0);
    let mut x = if base_is_two { mont.pow2(&d, &one) } else { mont.pow(&mont.to_mont(base), &d, &one) };
    if x == one || x == minus_one {
        return true;
    }
    let (mut tmp, mut t) = (vec![0; m.len()], vec![0; m.len() + 2]);
    for _ in 1..s {
        mont.mul(&x, &x, &mut tmp, &mut t);
        std::mem::swap(&mut x, &mut tmp);
        if x == minus_one {
            return true;
        }
        if x == one {
            return false;
        }
    }
    false
}

/// Miller-Rabin rounds after the first (base 2), with random bases: FIPS 186-5 table B.1 asks for 4
/// rounds for the primes of a 4096-bit key and 5 for 2048; we do 8.
const RANDOM_ROUNDS: usize = 8;

/// A random prime of exactly `bits` bits (a multiple of 64) with its top two bits set, so that the
/// product of two has exactly 2·bits bits. Little-endian 64-bit limbs.
pub(crate) fn random_prime<R: RngCore + CryptoRng>(rng: &mut R, bits: usize) -> Vec<u64> {
    assert!(bits >= 128 && bits % 64 == 0, "prime size must be a multiple of 64 bits");
    let limbs = bits / 64;
    let primes = small_primes();
    loop {
        let mut p: Vec<u64> = (0..limbs).map(|_| rng.next_u64()).collect();
        p[limbs - 1] |= 0b11 << 62;
        p[0] |= 1;
        // p mod q for each small prime, then walk even steps until no small prime divides.
        // (q < 2^16, so 32-bit halves keep every step in u64 division.)
        let residues: Vec<u32> = primes
            .iter()
            .map(|&q| {
                let q = q as u64;
                p.iter().rev().fold(0u64, |r, &w| {
                    let r = ((r << 32) | (w >> 32)) % q;
                    ((r << 32) | (w & 0xffff_ffff)) % q
                }) as u32
            })
            .collect();
        // Walk p, p+2, p+4, … : candidates no small prime divides get the Miller-Rabin rounds.
        let mut delta = 0u64;
        while delta < 1 << 20 {
            let sieved = primes.iter().zip(&residues).all(|(&q, &r)| (r as u64 + delta) % q as u64 != 0);
            if sieved {
                if let Some(c) = check_candidate(rng, &p, delta) {
                    return c;
                }
            }
            delta += 2;
        }
    }
}

/// `p + delta` if it keeps its top two bits and passes Miller-Rabin with base 2 and random bases.
fn check_candidate<R: RngCore + CryptoRng>(rng: &mut R, p: &[u64], delta: u64) -> Option<Vec<u64>> {
    let limbs = p.len();
    let mut c = p.to_vec();
    let mut carry = delta;
    for w in c.iter_mut() {
        let (s, o) = w.overflowing_add(carry);
        *w = s;
        carry = o as u64;
        if carry == 0 {
            break;
        }
    }
    if carry != 0 || c[limbs - 1] >> 62 != 0b11 {
        return None;
    }
    let mont = Mont::new(&c);
    let mut two = vec![0u64; limbs];
    two[0] = 2;
    if !miller_rabin(&mont, &two) {
        return None;
    }
    let all = (0..RANDOM_ROUNDS).all(|_| {
        // A random base below m − 1 (top limb cleared below m's), at least 2.
        let mut b: Vec<u64> = (0..limbs).map(|_| rng.next_u64()).collect();
        b[limbs - 1] &= c[limbs - 1] >> 1;
        if b.iter().skip(1).all(|w| *w == 0) && b[0] < 2 {
            b[0] = 2;
        }
        miller_rabin(&mont, &b)
    });
    all.then_some(c)
}

/// Little-endian limbs as big-endian bytes.
pub(crate) fn to_be_bytes(limbs: &[u64]) -> Vec<u8> {
    limbs.iter().rev().flat_map(|w| w.to_be_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_u128(x: u128) -> Vec<u64> {
        vec![x as u64, (x >> 64) as u64]
    }

    #[test]
    fn miller_rabin_knows_primes() {
        // 2^128 − 159 is the largest prime below 2^128; (2^64 − 59)² is a square of the largest
        // prime below 2^64.
        let p = from_u128(u128::MAX - 158);
        let mont = Mont::new(&p);
        assert!(miller_rabin(&mont, &[2, 0]));
        assert!(miller_rabin(&mont, &[12345, 678]));
        let q = (u64::MAX - 58) as u128;
        let c = from_u128(q * q);
        let mont = Mont::new(&c);
        assert!(!miller_rabin(&mont, &[2, 0]));
        assert!(!miller_rabin(&mont, &[3, 0]));
    }

    #[test]
    fn montgomery_pow_matches_plain_arithmetic() {
        let m = from_u128(u128::MAX - 158);
        let mont = Mont::new(&m);
        let one = mont.to_mont(&[1, 0]);
        let b = mont.to_mont(&[3, 0]);
        // 3^5 = 243, back out of Montgomery form by multiplying with 1.
        let x = mont.pow(&b, &[5, 0], &one);
        let (mut out, mut t) = (vec![0; 2], vec![0; 4]);
        mont.mul(&x, &[1, 0], &mut out, &mut t);
        assert_eq!(out, vec![243, 0]);
    }

    /// A key made of these primes decrypts what its public key encrypted (CRT decryption fails
    /// when a "prime" is composite).
    #[test]
    fn keys_from_these_primes_work() {
        use rsa::traits::PublicKeyParts;
        let Ok(super::super::keys::PrivateKey::Rsa(k)) = super::super::keys::generate_rsa(1024) else {
            panic!("an RSA key")
        };
        assert_eq!(k.n().bits(), 1024);
        let public = rsa::RsaPublicKey::from(&*k);
        let ct = public.encrypt(&mut rand_core::OsRng, rsa::Pkcs1v15Encrypt, b"helm").unwrap();
        assert_eq!(k.decrypt(rsa::Pkcs1v15Encrypt, &ct).unwrap(), b"helm");
    }

    #[test]
    fn pow2_is_pow_of_two() {
        let m = from_u128(u128::MAX - 158);
        let mont = Mont::new(&m);
        let one = mont.to_mont(&[1, 0]);
        let exp = [0x1234_5678_9abc_def1, 0x0fed_cba9];
        assert_eq!(mont.pow2(&exp, &one), mont.pow(&mont.to_mont(&[2, 0]), &exp, &one));
    }

    #[test]
    fn random_primes_have_the_size() {
        let p = random_prime(&mut rand_core::OsRng, 512);
        assert_eq!(p.len(), 8);
        assert_eq!(p[7] >> 62, 0b11);
        assert_eq!(p[0] & 1, 1);
    }
}
