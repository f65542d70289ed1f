//! Places in the text and the place each figure belongs to.
//!
//! Places are catalog names and aliases, names ending in an administrative suffix (府苑新村, 宁围街道) and
//! words that refer back to one (全区, 该街道, 村集体). A place does not govern the figures after it when
//! it is part of an organisation or facility name (丽水分公司, 舟山跨海大桥), a destination (赴重庆), a
//! member of a list (月庄、衡里炉等10个村), the base of a comparison (高于全市平均) or inside a book title.
//! A figure in a quotation belongs to the place named in it or in its attribution (”丰产村书记表示);
//! else to the most specific governing place before it in its sentence; else to an organisation's place
//! there (三门县人民医院…已有10年); else to the last town-or-higher place of its segment (a village
//! governs only its own sentence and what refers back to it); else to the first place after it in its
//! sentence or segment; else to the report's region.

use std::collections::HashMap;

use entity::Level;

use crate::catalog::Catalog;
use crate::dictionaries::Dictionaries;
use crate::layout::Layout;
use crate::mention::RegionRef;
use crate::phrases::{PhraseTable, digit_value, ends_sentence, is_han, separates_clauses};

/// A place mentioned in the text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Place {
    pub start: usize,
    pub end: usize,
    /// The catalog name, or the name as written.
    pub name: String,
    pub code: Option<String>,
    pub level: Option<Level>,
    /// Whether figures after it can belong to it.
    pub governing: bool,
    /// Directly followed by a more specific place (杭州市西湖区): a parent in a chain.
    pub chain_parent: bool,
    /// Part of an organisation's or facility's name (三门县人民医院).
    pub in_organisation: bool,
    /// A word that refers back to a place (全区, 村集体) rather than its name.
    pub reference: bool,
}

/// Catalog region names and aliases, for lookup in the text.
#[derive(Clone, Debug, Default)]
pub(crate) struct RegionIndex {
    names: PhraseTable<Vec<usize>>,
}

/// Names shorter than this are not looked up (京 is not 北京).
const NAME_MIN: usize = 2;
/// The longest name body before a suffix when the catalog does not know the place.
const BODY_MAX: usize = 4;
/// The longest name of a place named once that is kept (宁围街道, 乌石镇; not 切实扛起村).
const SURE_NAME_MAX: usize = 4;
/// How far after a place an organisation word makes it part of the organisation's name.
const ORGANISATION_REACH: usize = 10;

impl RegionIndex {
    pub(crate) fn new(catalog: &Catalog) -> RegionIndex {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, region) in catalog.regions.iter().enumerate() {
            for name in std::iter::once(&region.name).chain(&region.aliases) {
                if name.chars().count() >= NAME_MIN {
                    by_name.entry(name.as_str()).or_default().push(index);
                }
            }
        }
        let mut names = PhraseTable::default();
        for (name, indices) in by_name {
            names.insert(name, indices);
        }
        RegionIndex { names }
    }
}

/// What a reference such as 全区 or 村集体 points back to.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    Level(Level),
    Suffix(String),
}

/// A place, or a reference to be resolved once the places are confirmed.
enum Found {
    Place(Place),
    Reference {
        start: usize,
        end: usize,
        target: Target,
    },
}

impl Found {
    fn span(&self) -> (usize, usize) {
        match self {
            Found::Place(p) => (p.start, p.end),
            Found::Reference { start, end, .. } => (*start, *end),
        }
    }
}

