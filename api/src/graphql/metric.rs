//! The `Metric` type.

use std::sync::Arc;

use async_graphql::Object;
use entity::metric;

use crate::domain::{Aggregation, ValueType};

/// What is measured: 走访人次, 解决问题数, 1小时办结率…
///
/// The row is shared: a page of observations hands the same metric to each of its observations, and
/// the request's loader keeps it, without copying it each time.
pub struct Metric(pub Arc<metric::Model>);

impl From<metric::Model> for Metric {
    fn from(model: metric::Model) -> Self {
        Metric(Arc::new(model))
    }
}

impl Metric {
    /// The metric's value type.
    pub fn value_type(&self) -> ValueType {
        self.0.value_type
    }

    /// The metric's default aggregation.
    pub fn aggregation(&self) -> Aggregation {
        self.0.aggregation
    }
}

#[Object]
impl Metric {
    /// The stable snake_case key.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The unit of values: 人次, 件, %, 元…
    async fn unit(&self) -> &str {
        &self.0.unit
    }

    #[graphql(name = "valueType")]
    async fn value_type_field(&self) -> ValueType {
        self.value_type()
    }

    /// How `aggregate` combines observations when no `fn` is given.
    #[graphql(name = "aggregation")]
    async fn aggregation_field(&self) -> Aggregation {
        self.aggregation()
    }
}
