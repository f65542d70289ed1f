//! The extractor end to end: figures, metrics, regions, periods and programmes of whole sentences.

use chrono::NaiveDate;
use entity::{Level, Qualifier};

use super::{Extractor, publication_date};
use crate::catalog::{Catalog, CatalogMetric, CatalogProgram, CatalogRegion};
use crate::dictionaries::Dictionaries;
use crate::mention::{Document, Mention};

fn catalog() -> Catalog {
    let region = |code: &str, name: &str, level, parent: Option<&str>| CatalogRegion {
        code: code.into(),
        name: name.into(),
        aliases: Vec::new(),
        level,
        parent: parent.map(Into::into),
    };
    let metric = |code: &str, name: &str, unit: &str| CatalogMetric {
        code: code.into(),
        name: name.into(),
        unit: unit.into(),
        aliases: Vec::new(),
    };
    Catalog {
        regions: vec![
            region("330109", "萧山区", Level::County, None),
            region("330109-ningwei", "宁围街道", Level::Town, Some("330109")),
        ],
        metrics: vec![
            metric("hazards_rectified", "发现整改隐患", "处"),
            metric("night_patrols", "夜间巡逻次数", "次"),
        ],
        programs: vec![CatalogProgram {
            code: "grid".into(),
            name: "网格实体化".into(),
            region: Some("330109-ningwei".into()),
            started_on: NaiveDate::from_ymd_opt(2023, 8, 1),
        }],
    }
}

fn extract(text: &str) -> Vec<Mention> {
    let extractor = Extractor::new(catalog(), Dictionaries::builtin());
    let document = Document {
        name: "t".into(),
        text: text.into(),
        published_on: NaiveDate::from_ymd_opt(2023, 12, 15),
        region: None,
    };
    extractor.extract(&document)
}

fn figures(text: &str) -> Vec<(String, bool)> {
    extract(text).into_iter().map(|m| (m.quote, m.figure)).collect()
}

#[test]
fn quotes_are_character_offsets_into_the_text() {
    let text = "“五连”共治理\n\n今年以来,宁围街道发现整改隐患86处,约5.8万户受益。";
    let chars: Vec<char> = text.chars().collect();
    for mention in extract(text) {
        assert_eq!(
            chars[mention.start..mention.end].iter().collect::<String>(),
            mention.quote
        );
    }
}

#[test]
fn results_are_figures_and_norms_plans_limits_and_background_are_not() {
    let text = "今年以来,宁围街道发现整改隐患86处。每月至少开展一次巡查,每周走访1次。计划到2025年底,新建公路300公里,计划发展5000亩。\
                做到1分钟内签收、10分钟到达。该模式已持续三年有余,为期30天的活动,学制1年。即1名领导领衔。";
    let expected = [
        ("86处", true),
        ("至少开展一次", false),
        ("1次", false),
        ("300公里", false),
        ("5000亩", false),
        ("1分钟内", false),
        ("10分钟", false),
        ("三年有余", false),
        ("30天", false),
        ("1年", false),
        ("1名", false),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|&(q, f)| (q.to_owned(), f)).collect();
    assert_eq!(figures(text), expected);
}

#[test]
fn metrics_resolve_to_catalog_codes_or_suggestions() {
    let mentions = extract("宁围街道发现整改隐患86处,开展夜间巡逻120次,走访企业30家。");
    assert_eq!(mentions[0].metric.as_deref(), Some("hazards_rectified"));
    // Not in the dictionaries, but like a catalog metric's name.
    assert_eq!(mentions[1].metric.as_deref(), Some("night_patrols"));
    // In the dictionaries but not in the catalog: a suggestion.
    assert_eq!(mentions[2].metric, None);
    let suggestion = mentions[2].metric_suggestion.as_ref().map(|s| s.code.as_str());
    assert_eq!(suggestion, Some("enterprises_visited"));
    assert_eq!(mentions[2].measure, "走访企业");
}

#[test]
fn regions_periods_and_programmes_come_from_the_context() {
    let text = "8月起,宁围街道推进网格实体化试点。自网格实体化试运行以来,发现整改隐患86处。";
    let mention = &extract(text)[0];
    let region = mention
        .region
        .as_ref()
        .map(|r| (r.name.as_str(), r.code.as_deref()));
    assert_eq!(region, Some(("宁围街道", Some("330109-ningwei"))));
    assert_eq!(mention.period.text.as_deref(), Some("自网格实体化试运行以来"));
    // The wording states no start: the programme's start fills it.
    assert_eq!(mention.period.start, NaiveDate::from_ymd_opt(2023, 8, 1));
    assert_eq!(
        mention.program.as_ref().and_then(|p| p.code.as_deref()),
        Some("grid")
    );
    assert_eq!((mention.value, mention.qualifier), (86.0, Qualifier::Exact));
}

#[test]
fn figures_without_wording_take_the_report_date_and_region() {
    let extractor = Extractor::new(catalog(), Dictionaries::builtin());
    let document = Document {
        name: "-".into(),
        text: "陇东报 2017-02-28 09:45\n\n共清运垃圾20吨。".into(),
        published_on: None,
        region: Some("330109".into()),
    };
    let mention = &extractor.extract(&document)[0];
    let date = NaiveDate::from_ymd_opt(2017, 2, 28);
    assert_eq!(
        (
            mention.period.text.as_deref(),
            mention.period.start,
            mention.period.end
        ),
        (None, date, date)
    );
    assert_eq!(mention.region.as_ref().map(|r| r.name.as_str()), Some("萧山区"));
    assert_eq!(
        publication_date("标题\n2022年9月20日 来源"),
        NaiveDate::from_ymd_opt(2022, 9, 20)
    );
}

#[test]
fn any_slice_of_a_report_is_read_without_failing() {
    let text = "“五连”共治理 多层次联动\n\n自1月份启动干部大走访以来,累计走访各类人员7000余人次,收集问题建议42条;\
                每月至少开展一次“五水共治”活动。截至7月底,已有20几家商家办理了营业执\n\n照。1小时内办结率98.8%,\
                “今年郑总已经带了三拨客商过来了。”丰产村书记表示。项目总用地面积45896平方\n\n米,约148186平方米。";
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0;
    for start in (0..chars.len()).step_by(3) {
        for end in (start..=chars.len()).step_by(17) {
            total += extract(&chars[start..end].iter().collect::<String>()).len();
        }
    }
    assert!(total > 0);
    assert_eq!(extract(text).len(), 9);
}
