//! Whether a quantity is a reported figure, or a norm, plan, target, design parameter, background
//! duration or descriptive detail.
//!
//! Not figures: targets (计划…, a period after the publication date such as 到2025年底); quantities under a
//! norm word (至少, 不少于) or a cue (为期, 学制, 即, 24小时轮值);
//! frequencies (每月一次, 每周走访1次); time limits (1小时内) and the durations listed with them (10分钟
//! 到达、半小时反馈); background durations (已持续三年有余, 合作已有10年, 不到3个月时间); and a small
//! numeral that announces an enumeration (三点…一是…). Everything else is a reported figure.

use entity::Qualifier;

use crate::dictionaries::{CuePosition, CueReason, Dictionaries};
use crate::layout::Layout;
use crate::mention::Kind;
use crate::scanner::Quantity;

/// How far before the number a one-character cue (即, 拟) may end.
const SHORT_CUE_REACH: usize = 2;
/// How far after the quantity an after-cue (轮值, 时间) may start.
const AFTER_CUE_REACH: usize = 2;

/// The period wording that governs a quantity, as far as figures are concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Governing {
    /// A rate word (每月, 每周) governs it.
    pub rate: bool,
    /// Its period lies after the publication date (到2025年底): a target.
    pub future: bool,
}

/// Whether the quantity `index` of `quantities` is a reported figure.
pub(crate) fn is_figure(
    index: usize,
    quantities: &[Quantity],
    governing: Governing,
    text: &[char],
    layout: &Layout,
    dict: &Dictionaries,
) -> bool {
    let q = &quantities[index];
    let rate = governing.rate;
    if governing.future {
        return false;
    }
    let duration = q.kind == Kind::Duration;
    let limit =
        |q: &Quantity| q.kind == Kind::Duration && q.qualifier == Qualifier::Under && text[q.end - 1] == '内';
    if limit(q) || (rate && q.unit == "次") {
        return false;
    }
    let clause = layout.clause(q.start);
    let first = quantities.partition_point(|other| other.start < clause.0);
    let in_clause = quantities[first..]
        .iter()
        .take_while(|other| other.start < clause.1);
    if duration && in_clause.into_iter().any(limit) {
        return false;
    }
    let sentence = layout.sentence(q.start);
    if cue_before(q, clause.0, sentence.0, duration, text, dict) || (duration && cue_after(q, text, dict)) {
        return false;
    }
    let announces_list = q.chinese
        && text[q.end..sentence.1.max(q.end)]
            .windows(2)
            .any(|w| w == ['一', '是'] || w == ['第', '一']);
    !announces_list
}

fn cue_before(
    q: &Quantity,
    clause_start: usize,
    sentence_start: usize,
    duration: bool,
    text: &[char],
    dict: &Dictionaries,
) -> bool {
    (sentence_start..q.number_start).any(|i| {
        dict.figure_cues
            .longest_at(&text[..q.number_start], i)
            .is_some_and(|(len, cue)| {
                let in_scope = match cue.position {
                    CuePosition::Sentence => true,
                    CuePosition::Before => i >= clause_start,
                    CuePosition::After => false,
                };
                let reaches = len > 1 || q.number_start - (i + len) <= SHORT_CUE_REACH;
                let applies = cue.reason != CueReason::Background || duration;
                in_scope && reaches && applies
            })
    })
}

fn cue_after(q: &Quantity, text: &[char], dict: &Dictionaries) -> bool {
    (q.end..(q.end + AFTER_CUE_REACH).min(text.len())).any(|i| {
        dict.figure_cues
            .longest_at(text, i)
            .is_some_and(|(_, cue)| cue.position == CuePosition::After)
    })
}
