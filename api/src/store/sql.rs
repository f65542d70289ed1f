//! A small builder for hand-written SQL that binds values with the right placeholder for the backend
//! (`?` on SQLite, `$n` on PostgreSQL).

use sea_orm::{DbBackend, Statement, Value};

/// SQL text being built with its bound values.
#[derive(Debug)]
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// Starts an empty statement for `backend`.
    pub fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// The backend this statement is for.
    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends ` LIMIT n` with `n` written out, not bound: SQLite (3.51, as linked) reads a bound LIMIT
    /// while planning, which marks the prepared statement to be prepared again whenever that parameter
    /// is bound, that is on every use. `n` is an integer, so nothing a client sends reaches the text.
    pub fn limit(&mut self, n: i64) -> &mut Self {
        self.text.push_str(" LIMIT ");
        self.text.push_str(&n.to_string());
        self
    }

    /// Appends `(v1, v2, …)` bound to `values`; `(NULL)` when there are none, which matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.text.push('(');
        let mut first = true;
        for v in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(v);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// The SQL text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The finished statement.
    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ").bind(1i64).push(" AND b IN ").bind_list([2i64, 3]);
        assert_eq!(pg.text(), "a = $1 AND b IN ($2, $3)");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ")
            .bind(1i64)
            .push(" AND b IN ")
            .bind_list(Vec::<i64>::new());
        assert_eq!(lite.text(), "a = ? AND b IN (NULL)");
        lite.push(" ORDER BY a").limit(21);
        assert_eq!(lite.text(), "a = ? AND b IN (NULL) ORDER BY a LIMIT 21");
    }
}
