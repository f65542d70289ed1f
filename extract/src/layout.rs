//! The structure of a text: headlines, segments (the text under one headline), paragraphs, sentences,
//! parts (split at ；), clauses (split at ，：…) and quotations.
//!
//! Newspaper pages break lines in the middle of sentences (`三\n\n年有余`), so a line break ends a
//! sentence only after sentence-final punctuation or next to a headline; elsewhere it is layout.

use crate::phrases::{ends_sentence, separates_clauses};

/// A span of the text: `start..end` in characters.
pub(crate) type Span = (usize, usize);

/// A quotation: `open` and `close` are the offsets of its marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quote {
    pub open: usize,
    pub close: usize,
    /// A short quotation without clause punctuation (“四五”, 《条例》) is a name, not speech.
    pub name: bool,
}

/// The structure of one text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub headlines: Vec<Span>,
    pub segments: Vec<Span>,
    pub paragraphs: Vec<Span>,
    pub sentences: Vec<Span>,
    pub parts: Vec<Span>,
    pub clauses: Vec<Span>,
    pub quotes: Vec<Quote>,
    /// For each character, the innermost quotation holding it (an index into `quotes`), if any.
    innermost: Vec<Option<u32>>,
    /// For each character, the innermost speech quotation holding it, if any.
    innermost_speech: Vec<Option<u32>>,
    /// For each character, whether a name quotation holds it.
    named: Vec<bool>,
}

/// The longest line (in characters) that can be a headline, byline or caption.
const HEADLINE_MAX: usize = 30;
/// The longest quotation searched for its closing mark.
const QUOTE_MAX: usize = 800;
/// The longest quotation that can be a name.
const NAME_MAX: usize = 20;

impl Layout {
    /// Analyses `text`.
    pub(crate) fn new(text: &[char]) -> Layout {
        let lines = lines(text);
        // A text of one line is prose, however short.
        let headline_flags: Vec<bool> = lines
            .iter()
            .map(|&(s, e)| lines.len() > 1 && is_headline(&text[s..e]))
            .collect();
        let mut layout = Layout::default();
        let mut hard_breaks = Vec::new();
        for (index, &(start, end)) in lines.iter().enumerate() {
            let headline = headline_flags[index];
            if headline {
                layout.headlines.push((start, end));
            }
            let next_is_headline = headline_flags.get(index + 1).copied().unwrap_or(true);
            if headline || next_is_headline || ends_with_final_punctuation(&text[start..end]) {
                hard_breaks.push(end);
            }
        }
        layout.segments = segments(text.len(), &lines, &headline_flags);
        layout.paragraphs = split_at(0, text.len(), &hard_breaks, text);
        let mut sentence_ends = hard_breaks.clone();
        for (i, &c) in text.iter().enumerate() {
            if ends_sentence(c) && !text.get(i + 1).copied().is_some_and(ends_sentence) {
                let mut end = i + 1;
                while matches!(text.get(end), Some('”' | '’' | '）' | ')' | '」')) {
                    end += 1;
                }
                sentence_ends.push(end);
            }
        }
        sentence_ends.sort_unstable();
        sentence_ends.dedup();
        layout.sentences = split_at(0, text.len(), &sentence_ends, text);
        let part_ends: Vec<usize> = (0..text.len())
            .filter(|&i| matches!(text[i], '；' | ';'))
            .map(|i| i + 1)
            .collect();
        layout.parts = refine(&layout.sentences, &part_ends, text);
        let clause_ends: Vec<usize> = (0..text.len())
            .filter(|&i| separates_clauses(text[i]))
            .map(|i| i + 1)
            .collect();
        layout.clauses = refine(&layout.parts, &clause_ends, text);
        layout.quotes = quotes(text);
        layout.index_quotes(text.len());
        layout
    }

