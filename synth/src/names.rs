//! Place names and people's names, drawn from fixed sets of Chinese characters.

use std::fmt;

use crate::random::Rng;

/// Characters place names are made of; each is 3 bytes of UTF-8.
const SYLLABLES: &str = "安宁平山河江湖海东西南北中阳明清华兴隆昌盛丰富泰和永长新金石龙凤云松桃柳花溪泉林田庄桥岭峰坪湾塘源\
台门阁坝渡营堡关浦川崇德仁义福寿吉庆瑞祥宏广康乐嘉茂荣临沂汾潞莲遂缙庐鄞淮沙洪白青黄红双马杨柏梅竹兰荷桂枫樟槐榆杏梨望胜\
光辉联合塔岗屯埠圩集秀岩潭洲湘桐蒲芦苍翠碧星";
/// Surnames; each is 3 bytes of UTF-8.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁\
任沈姚卢姜崔钟谭陆汪范廖贾夏韦方白邹孟熊秦邱尹薛段雷侯史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤";
/// Characters of given names; each is 3 bytes of UTF-8.
const GIVEN_NAMES: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建文辉力斌宇浩凯健俊帆帅旭宁龙林\
欣怡佳琳雪晨阳晓丹颖";

/// The `i`th character of a string of 3-byte characters.
fn char3(s: &'static str, i: u8) -> &'static str {
    let i = usize::from(i) * 3;
    &s[i..i + 3]
}

/// The number of characters of a string of 3-byte characters.
fn count3(s: &str) -> usize {
    s.len() / 3
}

/// A place name: 2 or 3 syllables and a suffix (省, 市, 区, 县, 街道, 镇, 乡, 社区, 村).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Name {
    syl: [u8; 3],
    len: u8,
    /// What kind of place it is: 省, 市, 区, 县, 街道, 镇, 乡, 社区 or 村.
    pub(crate) suffix: &'static str,
}

impl Name {
    /// A random name of `len` syllables whose syllables differ from every name `taken` says is taken.
    pub(crate) fn unique(
        rng: &mut Rng,
        len: u8,
        suffix: &'static str,
        taken: impl Fn(&Name) -> bool,
    ) -> Name {
        let n = count3(SYLLABLES);
        loop {
            let mut syl = [0u8; 3];
            for s in &mut syl[..usize::from(len)] {
                *s = rng.below(n) as u8;
            }
            let name = Name { syl, len, suffix };
            if syl[0] != syl[1] && !taken(&name) {
                return name;
            }
        }
    }

    /// Whether the two names are the same but for their suffixes.
    pub(crate) fn same_base(&self, other: &Name) -> bool {
        self.len == other.len && self.syl == other.syl
    }

    /// The characters of the name without its suffix (莲, 都 for 莲都区).
    pub(crate) fn syllables(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.syl[..usize::from(self.len)]
            .iter()
            .map(|&i| char3(SYLLABLES, i))
    }

    /// The name without its suffix (莲都 for 莲都区).
    pub(crate) fn short(&self) -> Short<'_> {
        Short(self)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.short(), self.suffix)
    }
}

/// A name without its suffix.
pub(crate) struct Short<'a>(&'a Name);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.syllables().try_for_each(|s| f.write_str(s))
    }
}

/// A person's name: a surname and one or two given characters.
#[derive(Clone, Copy)]
pub(crate) struct Person {
    surname: u8,
    given: [u8; 2],
    len: u8,
}

impl Person {
    /// A random name, with two given characters in 60% of the cases.
    pub(crate) fn random(rng: &mut Rng) -> Person {
        Person {
            surname: rng.below(count3(SURNAMES)) as u8,
            given: [
                rng.below(count3(GIVEN_NAMES)) as u8,
                rng.below(count3(GIVEN_NAMES)) as u8,
            ],
            len: if rng.chance(0.6) { 2 } else { 1 },
        }
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(char3(SURNAMES, self.surname))?;
        for &g in &self.given[..usize::from(self.len)] {
            f.write_str(char3(GIVEN_NAMES, g))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_characters_are_three_bytes() {
        for s in [SYLLABLES, SURNAMES, GIVEN_NAMES] {
            assert!(s.chars().all(|c| c.len_utf8() == 3));
            assert!(s.chars().count() <= 256);
        }
    }

    #[test]
    fn unique_names_avoid_taken_ones() {
        let mut rng = Rng::new(5);
        let mut taken: Vec<Name> = Vec::new();
        for _ in 0..50 {
            let name = Name::unique(&mut rng, 2, "镇", |x| taken.iter().any(|t| t.same_base(x)));
            let text = name.to_string();
            assert_eq!(text.chars().count(), 3, "{text}");
            assert!(text.ends_with('镇'));
            assert_eq!(name.short().to_string() + name.suffix, text);
            taken.push(name);
        }
        for (i, a) in taken.iter().enumerate() {
            assert!(taken[i + 1..].iter().all(|b| !a.same_base(b)));
        }
    }

    #[test]
    fn people_have_two_or_three_characters() {
        let mut rng = Rng::new(9);
        for _ in 0..100 {
            let name = Person::random(&mut rng).to_string();
            assert!((2..=3).contains(&name.chars().count()), "{name}");
        }
    }
}
