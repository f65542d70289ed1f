//! The number grammar: Arabic and Chinese numerals, the scale words 万 and 亿, and vague amounts.
//!
//! `7000`, `5.54`, `10,270`, `1.1万`, `28.6亿`, `500余万`, `50多万`, `5千` are Arabic; `三`, `两千`,
//! `一百二十`, `三万五`, `二〇二三` are Chinese; `几十`, `十几`, `20几` (with the qualifier word),
//! `数千万` and `上百` are vague and take their lower bound. The grammar only reads numbers: whether one
//! is a quantity (a counter follows, it is not a date, an ordinal or part of a name) is the scanner's
//! business.

use crate::phrases::digit_value;

/// A number read from the text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Number {
    /// Offset just past the number (including 万/亿 and a 余/多 written before them).
    pub end: usize,
    /// The value with scale words multiplied out; the lower bound of a vague amount.
    pub value: f64,
    /// The largest scale word written: 1, 10 000 or 100 000 000.
    pub scale: u64,
    /// A vague amount (几十, 数千万, 上百, 500余万): the qualifier is over.
    pub vague: bool,
    /// Written in Chinese numerals.
    pub chinese: bool,
    /// The number of digits when the number is a plain digit string (2023, 二〇二三), else 0.
    pub plain_digits: usize,
    /// The number is a lone 一, which is mostly an article (一家企业), not a count.
    pub bare_one: bool,
}

/// Whether a number may start with `c`.
pub(crate) fn may_start_number(c: char) -> bool {
    digit_value(c).is_some()
        || chinese_digit(c).is_some()
        || matches!(c, '十' | '百' | '千' | '万' | '亿' | '几' | '数' | '上')
}

/// Reads the number starting at `at`. A bare multiplier (百余人, 近万人) is read only when
/// `allow_bare_multiplier` is set, since 千家万户, 万年山 and 百姓 hold no number.
pub(crate) fn parse(text: &[char], at: usize, allow_bare_multiplier: bool) -> Option<Number> {
    let first = *text.get(at)?;
    if digit_value(first).is_some() {
        Some(arabic(text, at))
    } else {
        chinese(text, at, allow_bare_multiplier)
    }
}

/// The value of a Chinese digit (零〇 to 九, 两).
pub(crate) fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn multiplier(c: char) -> Option<f64> {
    Some(match c {
        '十' => 10.0,
        '百' => 100.0,
        '千' => 1_000.0,
        '万' => 10_000.0,
        '亿' => 100_000_000.0,
        _ => return None,
    })
}

fn at(text: &[char], i: usize) -> char {
    text.get(i).copied().unwrap_or('\0')
}

/// Reads 万/亿 (and a 余/多/几 written before them) after the digits ending at `i`.
fn scale_words(text: &[char], mut i: usize, number: &mut Number) -> usize {
    if matches!(at(text, i), '余' | '多' | '几') && matches!(at(text, i + 1), '万' | '亿') {
        number.vague = true;
        i += 1;
    }
    while let c @ ('万' | '亿') = at(text, i) {
        let factor = if c == '万' { 10_000 } else { 100_000_000 };
        number.value *= factor as f64;
        number.scale = number.scale.max(factor);
        number.plain_digits = 0;
        i += 1;
    }
    i
}

fn arabic(text: &[char], start: usize) -> Number {
    let mut digits = String::new();
    let mut i = start;
    while let Some(d) = digit_value(at(text, i)) {
        digits.push(char::from(b'0' + d as u8));
        i += 1;
    }
    let mut plain = true;
    // Thousands separators: 10,270 (but not the clause comma of 50天,25天).
    while at(text, i) == ','
        && (!plain || digits.len() <= 3)
        && (1..=3).all(|k| digit_value(at(text, i + k)).is_some())
        && digit_value(at(text, i + 4)).is_none()
    {
        digits.extend(
            (1..=3)
                .filter_map(|k| digit_value(at(text, i + k)))
                .map(|d| char::from(b'0' + d as u8)),
        );
        i += 4;
        plain = false;
    }
    // The digits after a decimal point are kept in the mantissa and divided out last, so that 156.3亿
    // is exactly 15630000000.
    let mut decimals = 0;
    if at(text, i) == '.' && digit_value(at(text, i + 1)).is_some() {
        i += 1;
        while let Some(d) = digit_value(at(text, i)) {
            digits.push(char::from(b'0' + d as u8));
            decimals += 1;
            i += 1;
        }
        plain = false;
    }
    let plain_digits = if plain { digits.len() } else { 0 };
    let mut number = Number {
        end: i,
        value: digits.parse().unwrap_or(0.0),
        scale: 1,
        vague: false,
        chinese: false,
        plain_digits,
        bare_one: false,
    };
    // 5千, 3百 (but 5千米, 3千克, 2千瓦 are units, and 百分 starts a percentage).
    let c = at(text, i);
    if matches!(c, '千' | '百') && !matches!(at(text, i + 1), '米' | '克' | '瓦' | '分') {
        number.value *= multiplier(c).unwrap_or(1.0);
        number.plain_digits = 0;
        i += 1;
    }
    number.end = scale_words(text, i, &mut number);
    number.value /= 10f64.powi(decimals);
    number
}