    /// Fills the per-character quotation lookups, larger quotations first so inner ones win.
    fn index_quotes(&mut self, len: usize) {
        self.innermost = vec![None; len];
        self.innermost_speech = vec![None; len];
        self.named = vec![false; len];
        let mut order: Vec<usize> = (0..self.quotes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.quotes[i].close - self.quotes[i].open));
        for i in order {
            let quote = self.quotes[i];
            let index = u32::try_from(i).ok();
            for at in quote.open + 1..quote.close {
                self.innermost[at] = index;
                if quote.name {
                    self.named[at] = true;
                } else {
                    self.innermost_speech[at] = index;
                }
            }
        }
    }

    fn find(spans: &[Span], at: usize) -> Span {
        let index = spans.partition_point(|&(_, end)| end <= at);
        spans
            .get(index)
            .copied()
            .filter(|&(start, _)| start <= at)
            .unwrap_or((at, at))
    }

    /// The sentence holding offset `at`.
    pub(crate) fn sentence(&self, at: usize) -> Span {
        Self::find(&self.sentences, at)
    }

    /// The part (sentence split at ；) holding `at`.
    pub(crate) fn part(&self, at: usize) -> Span {
        Self::find(&self.parts, at)
    }

    /// The clause holding `at`.
    pub(crate) fn clause(&self, at: usize) -> Span {
        Self::find(&self.clauses, at)
    }

    /// The paragraph holding `at`.
    pub(crate) fn paragraph(&self, at: usize) -> Span {
        Self::find(&self.paragraphs, at)
    }

    /// The segment (text under one headline) holding `at`.
    pub(crate) fn segment(&self, at: usize) -> Span {
        Self::find(&self.segments, at)
    }

    /// Whether `at` lies on a headline line.
    pub(crate) fn in_headline(&self, at: usize) -> bool {
        let (start, end) = Self::find(&self.headlines, at);
        start <= at && at < end
    }

    fn quote(&self, index: Option<&Option<u32>>) -> Option<&Quote> {
        index.copied().flatten().and_then(|i| self.quotes.get(i as usize))
    }

    /// The innermost quotation holding `at` strictly inside its marks.
    pub(crate) fn quote_at(&self, at: usize) -> Option<&Quote> {
        self.quote(self.innermost.get(at))
    }

    /// Whether `at` lies inside a quotation that is a name.
    pub(crate) fn in_name(&self, at: usize) -> bool {
        self.named.get(at).copied().unwrap_or(false)
    }

    /// The innermost speech quotation (not a name) holding `at`.
    pub(crate) fn speech_at(&self, at: usize) -> Option<&Quote> {
        self.quote(self.innermost_speech.get(at))
    }
}

/// `start..end` without whitespace at either end, or `None` when nothing is left.
fn trimmed(text: &[char], start: usize, end: usize) -> Option<Span> {
    let s = (start..end).find(|&i| !text[i].is_whitespace())?;
    let e = (s..end).rev().find(|&i| !text[i].is_whitespace())? + 1;
    Some((s, e))
}

fn lines(text: &[char]) -> Vec<Span> {
    let mut lines = Vec::new();
    let mut start = 0;
    for i in 0..=text.len() {
        if i == text.len() || text[i] == '\n' {
            lines.extend(trimmed(text, start, i));
            start = i + 1;
        }
    }
    lines
}

fn ends_with_final_punctuation(line: &[char]) -> bool {
    let trimmed = line
        .iter()
        .rev()
        .find(|c| !matches!(c, '”' | '’' | '）' | ')' | '」' | '】'));
    trimmed.is_some_and(|&c| ends_sentence(c) || c == '…')
}

fn is_headline(line: &[char]) -> bool {
    line.len() <= HEADLINE_MAX
        && !line.iter().any(|&c| ends_sentence(c))
        && !line.last().is_some_and(|&c| separates_clauses(c) || c == '、')
}

fn segments(len: usize, lines: &[Span], headline: &[bool]) -> Vec<Span> {
    let mut starts = vec![0];
    for (index, &(start, _)) in lines.iter().enumerate() {
        let run_starts = headline[index] && (index == 0 || !headline[index - 1]);
        if run_starts && start > 0 {
            starts.push(start);
        }
    }
    starts.dedup();
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, starts.get(i + 1).copied().unwrap_or(len)))
        .collect()
}

