//! A small builder for dynamic SQL with `$n` placeholders on both databases (sqlx's own builder
//! writes `?` for the Any driver, which PostgreSQL refuses). Text is only ever pushed from code;
//! user values only ever go through `bind`.

use sqlx::any::{Any, AnyArguments};
use sqlx::{Arguments, Encode, Type};

#[derive(Default)]
pub struct Sql {
    text: String,
    args: AnyArguments,
    n: usize,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), ..Default::default() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + 'static,
    {
        self.n += 1;
        self.text.push('$');
        self.text.push_str(&self.n.to_string());
        // Encoding a plain value into the Any buffer does not fail.
        let _ = self.args.add(value);
        self
    }

    /// A comma-separated list of record ids written into the text as integer literals (for
    /// `IN (…)`). Ids are integers we read from the database, never user text, so nothing can be
    /// injected; binding thousands of them (an export's page of 50,000 rows) would cost SQLite a
    /// quadratic parameter lookup.
    pub fn push_ids(&mut self, ids: impl IntoIterator<Item = i64>) -> &mut Self {
        let mut first = true;
        for id in ids {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.text.push_str(&id.to_string());
        }
        if first {
            // An empty list matches nothing.
            self.text.push_str("NULL");
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    // A built statement is not kept prepared on the connection (`persistent(false)`): its text
    // carries the request's dates and id lists, so it is seldom asked again, and a cache of a
    // hundred large one-off statements per connection held most of the server's memory under
    // load (and on PostgreSQL made every query a named prepare and a later close).

    pub fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args).persistent(false)
    }

    pub fn query_as<T>(self) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(sqlx::AssertSqlSafe(self.text), self.args).persistent(false)
    }

    pub fn query_scalar<T>(self) -> sqlx::query::QueryScalar<'static, Any, T, AnyArguments>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(sqlx::AssertSqlSafe(self.text), self.args).persistent(false)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_written_as_integers() {
        let mut q = super::Sql::new("SELECT 1 WHERE x IN (");
        q.push_ids([3, -4, 5]).push(")");
        assert_eq!(q.text(), "SELECT 1 WHERE x IN (3, -4, 5)");
        let mut e = super::Sql::new("IN (");
        e.push_ids(Vec::<i64>::new()).push(")");
        assert_eq!(e.text(), "IN (NULL)");
    }
}
