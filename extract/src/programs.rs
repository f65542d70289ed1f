//! Named initiatives: catalog programmes (matched with or without their quotation marks, “四五”行动 for
//! 四五行动) and short quoted names followed by a programme word (“治转提”专项行动, “六事工作法”).
//!
//! A figure belongs to the programme named in its sentence (the nearest before it, else the first after
//! it), else to the last one named in its paragraph, else in its segment (a section heading such as
//! “五到”入民心 names the part of the programme its section reports).

use chrono::NaiveDate;

use crate::catalog::Catalog;
use crate::dictionaries::Dictionaries;
use crate::layout::Layout;
use crate::mention::ProgramRef;
use crate::phrases::PhraseTable;

/// A programme named in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProgramMention {
    pub start: usize,
    pub end: usize,
    /// The catalog name, or the name as written without its quotation marks.
    pub name: String,
    pub code: Option<String>,
    pub started_on: Option<NaiveDate>,
}

/// A catalog programme key: its index, and whether the key is a core name that must be quoted (五到 of
/// 五到行动).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    program: usize,
    core: bool,
}

/// Catalog programme names prepared for lookup.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProgramIndex {
    keys: PhraseTable<Key>,
}

const QUOTE_MARKS: [char; 6] = ['“', '”', '‘', '’', '「', '」'];

/// A name without its parenthetical explanation and quotation marks.
fn key_of(name: &str) -> String {
    let mut key = String::new();
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            _ if depth > 0 || QUOTE_MARKS.contains(&c) => {}
            _ => key.push(c),
        }
    }
    key
}

impl ProgramIndex {
    pub(crate) fn new(catalog: &Catalog, dict: &Dictionaries) -> ProgramIndex {
        let mut keys = PhraseTable::default();
        for (program, entry) in catalog.programs.iter().enumerate() {
            let key: Vec<char> = key_of(&entry.name).chars().collect();
            if key.len() < 2 {
                continue;
            }
            if let Some((len, _)) = dict.program_suffixes.longest_ending_at(&key, key.len())
                && key.len() - len >= 2
            {
                let core: String = key[..key.len() - len].iter().collect();
                keys.insert(&core, Key { program, core: true });
            }
            keys.insert(&key.iter().collect::<String>(), Key { program, core: false });
        }
        ProgramIndex { keys }
    }
}

/// Finds the programmes named in `text`.
pub(crate) fn find_programs(
    text: &[char],
    layout: &Layout,
    dict: &Dictionaries,
    index: &ProgramIndex,
    catalog: &Catalog,
) -> Vec<ProgramMention> {
    // Match on the text without quotation marks, keeping each character's offset.
    let (stripped, offsets): (Vec<char>, Vec<usize>) = text
        .iter()
        .enumerate()
        .filter(|(_, c)| !QUOTE_MARKS.contains(c))
        .map(|(i, &c)| (c, i))
        .unzip();
    let mut mentions = Vec::new();
    let mut i = 0;
    while i < stripped.len() {
        let Some((len, key)) = index.keys.longest_at(&stripped, i) else {
            i += 1;
            continue;
        };
        let (start, last) = (offsets[i], offsets[i + len - 1]);
        let quoted = start > 0
            && matches!(text[start - 1], '“' | '‘')
            && matches!(text.get(last + 1), Some('”' | '’'));
        if !key.core || quoted {
            let program = &catalog.programs[key.program];
            mentions.push(ProgramMention {
                start,
                end: last + 1,
                name: program.name.clone(),
                code: Some(program.code.clone()),
                started_on: program.started_on,
            });
        }
        i += len;
    }
    for quote in layout.quotes.iter().filter(|q| q.name && text[q.open] != '《') {
        if mentions
            .iter()
            .any(|m| m.start <= quote.close && quote.open <= m.end)
        {
            continue;
        }
        let inner: String = text[quote.open + 1..quote.close].iter().collect();
        let suffix = dict.program_suffixes.longest_at(text, quote.close + 1);
        let inner_chars: Vec<char> = inner.chars().collect();
        let named_inside = dict
            .program_suffixes
            .longest_ending_at(&inner_chars, inner_chars.len())
            .is_some();
        let (name, end) = match suffix {
            Some((len, _)) => (
                inner.clone()
                    + &text[quote.close + 1..quote.close + 1 + len]
                        .iter()
                        .collect::<String>(),
                quote.close + 1 + len,
            ),
            None if named_inside && inner_chars.len() > 2 => (inner, quote.close + 1),
            None => continue,
        };
        let name = name.chars().filter(|c| !c.is_whitespace()).collect();
        mentions.push(ProgramMention {
            start: quote.open,
            end,
            name,
            code: None,
            started_on: None,
        });
    }
    mentions.sort_by_key(|m| m.start);
    mentions
}

/// The programme the figure whose quote starts at `at` belongs to.
pub(crate) fn program_for<'m>(
    at: usize,
    mentions: &'m [ProgramMention],
    layout: &Layout,
) -> Option<&'m ProgramMention> {
    let sentence = layout.sentence(at);
    let paragraph = layout.paragraph(at);
    let segment = layout.segment(at);
    let before = |from: usize| mentions.iter().rfind(move |m| m.start >= from && m.end <= at);
    before(sentence.0)
        .or_else(|| mentions.iter().find(|m| m.start > at && m.end <= sentence.1))
        .or_else(|| before(paragraph.0))
        .or_else(|| before(segment.0))
}

impl ProgramMention {
    pub(crate) fn to_ref(&self) -> ProgramRef {
        ProgramRef {
            name: self.name.clone(),
            code: self.code.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogProgram;

    fn program(code: &str, name: &str) -> CatalogProgram {
        CatalogProgram {
            code: code.into(),
            name: name.into(),
            region: None,
            started_on: None,
        }
    }

    fn names(text: &str) -> Vec<(String, Option<String>)> {
        let catalog = Catalog {
            programs: vec![
                program("siwu", "四五行动"),
                program("wudao", "五到行动"),
                program("zt", "“治转提”专项行动"),
            ],
            ..Catalog::default()
        };
        let dict = Dictionaries::builtin();
        let chars: Vec<char> = text.chars().collect();
        let layout = Layout::new(&chars);
        let index = ProgramIndex::new(&catalog, &dict);
        find_programs(&chars, &layout, &dict, &index, &catalog)
            .into_iter()
            .map(|m| (m.name, m.code))
            .collect()
    }

    #[test]
    fn catalog_names_match_with_or_without_quotation_marks() {
        assert_eq!(
            names("开展了“四五”行动"),
            [("四五行动".to_owned(), Some("siwu".to_owned()))]
        );
        assert_eq!(
            names("“五到”入民心"),
            [("五到行动".to_owned(), Some("wudao".to_owned()))]
        );
        assert_eq!(names("五到底"), []);
        assert_eq!(
            names("开展“治转提”专项行动"),
            [("“治转提”专项行动".to_owned(), Some("zt".to_owned()))]
        );
    }

    #[test]
    fn quoted_names_with_a_programme_word_are_programmes() {
        assert_eq!(names("推行“六事工作法”"), [("六事工作法".to_owned(), None)]);
        assert_eq!(names("谋划“共富红谷”项目"), [("共富红谷项目".to_owned(), None)]);
        assert_eq!(names("走出了“紫金速度”"), []);
    }
}