/// Splits `start..end` after each offset in `ends`, trimming whitespace; empty pieces are dropped.
fn split_at(start: usize, end: usize, ends: &[usize], text: &[char]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut from = start;
    let cuts = ends
        .iter()
        .copied()
        .filter(|&e| e > start && e < end)
        .chain(std::iter::once(end));
    for cut in cuts {
        spans.extend(trimmed(text, from, cut));
        from = cut;
    }
    spans
}

/// Splits each of `spans` further after the offsets in `ends`.
fn refine(spans: &[Span], ends: &[usize], text: &[char]) -> Vec<Span> {
    spans
        .iter()
        .flat_map(|&(s, e)| {
            let from = ends.partition_point(|&x| x <= s);
            let to = ends.partition_point(|&x| x < e);
            split_at(s, e, &ends[from..to], text)
        })
        .collect()
}

fn quotes(text: &[char]) -> Vec<Quote> {
    let mut quotes = Vec::new();
    for (open, &c) in text.iter().enumerate() {
        let closing = match c {
            '“' => '”',
            '‘' => '’',
            '《' => '》',
            '「' => '」',
            _ => continue,
        };
        let limit = (open + QUOTE_MAX).min(text.len());
        let Some(close) = (open + 1..limit).find(|&i| text[i] == closing || (text[i] == c && c != '‘'))
        else {
            continue;
        };
        if text[close] != closing {
            continue;
        }
        let inner = &text[open + 1..close];
        let punctuated = inner.iter().any(|&c| ends_sentence(c) || separates_clauses(c));
        let name = c == '《' || (inner.len() <= NAME_MAX && !punctuated);
        quotes.push(Quote { open, close, name });
    }
    quotes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn text_of(text: &[char], span: Span) -> String {
        text[span.0..span.1].iter().collect()
    }

    #[test]
    fn layout_line_breaks_do_not_end_sentences() {
        let text = chars(
            "标题 副题\n\n每天中午,咏归社区的老人都会在家中等待志愿者上门送餐,这样的场景已持续三\n\n年有余,老人总说“社工比子女还亲”。对于小事,已办理3500余件。",
        );
        let layout = Layout::new(&text);
        assert_eq!(layout.headlines.len(), 1);
        let at = text.iter().position(|&c| c == '年').unwrap();
        assert_eq!(
            text_of(&text, layout.sentence(at)),
            "每天中午,咏归社区的老人都会在家中等待志愿者上门送餐,这样的场景已持续三\n\n年有余,老人总说“社工比子女还亲”。"
        );
        assert_eq!(text_of(&text, layout.clause(at)), "这样的场景已持续三\n\n年有余,");
        let at = text.iter().position(|&c| c == '3').unwrap();
        assert_eq!(text_of(&text, layout.clause(at)), "已办理3500余件。");
        assert_eq!(layout.segments.len(), 1);
    }

    #[test]
    fn headlines_start_segments_and_paragraphs() {
        let text = chars("第一篇 标题\n\n正文一。\n\n第二篇 标题\n\n正文二,共5个。");
        let layout = Layout::new(&text);
        assert_eq!(layout.segments.len(), 2);
        let at = text.iter().position(|&c| c == '5').unwrap();
        assert_eq!(
            text_of(&text, layout.segment(at)),
            "第二篇 标题\n\n正文二,共5个。"
        );
        assert_eq!(text_of(&text, layout.paragraph(at)), "正文二,共5个。");
        assert!(layout.in_headline(2) && !layout.in_headline(at));
    }

    #[test]
    fn semicolons_split_parts_and_quotes_are_names_or_speech() {
        let text = chars(
            "截至目前,发放10270余份;每月一次对辖区54家门店检查。“今年带了三拨客商,很好。”开展“四五”行动。",
        );
        let layout = Layout::new(&text);
        let at = text.iter().position(|&c| c == '5').unwrap();
        assert_eq!(text_of(&text, layout.part(at)), "每月一次对辖区54家门店检查。");
        let three = text.iter().position(|&c| c == '三').unwrap();
        assert!(layout.speech_at(three).is_some() && !layout.in_name(three));
        let four = text.iter().position(|&c| c == '四').unwrap();
        assert!(layout.in_name(four));
        assert_eq!(
            text_of(&text, layout.sentence(three)),
            "“今年带了三拨客商,很好。”"
        );
    }
}
