//! CSV exports of lists (`?format=csv` or `Accept: text/csv`): every row the filter matches,
//! from the cursor on when one is given, streamed a page at a time so an export of the whole
//! ledger never sits in memory. The first page is read before the response starts, so a bad
//! filter is still a 400 problem; a failure later aborts the stream (the client sees a
//! truncated transfer, never a silently short file). The header row comes with the first row:
//! an export with no rows is an empty body.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use futures_util::stream;
use serde::Serialize;

use super::with_conn;
use crate::db::{AnyConnection, DbPool};
use crate::error::AppError;
use crate::pagination::MAX_LIMIT;

/// A page of rows and the cursor of the next one.
type Page<T> = (Vec<T>, Option<String>);

/// Rows as CSV, with the header row when `header`.
fn to_csv<T: Serialize>(rows: &[T], header: bool) -> Result<Bytes, AppError> {
    let mut out = csv::WriterBuilder::new().has_headers(header).from_writer(Vec::new());
    for row in rows {
        out.serialize(row)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("csv row: {e}")))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv flush: {e}")))?;
    Ok(Bytes::from(bytes))
}

fn csv_response<S>(name: &str, body: S) -> HttpResponse
where
    S: futures_util::Stream<Item = Result<Bytes, AppError>> + 'static,
{
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .streaming(body)
}

/// Where a paged export is.
enum State<F, T> {
    /// Rows read, not yet sent; `header` when they are the first rows.
    Rows {
        filter: F,
        page: Page<T>,
        header: bool,
    },
    /// The next page to read.
    Fetch {
        filter: F,
        cursor: String,
        header: bool,
    },
    Done,
}

/// Streams every page of a list as CSV. `list` reads one page for a filter; `next_page` sets
/// the filter to the page after `cursor` (at the largest page size). `filter` is the client's
/// (its limit only sizes the first read).
pub async fn pages<F, T, L, N>(
    pool: &DbPool,
    name: &str,
    filter: F,
    list: L,
    next_page: N,
) -> Result<HttpResponse, AppError>
where
    F: Send + 'static,
    T: Serialize + Send + 'static,
    L: Fn(&mut AnyConnection, &F) -> Result<Page<T>, AppError> + Send + Clone + 'static,
    N: Fn(&mut F, String, i64) + Copy + 'static,
{
    let (filter, page) = read(pool, filter, list.clone()).await?;
    let pool = pool.clone();
    let start = State::Rows {
        filter,
        page,
        header: true,
    };
    let body = stream::unfold(start, move |state| {
        let (pool, list) = (pool.clone(), list.clone());
        async move {
            match state {
                State::Done => None,
                State::Rows { filter, page, header } => {
                    let (rows, next) = page;
                    let chunk = to_csv(&rows, header && !rows.is_empty());
                    let header = header && rows.is_empty();
                    let after = match next {
                        Some(cursor) if chunk.is_ok() => State::Fetch { filter, cursor, header },
                        _ => State::Done,
                    };
                    Some((chunk, after))
                }
                State::Fetch {
                    mut filter,
                    cursor,
                    header,
                } => {
                    next_page(&mut filter, cursor, MAX_LIMIT);
                    match read(&pool, filter, list).await {
                        Ok((filter, (rows, next))) => {
                            let chunk = to_csv(&rows, header && !rows.is_empty());
                            let after = match next {
                                Some(cursor) if chunk.is_ok() => State::Fetch {
                                    filter,
                                    cursor,
                                    header: header && rows.is_empty(),
                                },
                                _ => State::Done,
                            };
                            Some((chunk, after))
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "a CSV export failed after its first page");
                            Some((Err(e), State::Done))
                        }
                    }
                }
            }
        }
    });
    Ok(csv_response(name, body))
}

/// One page, the filter travelling to the blocking pool and back.
async fn read<F, T, L>(pool: &DbPool, filter: F, list: L) -> Result<(F, Page<T>), AppError>
where
    F: Send + 'static,
    T: Send + 'static,
    L: Fn(&mut AnyConnection, &F) -> Result<Page<T>, AppError> + Send + 'static,
{
    with_conn(pool, move |conn| {
        let page = list(conn, &filter)?;
        Ok((filter, page))
    })
    .await
}

/// Streams rows computed at once (lists sorted in memory, KPI groups) as CSV, a page of rows
/// per chunk.
pub fn rows<T: Serialize + 'static>(name: &str, rows: Vec<T>) -> HttpResponse {
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunks.push(rows.by_ref().take(MAX_LIMIT as usize).collect());
    }
    let body = stream::iter(chunks.into_iter().enumerate().map(|(i, chunk)| to_csv(&chunk, i == 0)));
    csv_response(name, body)
}