/// Finds the places of `text`.
pub(crate) fn find_places(
    text: &[char],
    layout: &Layout,
    dict: &Dictionaries,
    index: &RegionIndex,
    catalog: &Catalog,
    document_region: Option<&str>,
) -> Vec<Place> {
    let mut found: Vec<Found> = Vec::new();
    let mut named: Vec<Place> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let last_end = found.last().map_or(0, |f| f.span().1);
        let next = known_place(text, i, index, catalog, &named, document_region)
            .or_else(|| listed_place(text, i, dict))
            .map(Found::Place)
            .or_else(|| reference(text, i, dict))
            .or_else(|| suffixed_place(text, i, dict, last_end).map(Found::Place));
        let Some(next) = next else {
            i += 1;
            continue;
        };
        let (start, end) = next.span();
        i = end;
        if layout.quote_at(start).is_some_and(|q| text[q.open] == '《') {
            continue;
        }
        if let Found::Place(place) = &next {
            named.push(place.clone());
        }
        found.push(next);
    }
    let confirmed = confirmed(text, dict, &named);
    let mut places: Vec<Place> = Vec::new();
    for item in found {
        match item {
            Found::Place(place) if confirmed.contains(&place.start) => places.push(place),
            Found::Place(_) => {}
            Found::Reference { start, end, target } => {
                let antecedent = places.iter().rev().find(|p| match &target {
                    Target::Level(level) => p.level == Some(*level),
                    Target::Suffix(suffix) => p.name.ends_with(suffix.as_str()),
                });
                if let Some(antecedent) = antecedent {
                    let governing = true;
                    let (chain_parent, in_organisation, reference) = (false, false, true);
                    places.push(Place {
                        start,
                        end,
                        governing,
                        chain_parent,
                        in_organisation,
                        reference,
                        ..antecedent.clone()
                    });
                }
            }
        }
    }
    mark_governing(text, dict, &mut places);
    places
}

/// The starts of the places to keep: those the catalog knows, the text names twice or names with a
/// short body (宁围街道), and the places of a chain (杭州市西湖区蒋村街道府苑新村) that holds one of these
/// or starts with a county or higher. A long one-off body (切实扛起村) is a generic use of a suffix.
fn confirmed(text: &[char], dict: &Dictionaries, places: &[Place]) -> Vec<usize> {
    let mut named_times: HashMap<&str, usize> = HashMap::new();
    for place in places {
        *named_times.entry(place.name.as_str()).or_default() += 1;
    }
    let sure = |p: &Place| {
        p.code.is_some()
            || dict.known_places.longest_at(text, p.start).is_some()
            || p.end - p.start <= SURE_NAME_MAX
            || named_times.get(p.name.as_str()).is_some_and(|&n| n >= 2)
    };
    let joined =
        |a: &Place, b: &Place| a.end <= b.start && text[a.end..b.start].iter().all(|c| c.is_whitespace());
    let mut kept = Vec::new();
    let mut run_start = 0;
    for i in 0..places.len() {
        if i + 1 < places.len() && joined(&places[i], &places[i + 1]) {
            continue;
        }
        let run = &places[run_start..=i];
        let headed = run.len() > 1 && run[0].level.is_some_and(|l| l <= Level::County);
        if headed || run.iter().any(sure) {
            kept.extend(run.iter().map(|p| p.start));
        }
        run_start = i + 1;
    }
    kept
}

fn known_place(
    text: &[char],
    at: usize,
    index: &RegionIndex,
    catalog: &Catalog,
    earlier: &[Place],
    document_region: Option<&str>,
) -> Option<Place> {
    let (len, candidates) = index.names.longest_at(text, at)?;
    // Among regions of the same name, prefer one under a place already named or the report's region.
    let is_under = |region: usize, ancestor: &str| {
        let mut code = Some(catalog.regions[region].code.as_str());
        while let Some(c) = code {
            if c == ancestor {
                return true;
            }
            code = catalog.region(c).and_then(|r| r.parent.as_deref());
        }
        false
    };
    let chosen = if candidates.len() == 1 {
        candidates[0]
    } else {
        let context: Vec<&str> = earlier
            .iter()
            .filter_map(|p| p.code.as_deref())
            .chain(document_region)
            .collect();
        candidates
            .iter()
            .copied()
            .find(|&r| context.iter().any(|a| is_under(r, a)))
            .or_else(|| candidates.first().copied())?
    };
    let region = &catalog.regions[chosen];
    Some(Place {
        start: at,
        end: at + len,
        name: region.name.clone(),
        code: Some(region.code.clone()),
        level: Some(region.level),
        ..Place::new()
    })
}

/// A place the dictionaries know by name (浙江省).
fn listed_place(text: &[char], at: usize, dict: &Dictionaries) -> Option<Place> {
    let (len, &level) = dict.known_places.longest_at(text, at)?;
    let name = text[at..at + len].iter().collect();
    Some(Place {
        start: at,
        end: at + len,
        name,
        code: None,
        level: Some(level),
        ..Place::new()
    })
}