fn chinese(text: &[char], start: usize, allow_bare_multiplier: bool) -> Option<Number> {
    let mut i = start;
    let mut vague = false;
    let mut digit: Option<f64> = None;
    // 数千万, 上百: a vague leading “some”.
    let lead = at(text, i);
    let next = at(text, i + 1);
    if (lead == '数' && matches!(next, '十' | '百' | '千' | '万' | '亿'))
        || (lead == '上' && matches!(next, '百' | '千' | '万' | '亿'))
    {
        vague = true;
        digit = Some(1.0);
        i += 1;
    } else if lead == '数' || lead == '上' {
        return None;
    }
    let (mut total, mut section, mut scale) = (0.0f64, 0.0f64, 1u64);
    let mut last_multiplier: Option<f64> = None;
    let mut digit_follows_multiplier = false;
    let mut seen_multiplier = false;
    let mut seen = vague;
    loop {
        let c = at(text, i);
        if let Some(d) = chinese_digit(c) {
            if d == 0 && seen_multiplier {
                digit = None;
                digit_follows_multiplier = false;
                i += 1;
                continue;
            }
            if digit.is_some() {
                if seen_multiplier || vague {
                    break;
                }
                return Some(digit_string(text, start));
            }
            digit = Some(f64::from(d));
            digit_follows_multiplier =
                last_multiplier.is_some() && i > start && multiplier(at(text, i - 1)).is_some();
        } else if c == '几' {
            if digit.is_some() {
                break;
            }
            vague = true;
            let before_multiplier = matches!(at(text, i + 1), '十' | '百' | '千' | '万' | '亿');
            digit = Some(if before_multiplier { 1.0 } else { 0.0 });
            digit_follows_multiplier = false;
        } else if let (Some(m), '十' | '百' | '千') = (multiplier(c), c) {
            let n = match digit {
                Some(n) => n,
                None if c == '十' => 1.0,
                None if !seen && allow_bare_multiplier => 1.0,
                None => break,
            };
            section += n * m;
            digit = None;
            last_multiplier = Some(m);
            seen_multiplier = true;
        } else if let Some(m) = multiplier(c) {
            let mut s = section + digit.unwrap_or(0.0);
            if s == 0.0 && total == 0.0 {
                if seen || !allow_bare_multiplier {
                    break;
                }
                s = 1.0;
            }
            if m > 10_000.0 {
                total = (total + s) * m;
            } else {
                total += s * m;
            }
            scale = scale.max(m as u64);
            section = 0.0;
            digit = None;
            last_multiplier = Some(m);
            seen_multiplier = true;
        } else {
            break;
        }
        seen = true;
        i += 1;
    }
    if !seen || i == start {
        return None;
    }
    let tail = match (digit, last_multiplier) {
        // 三万五 is 35000, 一百五 is 150.
        (Some(d), Some(m)) if digit_follows_multiplier && m >= 100.0 => d * m / 10.0,
        (Some(d), _) => d,
        (None, _) => 0.0,
    };
    let value = total + section + tail;
    Some(Number {
        end: i,
        value,
        scale,
        vague,
        chinese: true,
        plain_digits: 0,
        bare_one: i == start + 1 && text[start] == '一',
    })
}

