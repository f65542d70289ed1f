//! Aggregation and comparison of observations, computed in SQL.
