//! Query parameters. [`Query`] parses as `web::Query` does (serde_urlencoded) but names the
//! parameter that failed, in plain words (`limit: must be a whole number`, never "Query
//! deserialize error"); [`Listing`] also reads the format a list is asked for (`?format=csv`
//! or `Accept: text/csv`). Both wait for the caller's key check before refusing a request, so
//! 401/403 win over 400 whatever the request carries (see [`AuthGate`]).

use std::cell::RefCell;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Parsed query parameters.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// How a list answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// A list route's filter and the format it is asked for. `format` is taken out of the query
/// before the filter is parsed, so filters need not know about it.
#[derive(Debug)]
pub struct Listing<T> {
    pub filter: T,
    pub format: Format,
}

/// Parses a query string into `T`, naming the parameter that does not parse.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let named = message.split('`').nth(1).map(str::to_owned);
        if message.starts_with("unknown field") {
            let expected = message.split_once("expected ").map_or("", |(_, rest)| rest);
            let field = named.unwrap_or_else(|| "query".to_owned());
            return AppError::validation(field, format!("is not a parameter of this route (it takes {expected})"));
        }
        if message.starts_with("missing field") {
            return AppError::validation(named.unwrap_or_else(|| "query".to_owned()), "is required");
        }
        let field = if path.is_empty() || path == "." {
            "query".to_owned()
        } else {
            path
        };
        AppError::validation(field, plain(&message))
    })
}

/// serde's and chrono's parse errors in a client's words.
fn plain(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("invalid digit") || m.contains("parse integer") || m.contains("number too large") {
        "must be a whole number".to_owned()
    } else if m.contains("`true` or `false`") {
        "must be true or false".to_owned()
    } else if m.contains("invalid characters")
        || m.contains("premature end of input")
        || m.contains("trailing input")
        || m.contains("out of range")
        || m.contains("input is not enough")
    {
        "must be a date (YYYY-MM-DD) or an RFC 3339 time (2026-01-31T08:00:00Z)".to_owned()
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.split_once("expected ").map_or(rest, |(_, e)| e);
        let expected = expected.strip_prefix("one of ").unwrap_or(expected);
        format!("must be one of {}", expected.replace('`', ""))
    } else {
        message.to_owned()
    }
}

/// Splits `format` off a query string: (the rest, the format asked for, if any).
fn split_format(query: &str) -> (String, Option<String>) {
    let mut rest = Vec::new();
    let mut format = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("format", value)) => format = Some(value.to_owned()),
            None if pair == "format" => format = Some(String::new()),
            _ => rest.push(pair),
        }
    }
    (rest.join("&"), format)
}

fn format_of(req: &HttpRequest, asked: Option<&str>) -> Result<Format, AppError> {
    match asked {
        Some("csv") => Ok(Format::Csv),
        Some("json") => Ok(Format::Json),
        Some(_) => Err(AppError::validation("format", "must be csv or json")),
        None => {
            let accept = req
                .headers()
                .get(actix_web::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let csv = accept.split(',').any(|m| m.trim().starts_with("text/csv"));
            Ok(if csv { Format::Csv } else { Format::Json })
        }
    }
}

/// Set by the caller's extractor while it checks the key: extractors that can refuse a request
/// wait for it first. actix polls a handler's extractors together and answers with the first
/// error, so without this a bad body or query could be refused (400) before a key without the
/// right was (403), depending on which finished first.
#[derive(Clone, Default)]
pub struct AuthGate(Rc<RefCell<Option<tokio::sync::oneshot::Receiver<()>>>>);

/// The sending half: dropped when the key check is over (either way).
pub type AuthDone = tokio::sync::oneshot::Sender<()>;

impl AuthGate {
    /// Opens a gate on the request; the caller's extractor holds the returned sender until
    /// its check is done.
    pub fn open(req: &HttpRequest) -> AuthDone {
        let (tx, rx) = tokio::sync::oneshot::channel();
        req.extensions_mut().insert(AuthGate(Rc::new(RefCell::new(Some(rx)))));
        tx
    }

    /// What to wait on before refusing this request (nothing when no key check is running).
    pub fn of(req: &HttpRequest) -> Option<tokio::sync::oneshot::Receiver<()>> {
        req.extensions().get::<AuthGate>().and_then(|g| g.0.borrow_mut().take())
    }
}

/// `result`, after the key check when it is an error.
pub async fn after_auth<T>(
    gate: Option<tokio::sync::oneshot::Receiver<()>>,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if let (Err(_), Some(done)) = (&result, gate) {
        let _ = done.await;
    }
    result
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = parse_query::<T>(req.query_string()).map(Query);
        let gate = AuthGate::of(req);
        Box::pin(after_auth(gate, parsed))
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Listing<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (rest, asked) = split_format(req.query_string());
        let parsed = format_of(req, asked.as_deref()).and_then(|format| {
            Ok(Listing {
                filter: parse_query::<T>(&rest)?,
                format,
            })
        });
        let gate = AuthGate::of(req);
        Box::pin(after_auth(gate, parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Filter {
        limit: Option<i64>,
        from: Option<chrono::NaiveDate>,
    }

    fn refusal(query: &str) -> (String, String) {
        match parse_query::<Filter>(query) {
            Err(AppError::Validation { field, message }) => (field, message),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_value_that_does_not_parse_names_its_parameter_in_plain_words() {
        assert_eq!(refusal("limit=ten"), ("limit".into(), "must be a whole number".into()));
        assert_eq!(refusal("from=yesterday").0, "from");
        assert!(refusal("from=yesterday").1.contains("YYYY-MM-DD"));
        let (field, message) = refusal("colour=red");
        assert_eq!(field, "colour");
        assert!(message.contains("not a parameter"), "{message}");
    }

    #[test]
    fn format_is_taken_out_of_the_query() {
        assert_eq!(
            split_format("a=1&format=csv&b=2"),
            ("a=1&b=2".to_owned(), Some("csv".to_owned()))
        );
        assert_eq!(split_format("a=1"), ("a=1".to_owned(), None));
    }
}
