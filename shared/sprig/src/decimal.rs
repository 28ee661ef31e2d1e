//! Exact decimal arithmetic as shopspring/decimal does it for Sprig's `addf`, `subf`, `mulf`, `divf`:
//! floats enter as their shortest decimal form, division rounds to 16 places (half away from zero).

/// value = (-1)^neg × digits × 10^exp, digits big-endian decimal without leading zeros.
#[derive(Clone, Debug)]
pub struct Dec {
    neg: bool,
    digits: Vec<u8>,
    exp: i64,
}

fn strip(mut d: Vec<u8>) -> Vec<u8> {
    let lead = d.iter().take_while(|&&c| c == 0).count();
    d.drain(..lead);
    d
}

fn cmp_mag(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 { i -= 1; a[i] } else { 0 };
        let y = if j > 0 { j -= 1; b[j] } else { 0 };
        let s = x + y + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    out.reverse();
    strip(out)
}

/// a - b for |a| >= |b|.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut j, mut borrow) = (a.len(), b.len(), 0i8);
    while i > 0 {
        i -= 1;
        let y = if j > 0 { j -= 1; b[j] as i8 } else { 0 };
        let mut s = a[i] as i8 - y - borrow;
        borrow = 0;
        if s < 0 {
            s += 10;
            borrow = 1;
        }
        out.push(s as u8);
    }
    out.reverse();
    strip(out)
}

fn mul_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut acc = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            acc[i + j + 1] += x as u32 * y as u32;
        }
    }
    for k in (1..acc.len()).rev() {
        let c = acc[k] / 10;
        acc[k] %= 10;
        acc[k - 1] += c;
    }
    strip(acc.into_iter().map(|d| d as u8).collect())
}

/// Long division of magnitudes: (quotient, remainder).
fn divmod_mag(a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut q = Vec::with_capacity(a.len());
    let mut rem: Vec<u8> = Vec::new();
    for &d in a {
        rem.push(d);
        rem = strip(rem);
        let mut count = 0u8;
        while cmp_mag(&rem, b) != std::cmp::Ordering::Less {
            rem = sub_mag(&rem, b);
            count += 1;
        }
        q.push(count);
    }
    (strip(q), rem)
}

impl Dec {
    /// `decimal.NewFromFloat`: the shortest decimal that round-trips.
    pub fn from_f64(f: f64) -> Result<Dec, String> {
        if !f.is_finite() {
            return Err(format!("Cannot create a Decimal from {}", gotemplate::fmt::format_float_v(f)));
        }
        if f == 0.0 {
            return Ok(Dec { neg: false, digits: Vec::new(), exp: 0 });
        }
        let s = format!("{:e}", f.abs());
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let digits: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).map(|c| c - b'0').collect();
        let frac = digits.len() as i64 - 1;
        Ok(Dec { neg: f < 0.0, digits: strip(digits), exp: e - frac })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Both magnitudes scaled to the smaller exponent.
    fn aligned(&self, o: &Dec) -> (Vec<u8>, Vec<u8>, i64) {
        let exp = self.exp.min(o.exp);
        let scale = |d: &Dec| {
            let mut v = d.digits.clone();
            if !v.is_empty() {
                v.extend(std::iter::repeat_n(0, (d.exp - exp) as usize));
            }
            v
        };
        (scale(self), scale(o), exp)
    }

    pub fn add(&self, o: &Dec) -> Dec {
        let (a, b, exp) = self.aligned(o);
        if self.neg == o.neg {
            return Dec { neg: self.neg, digits: add_mag(&a, &b), exp };
        }
        match cmp_mag(&a, &b) {
            std::cmp::Ordering::Less => Dec { neg: o.neg, digits: sub_mag(&b, &a), exp },
            _ => Dec { neg: self.neg, digits: sub_mag(&a, &b), exp },
        }
    }

    pub fn sub(&self, o: &Dec) -> Dec {
        let neg = Dec { neg: !o.neg, ..o.clone() };
        self.add(&neg)
    }

    pub fn mul(&self, o: &Dec) -> Dec {
        Dec { neg: self.neg != o.neg, digits: mul_mag(&self.digits, &o.digits), exp: self.exp + o.exp }
    }

    /// `d.Div(o)`: the quotient rounded to 16 decimal places, half away from zero.
    pub fn div(&self, o: &Dec) -> Result<Dec, String> {
        if o.is_zero() {
            return Err("decimal division by 0".into());
        }
        const PREC: i64 = 16;
        // q × 10^-PREC = (a × 10^ea) / (b × 10^eb)  ⇒  q = a × 10^(ea - eb + PREC) / b
        let k = self.exp - o.exp + PREC;
        let mut num = self.digits.clone();
        let mut den = o.digits.clone();
        if k >= 0 {
            if !num.is_empty() {
                num.extend(std::iter::repeat_n(0, k as usize));
            }
        } else {
            den.extend(std::iter::repeat_n(0, (-k) as usize));
        }
        let (mut q, rem) = divmod_mag(&num, &den);
        let twice = add_mag(&rem, &rem);
        if !rem.is_empty() && cmp_mag(&twice, &den) != std::cmp::Ordering::Less {
            q = add_mag(&q, &[1]);
        }
        Ok(Dec { neg: self.neg != o.neg, digits: q, exp: -PREC })
    }

    /// The nearest float64 (`decimal.Float64`).
    pub fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let text: String = self.digits.iter().map(|d| (d + b'0') as char).collect();
        let v: f64 = format!("{text}e{}", self.exp).parse().unwrap_or(0.0);
        if self.neg {
            -v
        } else {
            v
        }
    }
}

