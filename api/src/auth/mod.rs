//! Bearer tokens and roles.
