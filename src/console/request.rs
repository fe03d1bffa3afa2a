//! What every console page and form does first, in the API's order: the role's permission
//! (the API's own `Caller` check, before anything of the request is read), then the query
//! string, or for a form its CSRF token and then its fields.

use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{parse_form, SignedIn};
use crate::api::extract::{Caller, Need};
use crate::error::AppError;

impl SignedIn {
    /// The caller, once its role may do `P`, and the page's query (a bad one a 400).
    pub fn page_request<P: Need, Q: DeserializeOwned>(&self, req: &HttpRequest) -> Result<(Caller<P>, Q), AppError> {
        let caller = Caller::<P>::signed_in(self.session.principal.clone(), req)?;
        let query =
            serde_html_form::from_str(req.query_string()).map_err(|e| AppError::validation("query", e.to_string()))?;
        Ok((caller, query))
    }

    /// The caller, once its role may do `P` and the form carries this session's CSRF token,
    /// and the form's fields.
    pub fn form_request<P: Need, F: DeserializeOwned>(
        &self,
        req: &HttpRequest,
        body: &[u8],
    ) -> Result<(Caller<P>, F), AppError> {
        let caller = Caller::<P>::signed_in(self.session.principal.clone(), req)?;
        let token: Token = parse_form(body)?;
        self.check_csrf(&token.csrf)?;
        Ok((caller, parse_form(body)?))
    }
}

/// A form's CSRF token; a form without one is refused as one with a wrong one.
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// A form or query field's text when it says something (empty and blank mean "not given").
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
