//! The number grammar, qualifier words and non-mentions listed in the extraction issue.

use entity::Qualifier;

use super::scan;
use crate::dictionaries::Dictionaries;
use crate::layout::Layout;

/// (quote, value, unit, qualifier) of every quantity in `text`, with idioms blocked as the extractor does.
fn found(text: &str) -> Vec<(String, f64, String, Qualifier)> {
    let chars: Vec<char> = text.chars().collect();
    let dict = Dictionaries::builtin();
    let layout = Layout::new(&chars);
    let mut blocked = vec![false; chars.len()];
    for i in 0..chars.len() {
        if let Some((len, _)) = dict.idioms.longest_at(&chars, i) {
            blocked[i..i + len].iter_mut().for_each(|b| *b = true);
        }
    }
    scan(&chars, &layout, &dict, &blocked)
        .into_iter()
        .map(|q| {
            (
                chars[q.start..q.end].iter().collect(),
                q.value,
                q.unit,
                q.qualifier,
            )
        })
        .collect()
}

fn one(text: &str) -> (String, f64, String, Qualifier) {
    let all = found(text);
    assert_eq!(all.len(), 1, "{text}: {all:?}");
    all.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn q(quote: &str, value: f64, unit: &str, qualifier: Qualifier) -> (String, f64, String, Qualifier) {
    (quote.to_owned(), value, unit.to_owned(), qualifier)
}

/// Each case: text, quote, value, unit, qualifier of its only mention.
fn check(cases: &[(&str, &str, f64, &str, Qualifier)]) {
    for &(text, quote, value, unit, qualifier) in cases {
        assert_eq!(one(text), q(quote, value, unit, qualifier), "{text}");
    }
}

#[test]
fn number_grammar_examples() {
    use Qualifier::*;
    check(&[
        ("大樱桃产业已发展到1.1万亩,", "1.1万亩", 11_000.0, "亩", Exact),
        ("参与群众近三万人。", "近三万人", 30_000.0, "人", Nearly),
        ("收入5千多元。", "5千多元", 5_000.0, "元", Over),
        ("吸纳两千人就业。", "两千人", 2_000.0, "人", Exact),
        ("年产值超过4亿元。", "超过4亿元", 400_000_000.0, "元", Over),
        (
            "签约项目总投资28.6亿元。",
            "28.6亿元",
            2_860_000_000.0,
            "元",
            Exact,
        ),
        ("筹集资金500余万元,", "500余万元", 5_000_000.0, "元", Over),
        ("覆盖50多万人。", "50多万人", 500_000.0, "人", Over),
        ("涉及群众2.6万余人。", "2.6万余人", 26_000.0, "人", Over),
        ("打造1+12条“亲清示范线”", "1+12条", 13.0, "条", Exact),
        ("发放材料10,270份。", "10,270份", 10_270.0, "份", Exact),
        ("提升百分之三十。", "百分之三十", 30.0, "%", Exact),
        ("半小时反馈", "半小时", 0.5, "小时", Exact),
        ("接待群众230余人(次),", "230余人(次)", 230.0, "人次", Over),
        (
            "每周对蔬菜不少于10个批次采样检测",
            "不少于10个批次",
            10.0,
            "批次",
            Over,
        ),
        (
            "项目总用地面积45896平方\n\n米,",
            "45896平方\n\n米",
            45_896.0,
            "平方米",
            Exact,
        ),
        ("梳理汇总7大项网格责任清单", "7大项", 7.0, "大项", Exact),
        ("历时2个月高标准完成", "2个月", 2.0, "个月", Exact),
        ("建设周期3-5天,", "3-5天", 3.0, "天", Over),
        ("共发生安全生产事故0起,", "0起", 0.0, "起", Exact),
        ("常住人口约2.1万,外出", "约2.1万", 21_000.0, "", Approx),
    ]);
    assert_eq!(
        found("1小时内办结率98.8%,"),
        [q("1小时内", 1.0, "小时", Under), q("98.8%", 98.8, "%", Exact)]
    );
}

#[test]
fn vague_amounts_are_over_their_lower_bound() {
    use Qualifier::*;
    check(&[
        ("已有20几家入驻商家", "20几家", 20.0, "家", Over),
        ("成功督促还款几十起;", "几十起", 10.0, "起", Over),
        ("投资数千万元创办了", "数千万元", 10_000_000.0, "元", Over),
        ("带动了上百名村民就业", "上百名", 100.0, "名", Over),
        ("吸纳十几家企业", "十几家", 10.0, "家", Over),
        ("慰问百余人。", "百余人", 100.0, "人", Over),
        ("服务群众过万人次。", "过万人次", 10_000.0, "人次", Over),
    ]);
}

#[test]
fn qualifier_words_before_and_after_the_number() {
    use Qualifier::*;
    check(&[
        ("累计走访各类人员7000余人次,", "7000余人次", 7000.0, "人次", Over),
        ("走访服务企业30多家次,", "30多家次", 30.0, "家次", Over),
        ("吸引了超过2万人次参与", "超过2万人次", 20_000.0, "人次", Over),
        ("实现年产干茶超1500斤,", "超1500斤", 1500.0, "斤", Over),
        ("结服率95%以上,", "95%以上", 95.0, "%", Over),
        (
            "每天中午,咏归社区的老人都会在家中等待社区志愿者上门送餐,这样的场景已持续三\n\n年有余,",
            "三\n\n年有余",
            3.0,
            "年",
            Over,
        ),
        ("每月至少开展一次活动", "至少开展一次", 1.0, "次", Over),
        ("不少于5户;", "不少于5户", 5.0, "户", Over),
        ("有近200元的收入", "近200元", 200.0, "元", Nearly),
        ("将近300人参加", "将近300人", 300.0, "人", Nearly),
        ("如今不到3个月时间,", "不到3个月", 3.0, "个月", Under),
        ("不足10%的企业", "不足10%", 10.0, "%", Under),
        ("1小时内办结", "1小时内", 1.0, "小时", Under),
        ("1分钟内签收", "1分钟内", 1.0, "分钟", Under),
        (
            "总建筑面积约148186平方米,",
            "约148186平方米",
            148_186.0,
            "平方米",
            Approx,
        ),
        ("参与群众500人左右。", "500人左右", 500.0, "人", Approx),
        ("仅仅5天,就敲定了", "5天", 5.0, "天", Exact),
        ("签约3个项目", "3个", 3.0, "个", Exact),
        ("附近3个村", "3个", 3.0, "个", Exact),
    ]);
}

#[test]
fn dates_times_and_ordinals_are_not_mentions() {
    for text in [
        "第3次上门走访",
        "2023年在京虞籍乡贤恳谈会",
        "8月10日,村里的党员",
        "每天中午11时30分,",
        "陇东报 2017-02-28 09:45 大字",
        "紫金街道第二届杨梅节",
        "今年第二批着力打造",
        "2016—2017年度冬防期间",
        "首批西湖大学人才专用商品房",
        "目前一期工程完成签约,二期正处于签约阶段",
        "“晚间九点半”预约办事机制",
        "下午三点召开会议",
        "亮点之一:党员干部",
        "二〇二三年",
    ] {
        assert_eq!(found(text), [], "{text}");
    }
}

#[test]
fn names_idioms_articles_and_rhetoric_are_not_mentions() {
    for text in [
        "协同政务12345,融合建设",
        "拨打12345热线反映",
        "开展了“四五”行动",
        "开展“3+4”民情大走访",
        "建立“1+X+N”推进机制",
        "重新开发了万年山的老茶园",
        "关系千家万户切身利益",
        "是一项民生工程",
        "在当地一家企业走访",
        "培养八种能力,做到为官善为",
        "从四个层面出发",
        "三处精准用力",
        "为两位老人提供服务",
        "两人便一头扎进了乡村",
        "出门一次真的很不方便",
        "一次性办结率",
        "打赢“两场硬仗”",
        "三番五次上门",
        "落实“两个确保”,推进五个一批工程",
        "多跑几趟腿",
        "三门县人民医院",
    ] {
        assert_eq!(found(text), [], "{text}");
    }
}

#[test]
fn chinese_numeral_counts_that_are_mentions() {
    use Qualifier::*;
    check(&[
        ("接连举办了二期培训,", "二期", 2.0, "期", Exact),
        ("“今年郑总已经带了三拨客商过来了。”", "三拨", 3.0, "拨", Exact),
        (
            "市内拥有普陀山、嵛花岛两个国家级风景名胜区。",
            "两个",
            2.0,
            "个",
            Exact,
        ),
        (
            "组建起“施工巡查队”等三支队伍,群策群力。",
            "三支",
            3.0,
            "支",
            Exact,
        ),
        ("提出了三点需要帮助解决的事项", "三点", 3.0, "点", Exact),
        ("每月一次对辖区门店进行检查。", "一次", 1.0, "次", Exact),
    ]);
}

#[test]
fn kinds_follow_the_unit() {
    use crate::mention::Kind;
    let chars: Vec<char> = "共2户、3万元、95%、45亩、5天、20吨、300公里、1000立方米。"
        .chars()
        .collect();
    let dict = Dictionaries::builtin();
    let kinds: Vec<Kind> = scan(&chars, &Layout::new(&chars), &dict, &vec![false; chars.len()])
        .into_iter()
        .map(|q| q.kind)
        .collect();
    use Kind::*;
    assert_eq!(
        kinds,
        [Count, Money, Percent, Area, Duration, Weight, Length, Other]
    );
}