/// 全区, 该街道, 本村 (a prefix and a suffix) and 村集体, 社区党委 (anaphors) refer back to the last place
/// of their kind; a clause-initial 街道 or 社区 does too.
fn reference(text: &[char], at: usize, dict: &Dictionaries) -> Option<Found> {
    let before = text.get(at.wrapping_sub(1)).copied();
    let clause_initial =
        at == 0 || before.is_some_and(|c| separates_clauses(c) || ends_sentence(c) || c.is_whitespace());
    if let Some((len, &level)) = dict.anaphors.longest_at(text, at) {
        // 村集体 refers back when it is the subject (“此外,村集体每年…”, “由村上雇佣车辆”), not in
        // 扛起村集体增收的责任.
        let subject = clause_initial || dict.place_boundaries.longest_ending_at(text, at).is_some();
        return subject.then_some(Found::Reference {
            start: at,
            end: at + len,
            target: Target::Level(level),
        });
    }
    let (prefix_len, suffix_at) = match dict.anaphora_prefixes.longest_at(text, at) {
        Some((len, _)) => (len, at + len),
        None if clause_initial => (0, at),
        None => return None,
    };
    let (len, _) = dict.place_suffixes.longest_at(text, suffix_at)?;
    let suffix: String = text[suffix_at..suffix_at + len].iter().collect();
    if prefix_len == 0 && !matches!(suffix.as_str(), "街道" | "社区") {
        return None;
    }
    Some(Found::Reference {
        start: at,
        end: suffix_at + len,
        target: Target::Suffix(suffix),
    })
}

/// A name ending in an administrative suffix, from the last boundary before it (府苑新村).
fn suffixed_place(text: &[char], at: usize, dict: &Dictionaries, last_end: usize) -> Option<Place> {
    let (len, &level) = dict.place_suffixes.longest_at(text, at)?;
    let end = at + len;
    let boundary = |i: usize| {
        i == 0
            || i == last_end
            || !is_han(text[i - 1])
            || dict.place_boundaries.longest_ending_at(text, i).is_some()
    };
    let mut start = at;
    while !boundary(start) && at - start < BODY_MAX {
        start -= 1;
    }
    // 和孚镇: a one-character boundary word that would leave a one-character body, written right after
    // punctuation or another place, begins the name instead.
    if at - start == 1
        && start >= 2
        && start - 1 > last_end
        && dict
            .place_boundaries
            .longest_ending_at(text, start)
            .is_some_and(|(l, _)| l == 1)
    {
        let hard = start - 1 == last_end || !is_han(text[start - 2]);
        if hard {
            start -= 1;
        }
    }
    let spans_word = |found: Option<(usize, &())>| found.is_some_and(|(l, _)| l > len);
    // 个社区: a longer suffix that ends here (社区) or a counter after a numeral (5个) starts no name.
    let inside_suffix = (start..at).any(|i| {
        dict.place_suffixes
            .longest_at(text, i)
            .is_some_and(|(l, _)| i + l > at)
    });
    let numeral = |c: char| digit_value(c).is_some() || "一二两三四五六七八九十百千万几余多".contains(c);
    let after_numeral = start > 0 && numeral(text[start - 1]) && dict.units.longest_at(text, start).is_some();
    let generic = dict.not_in_place_names.occurs_in(text, start, at) || text[start] == '一';
    if !boundary(start)
        || !(2..=BODY_MAX).contains(&(at - start))
        || inside_suffix
        || after_numeral
        || generic
        || spans_word(dict.not_places.longest_ending_at(text, end))
        || spans_word(dict.not_places.longest_at(text, at))
    {
        return None;
    }
    let name = text[start..end].iter().filter(|c| !c.is_whitespace()).collect();
    Some(Place {
        start,
        end,
        name,
        level: Some(level),
        ..Place::new()
    })
}

