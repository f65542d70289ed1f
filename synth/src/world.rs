//! The region tree: provinces, cities and counties held for the whole run, and one county's towns and
//! villages rebuilt from the seed whenever they are needed (so memory does not grow with the scale).

use std::ops::Range;

use crate::calendar::Calendar;
use crate::names::Name;
use crate::programs::{self, Program};
use crate::random::{Rng, mix, tag};
use crate::scale::Shape;

/// Province codes in use in China, less 33 (the demo dataset's 331102 would collide with a county here).
const PROVINCE_CODES: [u64; 30] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
    62, 63, 64, 65,
];

/// A province, city or county.
pub(crate) struct Area {
    pub(crate) code: u64,
    pub(crate) name: Name,
    /// Index of the parent in the level above (unused for provinces).
    pub(crate) parent: usize,
    /// The sum of its villages' populations.
    pub(crate) population: u64,
}

/// A town (街道, 镇 or 乡) of the county last built into a [`Tree`].
pub(crate) struct Town {
    pub(crate) code: u64,
    pub(crate) name: Name,
    /// The sum of its villages' populations.
    pub(crate) population: u64,
    /// Its villages in [`Tree::villages`].
    pub(crate) villages: Range<usize>,
}

/// A village (社区 or 村).
pub(crate) struct Village {
    pub(crate) code: u64,
    pub(crate) name: Name,
    pub(crate) population: u64,
}

/// One county's towns and villages, rebuilt from the seed whenever needed.
#[derive(Default)]
pub(crate) struct Tree {
    pub(crate) towns: Vec<Town>,
    pub(crate) villages: Vec<Village>,
}

impl Tree {
    /// Replaces the tree with that of `county`: the same seed and county always give the same towns and
    /// villages.
    pub(crate) fn build(&mut self, seed: u64, shape: &Shape, county: &Area) {
        self.towns.clear();
        self.villages.clear();
        let mut rng = Rng::new(mix(mix(seed, tag::TREE), county.code));
        let n = rng.range(shape.towns) as usize;
        let district = county.name.suffix == "区";
        let streets = if district {
            rng.range((2, 5))
        } else {
            rng.range((0, 2))
        } as usize;
        let streets = streets.min(n);
        let townships = if district { 0 } else { rng.range((0, 3)) as usize }.min(n - streets);
        let zhen = n - streets - townships;
        for t in 0..n {
            // Admin-code convention: 街道 001.., 镇 101.., 乡 201...
            let (number, suffix) = if t < streets {
                (1 + t, "街道")
            } else if t < streets + zhen {
                (101 + t - streets, "镇")
            } else {
                (201 + t - streets - zhen, "乡")
            };
            let code = county.code * 1000 + number as u64;
            let name = Name::unique(&mut rng, 2, suffix, |x| {
                self.towns.iter().any(|o| o.name.same_base(x))
            });
            let villages = self.add_villages(&mut rng, shape, code, suffix);
            let population = self.villages[villages.clone()].iter().map(|v| v.population).sum();
            self.towns.push(Town {
                code,
                name,
                population,
                villages,
            });
        }
    }

    /// Adds the villages of the town `town` (of kind `suffix`), and returns where they are.
    fn add_villages(&mut self, rng: &mut Rng, shape: &Shape, town: u64, suffix: &str) -> Range<usize> {
        let nv = rng.range(shape.villages) as usize;
        let communities = match suffix {
            "街道" => nv,
            "镇" => rng.range((1, 3)) as usize,
            _ => 0,
        }
        .min(nv);
        let first = self.villages.len();
        for v in 0..nv {
            // 社区 (residents' committees) 001.., 村 (villagers' committees) 201...
            let community = v < communities;
            let number = if community { 1 + v } else { 201 + v - communities };
            let len = if community || rng.chance(0.85) { 2 } else { 3 };
            let suffix = if community { "社区" } else { "村" };
            let name = Name::unique(rng, len, suffix, |x| {
                self.villages[first..].iter().any(|o| o.name.same_base(x))
            });
            let population = if community {
                2000 + rng.below(3001) as u64
            } else {
                let u = rng.unit();
                500 + (4500.0 * u * u) as u64
            };
            self.villages.push(Village {
                code: town * 1000 + number as u64,
                name,
                population,
            });
        }
        first..self.villages.len()
    }
}

/// The top of the region tree (with populations summed from the villages up) and the programs.
pub(crate) struct World {
    pub(crate) provinces: Vec<Area>,
    pub(crate) cities: Vec<Area>,
    pub(crate) counties: Vec<Area>,
    /// The programs of each county, in the order of [`World::counties`].
    pub(crate) programs: Vec<Vec<Program>>,
}

impl World {
    /// The world of one scale and seed.
    pub(crate) fn build(shape: &Shape, seed: u64, cal: &Calendar) -> World {
        let mut rng = Rng::new(mix(seed, tag::WORLD));
        let mut codes = PROVINCE_CODES;
        for i in 0..shape.provinces {
            let j = i + rng.below(codes.len() - i);
            codes.swap(i, j);
        }
        let mut chosen = codes[..shape.provinces].to_vec();
        chosen.sort_unstable();
        let mut provinces: Vec<Area> = Vec::new();
        for code in chosen {
            let name = Name::unique(&mut rng, 2, "省", |x| {
                provinces.iter().any(|p| p.name.same_base(x))
            });
            provinces.push(Area {
                code,
                name,
                parent: 0,
                population: 0,
            });
        }
        let mut cities: Vec<Area> = Vec::new();
        for (pi, province) in provinces.iter().enumerate() {
            let first = cities.len();
            for i in 1..=u64::from(rng.range(shape.cities)) {
                let name = Name::unique(&mut rng, 2, "市", |x| {
                    cities[first..].iter().any(|c| c.name.same_base(x))
                });
                cities.push(Area {
                    code: province.code * 100 + i,
                    name,
                    parent: pi,
                    population: 0,
                });
            }
        }
        let mut counties = draw_counties(&mut rng, shape, &cities);
        let mut tree = Tree::default();
        let mut programs = Vec::new();
        for county in &mut counties {
            tree.build(seed, shape, county);
            county.population = tree.towns.iter().map(|t| t.population).sum();
            programs.push(programs::draw(seed, shape, cal, county, &tree));
        }
        for county in &counties {
            cities[county.parent].population += county.population;
        }
        for city in &cities {
            provinces[city.parent].population += city.population;
        }
        World {
            provinces,
            cities,
            counties,
            programs,
        }
    }
}

/// The counties of every city: districts (区) first, then counties (县).
fn draw_counties(rng: &mut Rng, shape: &Shape, cities: &[Area]) -> Vec<Area> {
    let mut counties: Vec<Area> = Vec::new();
    for (ci, city) in cities.iter().enumerate() {
        let first = counties.len();
        let n = rng.range(shape.counties);
        let districts = rng.range((1, 3)).min(n);
        for j in 0..n {
            // Districts 02.., counties 21...
            let (number, suffix) = if j < districts {
                (2 + j, "区")
            } else {
                (21 + j - districts, "县")
            };
            let name = Name::unique(rng, 2, suffix, |x| {
                counties[first..].iter().any(|c| c.name.same_base(x))
            });
            counties.push(Area {
                code: city.code * 100 + u64::from(number),
                name,
                parent: ci,
                population: 0,
            });
        }
    }
    counties
}
