//! Longest-match lookup of dictionary phrases in a text held as `&[char]`, and character classes.

use std::collections::HashMap;

/// The phrases that share a first (or last) character, longest first, with their values.
type Bucket<T> = Vec<(Box<[char]>, T)>;

/// Phrases with a value each, found by their first or their last character.
#[derive(Clone, Debug)]
pub(crate) struct PhraseTable<T> {
    by_first: HashMap<char, Bucket<T>>,
    by_last: HashMap<char, Bucket<T>>,
}

impl<T> Default for PhraseTable<T> {
    fn default() -> Self {
        PhraseTable {
            by_first: HashMap::new(),
            by_last: HashMap::new(),
        }
    }
}

impl<T: Clone> PhraseTable<T> {
    /// Adds `phrase` (replacing an earlier value of the same phrase); empty phrases are ignored.
    pub(crate) fn insert(&mut self, phrase: &str, value: T) {
        let chars: Box<[char]> = phrase.chars().collect();
        let (Some(&first), Some(&last)) = (chars.first(), chars.last()) else {
            return;
        };
        for (key, map) in [(first, &mut self.by_first), (last, &mut self.by_last)] {
            let list = map.entry(key).or_default();
            list.retain(|(p, _)| *p != chars);
            list.push((chars.clone(), value.clone()));
            list.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        }
    }
}

impl<T> PhraseTable<T> {
    /// The longest phrase starting at `at`: its length and value.
    pub(crate) fn longest_at(&self, text: &[char], at: usize) -> Option<(usize, &T)> {
        let rest = text.get(at..)?;
        self.by_first
            .get(rest.first()?)?
            .iter()
            .find(|(p, _)| rest.starts_with(p))
            .map(|(p, v)| (p.len(), v))
    }

    /// The longest phrase ending just before `end`: its length and value.
    pub(crate) fn longest_ending_at(&self, text: &[char], end: usize) -> Option<(usize, &T)> {
        let head = text.get(..end)?;
        self.by_last
            .get(head.last()?)?
            .iter()
            .find(|(p, _)| head.ends_with(p))
            .map(|(p, v)| (p.len(), v))
    }

    /// The longest phrase starting at `at` when layout line breaks in the text are skipped (before the
    /// phrase and inside it): the offset just past its last character, and its value.
    pub(crate) fn longest_at_skipping_space(&self, text: &[char], at: usize) -> Option<(usize, &T)> {
        let mut compact = [('\0', 0usize); 8];
        let mut len = 0;
        let mut i = at;
        let mut line_break = false;
        while i < text.len() && len < compact.len() {
            if !text[i].is_whitespace() {
                if len == 0 && i > at && !line_break {
                    return None;
                }
                compact[len] = (text[i], i);
                len += 1;
            } else {
                line_break |= text[i] == '\n';
            }
            i += 1;
        }
        let compact = &compact[..len];
        self.by_first.get(&compact.first()?.0)?.iter().find_map(|(p, v)| {
            let matches = p.len() <= compact.len() && p.iter().zip(compact).all(|(a, (b, _))| a == b);
            matches.then(|| (compact[p.len() - 1].1 + 1, v))
        })
    }

    /// Whether `word` is one of the phrases.
    #[cfg(test)]
    pub(crate) fn contains(&self, word: &str) -> bool {
        let chars: Vec<char> = word.chars().collect();
        chars
            .first()
            .and_then(|c| self.by_first.get(c))
            .is_some_and(|list| list.iter().any(|(p, _)| **p == *chars))
    }
}

impl<T> PhraseTable<T> {
    /// Whether any phrase lies wholly inside `text[from..to]`.
    pub(crate) fn occurs_in(&self, text: &[char], from: usize, to: usize) -> bool {
        let window = &text[..to.min(text.len())];
        (from..window.len()).any(|i| self.longest_at(window, i).is_some())
    }
}

/// Whether `c` is a Han character.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Whether `c` is an ASCII or full-width decimal digit.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Whether `c` ends a sentence.
pub(crate) fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?')
}

/// Whether `c` separates clauses inside a sentence.
pub(crate) fn separates_clauses(c: char) -> bool {
    matches!(c, '，' | ',' | '；' | ';' | '：' | ':' | '…')
}

/// Whether `c` is punctuation of any kind (ASCII or CJK).
pub(crate) fn is_punctuation(c: char) -> bool {
    ends_sentence(c)
        || separates_clauses(c)
        || matches!(
            c,
            '、' | '“'
                | '”'
                | '‘'
                | '’'
                | '《'
                | '》'
                | '（'
                | '）'
                | '('
                | ')'
                | '【'
                | '】'
                | '「'
                | '」'
                | '"'
                | '\''
                | '·'
                | '—'
                | '-'
                | '~'
                | '～'
                | '/'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn finds_the_longest_phrase_forwards_and_backwards() {
        let mut table = PhraseTable::default();
        table.insert("人", 1);
        table.insert("人次", 2);
        table.insert("超过", 3);
        let text = chars("超过2万人次参与");
        assert_eq!(table.longest_at(&text, 4), Some((2, &2)));
        assert_eq!(table.longest_ending_at(&text, 2), Some((2, &3)));
        assert_eq!(table.longest_at(&text, 6), None);
        assert!(table.contains("人次") && !table.contains("人次参"));
        assert!(table.occurs_in(&text, 3, 6) && !table.occurs_in(&text, 5, 7));
    }

    #[test]
    fn skips_layout_line_breaks_inside_a_phrase() {
        let mut table = PhraseTable::default();
        table.insert("平方米", ());
        let text = chars("45896平方\n\n米,总 平方米");
        assert_eq!(
            table.longest_at_skipping_space(&text, 5).map(|(end, _)| end),
            Some(10)
        );
        assert_eq!(table.longest_at_skipping_space(&text, 7), None);
        let text = chars("3\n\n平方米 3 平方米");
        assert_eq!(
            table.longest_at_skipping_space(&text, 1).map(|(end, _)| end),
            Some(6)
        );
        assert_eq!(table.longest_at_skipping_space(&text, 8), None);
    }
}
