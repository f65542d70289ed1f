//! Period wording, its dates and which figures it governs.

use chrono::NaiveDate;

use super::{find_periods, period_for};
use crate::dictionaries::Dictionaries;
use crate::layout::Layout;

/// (text, start, end) of every phrase found in `text` published on `published`.
fn phrases(text: &str, published: Option<NaiveDate>) -> Vec<(String, Option<NaiveDate>, Option<NaiveDate>)> {
    let chars: Vec<char> = text.chars().collect();
    let layout = Layout::new(&chars);
    find_periods(&chars, &layout, &Dictionaries::builtin(), published)
        .into_iter()
        .map(|p| (p.text, p.dates.0, p.dates.1))
        .collect()
}

fn one(text: &str, published: Option<NaiveDate>) -> (String, Option<NaiveDate>, Option<NaiveDate>) {
    let all = phrases(text, published);
    assert_eq!(all.len(), 1, "{text}: {all:?}");
    all.into_iter().next().unwrap_or_else(|| unreachable!())
}

/// A date given as (year, month, day); (0, 0, 0) for none.
type Ymd = (i32, u32, u32);

fn ymd((y, m, d): Ymd) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn resolves_the_wording_of_the_issue() {
    // text, publication date, wording, first day, last day
    let cases: [(&str, Ymd, &str, Ymd, Ymd); 16] = [
        (
            "今年以来,开展活动56场次",
            (2022, 8, 20),
            "今年以来",
            (2022, 1, 1),
            (2022, 8, 20),
        ),
        (
            "截至7月底,已有20几家",
            (2022, 8, 20),
            "截至7月底",
            (2022, 1, 1),
            (2022, 7, 31),
        ),
        (
            "自1月份启动干部大走访以来,累计",
            (2022, 8, 20),
            "自1月份启动干部大走访以来",
            (2022, 1, 1),
            (2022, 8, 20),
        ),
        (
            "今年1~11月,共收回",
            (2023, 12, 15),
            "今年1~11月",
            (2023, 1, 1),
            (2023, 11, 30),
        ),
        (
            "1-10月,共收回",
            (2023, 12, 15),
            "1-10月",
            (2023, 1, 1),
            (2023, 10, 31),
        ),
        (
            "今年上半年,杭州",
            (2023, 12, 15),
            "今年上半年",
            (2023, 1, 1),
            (2023, 6, 30),
        ),
        ("去年全市", (2023, 12, 15), "去年", (2022, 1, 1), (2022, 12, 31)),
        (
            "去年以来,已累计",
            (2023, 12, 15),
            "去年以来",
            (2022, 1, 1),
            (2023, 12, 15),
        ),
        (
            "近两年,矛盾纠纷",
            (2023, 12, 15),
            "近两年",
            (2021, 12, 16),
            (2023, 12, 15),
        ),
        (
            "8月起,宁围街道",
            (2023, 12, 15),
            "8月起",
            (2023, 8, 1),
            (2023, 12, 15),
        ),
        (
            "截至2023年,合作已有10年",
            (2023, 12, 15),
            "截至2023年",
            (2023, 1, 1),
            (2023, 12, 15),
        ),
        (
            "今年国庆前,舟山市",
            (2023, 12, 15),
            "今年国庆前",
            (2023, 9, 30),
            (2023, 9, 30),
        ),
        (
            "公布2022年度评估结果",
            (2023, 12, 15),
            "2022年度",
            (2022, 1, 1),
            (2022, 12, 31),
        ),
        (
            "目前,乌石镇",
            (2023, 12, 15),
            "目前",
            (2023, 12, 15),
            (2023, 12, 15),
        ),
        (
            "每年增收30余万元",
            (2023, 12, 15),
            "每年",
            (2022, 12, 16),
            (2023, 12, 15),
        ),
        (
            "在“治转提”专项行动开展以来,街道共受理",
            (2023, 12, 15),
            "“治转提”专项行动开展以来",
            (0, 0, 0),
            (2023, 12, 15),
        ),
    ];
    for (text, published, wording, first, last) in cases {
        assert_eq!(
            one(text, ymd(published)),
            (wording.to_owned(), ymd(first), ymd(last)),
            "{text}"
        );
    }
}

#[test]
fn comparisons_dates_and_names_are_not_periods() {
    let p = ymd((2023, 12, 15));
    for text in [
        "较去年下降37.5%",
        "较上年同期相比",
        "8月10日,村里",
        "从260余起下降到70余起",
        "“半年红”",
        "近日,在莲都区",
    ] {
        assert_eq!(phrases(text, p), [], "{text}");
    }
    assert_eq!(one("今年国庆首次实行", None), ("今年国庆".into(), None, None));
}

/// The period text each quantity-like `needles` entry takes in `text`.
fn governed(text: &str, needles: &[&str]) -> Vec<Option<String>> {
    let chars: Vec<char> = text.chars().collect();
    let layout = Layout::new(&chars);
    let found = find_periods(&chars, &layout, &Dictionaries::builtin(), ymd((2023, 12, 15)));
    let position = |needle: &str| {
        let needle: Vec<char> = needle.chars().collect();
        chars
            .windows(needle.len())
            .position(|w| w == needle.as_slice())
            .map(|at| (at, at + needle.len()))
    };
    let quotes: Vec<(usize, usize)> = needles.iter().filter_map(|n| position(n)).collect();
    let mut in_quantity = vec![false; chars.len()];
    for &(start, end) in &quotes {
        in_quantity[start..end].iter_mut().for_each(|m| *m = true);
    }
    let period = |q| period_for(q, &found, &layout, &quotes, &in_quantity, &chars).map(|p| p.text.clone());
    quotes.iter().map(|&q| period(q)).collect()
}

#[test]
fn wording_governs_the_figures_after_it() {
    let text = "截至目前,发放10270余份;每月一次对辖区54家门店检查。各村督促回收。组织清运5.54吨。";
    assert_eq!(
        governed(text, &["10270余份", "一次", "54家", "5.54吨"]),
        [Some("截至目前".into()), Some("每月".into()), None, None]
    );
    let text = "组建89支队伍,今年以来,已办理3500余件。";
    assert_eq!(
        governed(text, &["89支", "3500余件"]),
        [None, Some("今年以来".into())]
    );
    let text = "50天,25天,20天……今年上半年,余杭区捷报频传。";
    assert_eq!(
        governed(text, &["50天", "25天", "20天"]),
        vec![Some("今年上半年".to_owned()); 3]
    );
    let text = "截至目前,西湖区领办发展难题32个。党员干部已走访群众约5.8万户。";
    assert_eq!(
        governed(text, &["32个", "约5.8万户"]),
        vec![Some("截至目前".to_owned()); 2]
    );
    let text = "近日,浙江省公布2022年度评估结果。全省32家医院获评优秀。";
    assert_eq!(governed(text, &["32家"]), [None]);
    let text = "每天中午,老人等待送餐。对于小事,组建89支队伍。";
    assert_eq!(governed(text, &["89支"]), [None]);
}
