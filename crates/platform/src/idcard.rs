//! Chinese resident ID numbers (GB 11643-1999): the 18-character form only, since the 15-digit
//! numbers were replaced nationwide and carry no check character to catch typos.

use jiff::civil::Date;

const LEN_ERR: &str = "身份证号应为 18 位";
const CHARSET_ERR: &str = "身份证号只能包含数字和末位 X";
const BIRTH_ERR: &str = "身份证号中的出生日期不正确";
const CHECK_ERR: &str = "身份证号校验位不正确";

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";
const EARLIEST_BIRTH: Date = Date::constant(1900, 1, 1);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdCard {
    /// Normalised: trimmed, check character upper-case.
    pub number: String,
    pub birth: Date,
    pub male: bool,
}

/// Parses and checks an ID number; the error is a short Chinese message for the form field.
pub fn parse(raw: &str) -> Result<IdCard, &'static str> {
    let number = raw.trim().to_ascii_uppercase();
    if number.chars().count() != 18 {
        return Err(LEN_ERR);
    }
    // Counting characters first means a stray Chinese character reads as "wrong characters"
    // rather than "wrong length"; once this passes, the string is 18 ASCII bytes.
    let bytes = number.as_bytes();
    let Some((&check, body)) = bytes.split_last().filter(|(_, body)| body.len() == 17) else {
        return Err(CHARSET_ERR);
    };
    if !body.iter().all(u8::is_ascii_digit) || !(check.is_ascii_digit() || check == b'X') {
        return Err(CHARSET_ERR);
    }

    let birth = birth_date(&body[6..14]).ok_or(BIRTH_ERR)?;
    if birth < EARLIEST_BIRTH || birth > today() {
        return Err(BIRTH_ERR);
    }
    if check_char(body) != check {
        return Err(CHECK_ERR);
    }
    let male = (body[16] - b'0') % 2 == 1;
    Ok(IdCard { number, birth, male })
}

/// 3301**********1234 style, for lists: first 4 and last 4 kept, the rest '*'. Anything shorter
/// than an ID number is starred out entirely, since keeping 8 characters of it would show most of it.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n < 18 {
        return "*".repeat(n);
    }
    chars.iter().enumerate().map(|(i, &c)| if i < 4 || i >= n - 4 { c } else { '*' }).collect()
}

/// The ISO 7064 MOD 11-2 check character over the first 17 digits (ASCII).
fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// YYYYMMDD (ASCII digits) as a real calendar date.
fn birth_date(digits: &[u8]) -> Option<Date> {
    let num = |d: &[u8]| d.iter().fold(0i16, |n, c| n * 10 + i16::from(c - b'0'));
    let year = num(digits.get(0..4)?);
    let month = i8::try_from(num(digits.get(4..6)?)).ok()?;
    let day = i8::try_from(num(digits.get(6..8)?)).ok()?;
    Date::new(year, month, day).ok()
}

/// Birth dates are civil dates in China, so "not after today" is judged in Beijing time.
fn today() -> Date {
    crate::clock::SHANGHAI.to_datetime(jiff::Timestamp::now()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up number: area + birth + sequence, with the check character computed.
    fn make(first17: &str) -> String {
        assert_eq!(first17.len(), 17);
        format!("{first17}{}", check_char(first17.as_bytes()) as char)
    }

    #[test]
    fn check_char_matches_the_standards_examples() {
        // The worked examples printed in GB 11643-1999 itself.
        assert_eq!(check_char(b"11010519491231002"), b'X');
        assert_eq!(check_char(b"44052418800101001"), b'4');
    }

    #[test]
    fn valid_numbers_parse() {
        let id = parse(&make("11010519800101123")).unwrap();
        assert_eq!(id.birth, Date::constant(1980, 1, 1));
        assert!(id.male);
        assert_eq!(id.number.len(), 18);

        let id = parse(&format!("  {}\t", make("11010519800101124"))).unwrap();
        assert!(!id.male);
        assert_eq!(id.number, make("11010519800101124"));

        assert!(parse(&make("11010519000101123")).is_ok());
        assert!(parse(&make("11010520000229123")).is_ok());
    }

    #[test]
    fn lower_case_x_is_accepted_and_normalised() {
        let upper = (100..1000).map(|seq| make(&format!("11010519800101{seq}"))).find(|n| n.ends_with('X')).unwrap();
        let lower = upper.to_lowercase();
        assert_eq!(parse(&lower).unwrap().number, upper);
    }

    #[test]
    fn every_wrong_check_character_is_refused() {
        let good = make("11010519800101123");
        for c in "0123456789X".chars().filter(|&c| !good.ends_with(c)) {
            let bad = format!("{}{c}", &good[..17]);
            assert_eq!(parse(&bad), Err(CHECK_ERR), "{bad}");
        }
    }

    #[test]
    fn impossible_or_out_of_range_birth_dates_are_refused() {
        for first17 in ["11010519800230123", "11010519810229123", "11010519801301123", "11010519800100123"] {
            assert_eq!(parse(&make(first17)), Err(BIRTH_ERR), "{first17}");
        }
        assert_eq!(parse(&make("11010518991231123")), Err(BIRTH_ERR));
        let tomorrow = today().tomorrow().unwrap().strftime("%Y%m%d").to_string();
        assert_eq!(parse(&make(&format!("110105{tomorrow}123"))), Err(BIRTH_ERR));
        let today = today().strftime("%Y%m%d").to_string();
        assert!(parse(&make(&format!("110105{today}123"))).is_ok());
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert_eq!(parse("110105800101123"), Err(LEN_ERR));
        assert_eq!(parse(""), Err(LEN_ERR));
        assert_eq!(parse(&make("11010519800101123")[..17]), Err(LEN_ERR));
        assert_eq!(parse(&format!("{}0", make("11010519800101123"))), Err(LEN_ERR));
    }

    #[test]
    fn other_characters_are_refused() {
        for bad in [
            "11010519800101123A",
            "1101051980010112X3",
            "11010519800101１２３４",
            "110105198001011二34",
            "11010519800101-123",
        ] {
            assert_eq!(parse(bad), Err(CHARSET_ERR), "{bad}");
        }
    }

    #[test]
    fn mask_keeps_only_the_ends() {
        assert_eq!(mask("330106198001011234"), "3301**********1234");
        assert_eq!(mask("11010519491231002X"), "1101**********002X");
        assert_eq!(mask("110105800101123"), "***************");
        assert_eq!(mask("abc"), "***");
        assert_eq!(mask(""), "");
        assert_eq!(mask("一二三四五六七八九十一二三四五六七八"), "一二三四**********五六七八");
    }
}
