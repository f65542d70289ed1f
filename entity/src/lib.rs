//! sea-orm entities of civicgraph: the region tree, metrics, programs, reports and their observations.

pub mod metric;
pub mod observation;
pub mod program;
pub mod region;
pub mod report;
pub mod vocabulary;

pub use vocabulary::{Aggregation, Level, Qualifier, ValueType};

/// The entities under short names: `use entity::prelude::*`.
pub mod prelude {
    pub use super::metric::Entity as Metric;
    pub use super::observation::Entity as Observation;
    pub use super::program::Entity as Program;
    pub use super::region::Entity as Region;
    pub use super::report::Entity as Report;
}