fn mark_governing(text: &[char], dict: &Dictionaries, places: &mut [Place]) {
    let starts: Vec<usize> = places.iter().map(|p| p.start).collect();
    for (index, place) in places.iter_mut().enumerate() {
        let (start, end) = (place.start, place.end);
        let next_start = starts.get(index + 1).copied();
        let mut after = end;
        while text.get(after).is_some_and(|c| c.is_whitespace()) {
            after += 1;
        }
        if next_start == Some(after) {
            place.chain_parent = true;
            place.governing = false;
            continue;
        }
        let before = text.get(start.wrapping_sub(1)).copied();
        let listed = before == Some('、') || matches!(text.get(end), Some('、' | '等'));
        let destination = dict.destinations.longest_ending_at(text, start).is_some();
        let demonym = text.get(end) == Some(&'籍');
        // 高于全市平均水平: a reference used as the base of a comparison.
        let comparison = place.reference
            && (dict.comparisons.longest_ending_at(text, start).is_some() || text.get(end) == Some(&'平'));
        let in_organisation = part_of_organisation(text, dict, end, next_start);
        place.in_organisation = in_organisation && !listed && !destination;
        if listed || destination || demonym || comparison || in_organisation {
            place.governing = false;
        }
    }
}

/// Whether an organisation or facility word follows within a few characters, with no boundary between
/// (丽水市望成茶园有限公司, 朱家尖(观音)大桥).
fn part_of_organisation(text: &[char], dict: &Dictionaries, end: usize, next_place: Option<usize>) -> bool {
    let mut i = end;
    let mut steps = 0;
    while i < text.len() && steps < ORGANISATION_REACH && Some(i) != next_place {
        if dict.organisations.longest_at(text, i).is_some() {
            return true;
        }
        let c = text[i];
        if matches!(c, '(' | '（') {
            match (i + 1..(i + 8).min(text.len())).find(|&k| matches!(text[k], ')' | '）')) {
                Some(close) => i = close + 1,
                None => return false,
            }
            continue;
        }
        if !is_han(c) || (i > end && dict.place_boundaries.longest_at(text, i).is_some()) {
            return false;
        }
        i += 1;
        steps += 1;
    }
    false
}

/// The place the figure whose number starts at `at` belongs to.
pub(crate) fn region_for<'p>(at: usize, places: &'p [Place], layout: &Layout) -> Option<&'p Place> {
    let governing = |p: &&Place| p.governing;
    if let Some(quote) = layout.speech_at(at) {
        let inside = places
            .iter()
            .filter(governing)
            .rfind(|p| p.start > quote.open && p.end <= at);
        let attribution = layout.sentence(quote.close + 1);
        let after = || {
            places
                .iter()
                .filter(governing)
                .find(|p| p.start > quote.close && p.end <= attribution.1)
        };
        if let Some(place) = inside.or_else(after) {
            return Some(place);
        }
    }
    let sentence = layout.sentence(at);
    let segment = layout.segment(at);
    // In its own sentence a figure takes the most specific place before it (西陌桥村作为新安镇…试点村).
    let before = |from: usize| {
        let candidates = places
            .iter()
            .filter(governing)
            .filter(move |p| p.start >= from && p.end <= at);
        candidates.max_by_key(|p| (p.level.map_or(0, Level::depth), p.start))
    };
    let not_village = |p: &&Place| (p.governing || p.chain_parent) && p.level != Some(Level::Village);
    let later = |to: usize| {
        places
            .iter()
            .filter(governing)
            .filter(move |p| p.start > at && p.end <= to)
    };
    // A figure of an organisation named with its place (三门县人民医院…合作已有10年) belongs there.
    let organisation = || {
        let named = places
            .iter()
            .filter(|p| p.in_organisation && p.start >= sentence.0 && p.end <= at);
        named.max_by_key(|p| (p.level.map_or(0, Level::depth), p.start))
    };
    before(sentence.0)
        .or_else(organisation)
        .or_else(|| {
            places
                .iter()
                .filter(not_village)
                .rfind(|p| p.start >= segment.0 && p.end <= at)
        })
        .or_else(|| later(sentence.1).next())
        .or_else(|| later(segment.1).find(|p| p.level != Some(Level::Village)))
        .or_else(|| later(segment.1).next())
}

