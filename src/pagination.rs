//! Cursor pagination shared by every list: the cursor is the sort key of the last item
//! returned, opaque to clients, so pages stay stable while rows are added.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// The `sort` of a list paged by id: newest or oldest first (each list says its default). The
/// cursor follows the order asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    /// Latest first.
    Newest,
    /// Earliest first.
    Oldest,
}

/// Orders a boxed query by its id column as `$order` (a [`ListOrder`]) asks and starts it
/// after `$after` (the page's id cursor): one place that keeps order and cursor in step.
#[macro_export]
macro_rules! order_by_id {
    ($query:expr, $column:expr, $order:expr, $after:expr) => {{
        let newest = $order == $crate::pagination::ListOrder::Newest;
        let query = if newest {
            $query.order($column.desc())
        } else {
            $query.order($column.asc())
        };
        match $after {
            Some(after) if newest => query.filter($column.lt(after)),
            Some(after) => query.filter($column.gt(after)),
            None => query,
        }
    }};
}

/// A validated page request: at most `limit` items after `cursor`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: i64,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::validation(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let cursor = match cursor {
            Some(c) if c.len() > 200 => return Err(AppError::validation("cursor", "is not a valid cursor")),
            Some(c) if !c.is_empty() => Some(c.to_owned()),
            _ => None,
        };
        Ok(Self { limit, cursor })
    }

    /// The cursor as a numeric id, for lists ordered by id.
    pub fn id_cursor(&self) -> Result<Option<i64>, AppError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| AppError::validation("cursor", "is not a valid cursor"))
            })
            .transpose()
    }

    /// Fetch one more than the limit to learn whether a next page exists.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Trims the extra row and returns the items with the next cursor, if any.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
        let has_more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = if has_more { rows.last().map(key) } else { None };
        (rows, next)
    }
}
