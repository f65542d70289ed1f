//! The ancestor path of a region: the model's central idea.
//!
//! Every region and every observation stores the id of its ancestor (or itself) at each of the five
//! levels, 0 where there is none (below the region, or a level the tree skips). "Within X" is then one
//! equality on X's level, and two paths compare with plain equality.

use entity::region;

use super::Level;

/// A region's ancestor-or-self id at each level, from the province down; 0 where there is none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionPath([i64; 5]);

impl RegionPath {
    /// The path with these ids (index 0 = province).
    pub fn from_ids(ids: [i64; 5]) -> RegionPath {
        RegionPath(ids)
    }

    /// The stored path of `region`, with its own id at its own level.
    pub fn of(region: &region::Model) -> RegionPath {
        let r = region;
        let mut ids = [r.province_id, r.city_id, r.county_id, r.town_id, r.village_id];
        ids[r.level.index()] = r.id;
        RegionPath(ids)
    }

    /// The path of a region at `level` with id `id` (0 while it has none) below `parent`.
    pub fn child(parent: Option<&RegionPath>, level: Level, id: i64) -> RegionPath {
        let mut ids = [0; 5];
        if let Some(p) = parent {
            ids[..level.index()].copy_from_slice(&p.0[..level.index()]);
        }
        ids[level.index()] = id;
        RegionPath(ids)
    }

    /// The ids, from the province down.
    pub fn ids(&self) -> [i64; 5] {
        self.0
    }

    /// The ancestor-or-self id at `level`, 0 where there is none.
    pub fn at(&self, level: Level) -> i64 {
        self.0[level.index()]
    }

    /// Whether the region of this path is the region `id` at `level` or below it.
    pub fn is_within(&self, level: Level, id: i64) -> bool {
        id != 0 && self.at(level) == id
    }

    /// The deepest level with an id: the level of the region itself (`None` for an empty path).
    pub fn level(&self) -> Option<Level> {
        Level::ALL.iter().rev().copied().find(|l| self.at(*l) != 0)
    }

    /// The ids of the ancestors strictly above `level`, from the top, skipping levels the tree skips.
    pub fn ancestors(&self, level: Level) -> Vec<i64> {
        self.0[..level.index()]
            .iter()
            .copied()
            .filter(|id| *id != 0)
            .collect()
    }

    /// Whether the path has no id at all.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|id| *id == 0)
    }

    /// Moves a path from below an old subtree root to below its new path: the ids down to `deepest`
    /// are taken from `root`, the deeper ones kept.
    pub fn reroot(&mut self, root: &RegionPath, deepest: Level) {
        let n = deepest.index() + 1;
        self.0[..n].copy_from_slice(&root.0[..n]);
    }

    /// The `(level, id)` pairs down to and including `level`, for equality predicates on the path.
    pub fn down_to(&self, level: Level) -> impl Iterator<Item = (Level, i64)> + '_ {
        Level::ALL[..=level.index()].iter().map(|l| (*l, self.at(*l)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_know_their_level_ancestors_and_subtree() {
        let county = RegionPath::from_ids([1, 2, 3, 0, 0]);
        let town = RegionPath::child(Some(&county), Level::Town, 4);
        assert_eq!(town.ids(), [1, 2, 3, 4, 0]);
        assert_eq!(town.level(), Some(Level::Town));
        assert_eq!(town.ancestors(Level::Town), vec![1, 2, 3]);
        assert!(town.is_within(Level::County, 3));
        assert!(town.is_within(Level::Town, 4));
        assert!(!town.is_within(Level::Town, 5));
        assert!(!town.is_within(Level::Village, 0));
        assert_eq!(RegionPath::default().level(), None);
        // A city without counties: its towns skip a level.
        let skipping = RegionPath::from_ids([1, 2, 0, 9, 0]);
        assert_eq!(skipping.ancestors(Level::Town), vec![1, 2]);
        let pairs: Vec<_> = town.down_to(Level::County).collect();
        assert_eq!(
            pairs,
            vec![(Level::Province, 1), (Level::City, 2), (Level::County, 3)]
        );
    }

    #[test]
    fn rerooting_keeps_the_deeper_ids() {
        let mut village = RegionPath::from_ids([1, 2, 3, 4, 5]);
        village.reroot(&RegionPath::from_ids([1, 7, 8, 4, 0]), Level::Town);
        assert_eq!(village.ids(), [1, 7, 8, 4, 5]);
    }
}