/// The place used when nothing in the text governs a figure: the last town-or-higher place before it.
pub(crate) fn fallback_before(at: usize, places: &[Place]) -> Option<&Place> {
    places
        .iter()
        .filter(|p| p.governing && p.level != Some(Level::Village))
        .rfind(|p| p.end <= at)
}

impl Place {
    fn new() -> Place {
        Place {
            start: 0,
            end: 0,
            name: String::new(),
            code: None,
            level: None,
            governing: true,
            chain_parent: false,
            in_organisation: false,
            reference: false,
        }
    }

    pub(crate) fn to_ref(&self) -> RegionRef {
        RegionRef {
            name: self.name.clone(),
            code: self.code.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogRegion;

    fn region(code: &str, name: &str, level: Level, parent: Option<&str>, aliases: &[&str]) -> CatalogRegion {
        CatalogRegion {
            code: code.into(),
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            level,
            parent: parent.map(Into::into),
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            regions: vec![
                region("331100", "丽水市", Level::City, None, &["丽水"]),
                region("331102-zijin", "紫金街道", Level::Town, Some("331100"), &["紫金"]),
                region(
                    "331102-yangkeng",
                    "杨坑村",
                    Level::Village,
                    Some("331102-zijin"),
                    &[],
                ),
                region("500000", "重庆市", Level::Province, None, &["重庆"]),
                region("110000", "北京市", Level::Province, None, &["京"]),
            ],
            ..Catalog::default()
        }
    }

    fn places_of(text: &str) -> (Vec<char>, Vec<Place>, Layout) {
        let chars: Vec<char> = text.chars().collect();
        let catalog = catalog();
        let layout = Layout::new(&chars);
        let places = find_places(
            &chars,
            &layout,
            &Dictionaries::builtin(),
            &RegionIndex::new(&catalog),
            &catalog,
            None,
        );
        (chars, places, layout)
    }

    fn region_at(text: &str, needle: &str) -> Option<String> {
        let (chars, places, layout) = places_of(text);
        let needle: Vec<char> = needle.chars().collect();
        let at = chars.windows(needle.len()).position(|w| w == needle.as_slice())?;
        region_for(at, &places, &layout).map(|p| p.name.clone())
    }

    #[test]
    fn finds_catalog_names_suffixed_names_and_references() {
        let (_, places, _) =
            places_of("家住杭州市西湖区蒋村街道府苑新村的杜女士。在京虞籍乡贤。紫金街道组织全区干部。");
        let names: Vec<&str> = places.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["杭州市", "西湖区", "蒋村街道", "府苑新村", "紫金街道", "西湖区"]
        );
        assert!(places[0].chain_parent && !places[2].governing && places[3].governing);
        assert_eq!(places[4].code.as_deref(), Some("331102-zijin"));
    }

    #[test]
    fn generic_words_are_not_places() {
        let (_, places, _) =
            places_of("带领村民一起,走进农村和城乡,推进城镇建设,居民小区,全区20个乡镇,广大乡贤回乡。");
        assert_eq!(places, []);
    }

    #[test]
    fn figures_take_the_governing_place() {
        let text =
            "紫金街道推动发展。丽水市望成茶园有限公司就流转了杨坑村里1500亩茶园。他们筹集资金500余万元。";
        assert_eq!(region_at(text, "1500").as_deref(), Some("杨坑村"));
        assert_eq!(region_at(text, "500余").as_deref(), Some("紫金街道"));
        let text = "紫金街道聚焦经济。赴重庆等地招商,签约项目总投资28.6亿元。村集体每年增收30万元。";
        assert_eq!(region_at(text, "28.6").as_deref(), Some("紫金街道"));
        assert_eq!(region_at(text, "30万").as_deref(), Some("紫金街道"));
        let text = "杨坑村很美。紫金街道说:“村集体每年还能增加近50万元。”杨坑村书记表示。";
        assert_eq!(region_at(text, "50万").as_deref(), Some("杨坑村"));
    }

    #[test]
    fn figures_before_any_place_take_the_first_place_after_them() {
        let text = "标题一行\n\n组织活动7次,效果很好。该项目位于丽水市紫金街道。";
        assert_eq!(region_at(text, "7次").as_deref(), Some("紫金街道"));
    }
}