/// 二〇二三: digits read one by one, as in years.
fn digit_string(text: &[char], start: usize) -> Number {
    let mut i = start;
    let mut value = 0.0;
    while let Some(d) = chinese_digit(at(text, i)).filter(|_| at(text, i) != '两') {
        value = value * 10.0 + f64::from(d);
        i += 1;
    }
    Number {
        end: i,
        value,
        scale: 1,
        vague: false,
        chinese: true,
        plain_digits: i - start,
        bare_one: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (f64, u64, bool, String) {
        read_with(text, false)
    }

    fn read_with(text: &str, bare: bool) -> (f64, u64, bool, String) {
        let chars: Vec<char> = text.chars().collect();
        let n = parse(&chars, 0, bare).unwrap_or_else(|| panic!("no number in {text}"));
        (n.value, n.scale, n.vague, chars[..n.end].iter().collect())
    }

    /// Each case: text, value, scale, vague, the number as written.
    fn check(cases: &[(&str, f64, u64, bool, &str)]) {
        for &(text, value, scale, vague, written) in cases {
            assert_eq!(read(text), (value, scale, vague, written.to_owned()), "{text}");
        }
    }

    #[test]
    fn arabic_numbers_with_scales() {
        check(&[
            ("7000余人次", 7000.0, 1, false, "7000"),
            ("5.54吨", 5.54, 1, false, "5.54"),
            ("1.1万亩", 11000.0, 10_000, false, "1.1万"),
            ("28.6亿元", 2_860_000_000.0, 100_000_000, false, "28.6亿"),
            ("3400万元", 34_000_000.0, 10_000, false, "3400万"),
            ("500余万元", 5_000_000.0, 10_000, true, "500余万"),
            ("50多万人", 500_000.0, 10_000, true, "50多万"),
            ("2.6万余人", 26_000.0, 10_000, false, "2.6万"),
            ("5千多", 5_000.0, 1, false, "5千"),
            ("10,270份", 10_270.0, 1, false, "10,270"),
            ("50,25天", 50.0, 1, false, "50"),
            ("５０人", 50.0, 1, false, "５０"),
            ("5千米", 5.0, 1, false, "5"),
            ("3.0版本", 3.0, 1, false, "3.0"),
            ("156.3亿元", 15_630_000_000.0, 100_000_000, false, "156.3亿"),
            ("0.35万亩", 3_500.0, 10_000, false, "0.35万"),
        ]);
    }

    #[test]
    fn chinese_numbers() {
        check(&[
            ("三支", 3.0, 1, false, "三"),
            ("两千人", 2_000.0, 1, false, "两千"),
            ("三万人", 30_000.0, 10_000, false, "三万"),
            ("一百二十个", 120.0, 1, false, "一百二十"),
            ("三千五百户", 3_500.0, 1, false, "三千五百"),
            ("一千零五件", 1_005.0, 1, false, "一千零五"),
            ("三万五人", 35_000.0, 10_000, false, "三万五"),
            ("两万三千人", 23_000.0, 10_000, false, "两万三千"),
            ("三亿五千万元", 350_000_000.0, 100_000_000, false, "三亿五千万"),
            ("十一个", 11.0, 1, false, "十一"),
            ("二十个", 20.0, 1, false, "二十"),
            ("十个", 10.0, 1, false, "十"),
            ("一万亿", 1e12, 100_000_000, false, "一万亿"),
        ]);
    }

    #[test]
    fn vague_amounts_take_their_lower_bound() {
        check(&[
            ("几十起", 10.0, 1, true, "几十"),
            ("十几家", 10.0, 1, true, "十几"),
            ("二十几家", 20.0, 1, true, "二十几"),
            ("几百人", 100.0, 1, true, "几百"),
            ("数千万元", 10_000_000.0, 10_000, true, "数千万"),
            ("数十个", 10.0, 1, true, "数十"),
            ("上百名", 100.0, 1, true, "上百"),
            ("上万人", 10_000.0, 10_000, true, "上万"),
        ]);
    }

    #[test]
    fn bare_multipliers_need_permission() {
        let chars: Vec<char> = "万年山".chars().collect();
        assert_eq!(parse(&chars, 0, false), None);
        let chars: Vec<char> = "千家万户".chars().collect();
        assert_eq!(parse(&chars, 0, false), None);
        assert_eq!(read_with("百余人", true), (100.0, 1, false, "百".into()));
        assert_eq!(read_with("万人", true), (10_000.0, 10_000, false, "万".into()));
        let chars: Vec<char> = "数据".chars().collect();
        assert_eq!(parse(&chars, 0, true), None);
        let chars: Vec<char> = "上门".chars().collect();
        assert_eq!(parse(&chars, 0, true), None);
    }

    #[test]
    fn digit_strings_lone_ones_and_plain_digits() {
        let chars: Vec<char> = "二〇二三年".chars().collect();
        let year = parse(&chars, 0, false).unwrap();
        assert_eq!((year.value, year.plain_digits, year.end), (2023.0, 4, 4));
        let chars: Vec<char> = "一家".chars().collect();
        assert!(parse(&chars, 0, false).unwrap().bare_one);
        let chars: Vec<char> = "一百家".chars().collect();
        assert!(!parse(&chars, 0, false).unwrap().bare_one);
        let chars: Vec<char> = "2023年".chars().collect();
        assert_eq!(parse(&chars, 0, false).unwrap().plain_digits, 4);
        let chars: Vec<char> = "1.5万".chars().collect();
        assert_eq!(parse(&chars, 0, false).unwrap().plain_digits, 0);
    }
}
