//! Warehouse staff's movement form on the stock page: a receipt, issue, adjustment (signed) or
//! return at a warehouse the key may write. It posts through the API's own
//! `record_movement` (same role and warehouse checks, same domain function, same audit row),
//! once per rendered form (see [`super::once`]). A refusal is shown on the page in plain words
//! with the form as it was filled in; success returns to the stock page showing the new balance.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use super::i18n::Lang;
use super::layout::{encode, page, respond};
use super::{once, see_other, SignedIn};
use crate::api::extract::need;
use crate::api::stock::record_movement;
use crate::api::{with_conn, AppState};
use crate::catalog::warehouses;
use crate::error::AppError;
use crate::stock::movements::{MovementInput, ReturnCondition, StaffMovementKind, ADJUSTMENT_REASONS};

pub const PATH: &str = "/console/stock/movements";
const KINDS: [&str; 4] = ["receipt", "issue", "adjustment", "return"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stock/movements", web::post().to(record));
}

/// The form as sent; every field a string so that a bad value is named, not a parse failure.
/// The submission token is not part of what was asked.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct Entry {
    #[serde(default, skip_serializing)]
    pub token: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub part_number: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub reason_code: String,
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub repair_order: String,
    #[serde(default)]
    pub note: String,
}

fn given(value: &str) -> Option<String> {
    Some(value.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl Entry {
    /// The API's movement input; fields that do not apply to the chosen kind are left out
    /// (the form shows them all, without script).
    fn input(&self) -> Result<MovementInput, AppError> {
        let kind = match self.kind.trim() {
            "receipt" => StaffMovementKind::Receipt,
            "issue" => StaffMovementKind::Issue,
            "adjustment" => StaffMovementKind::Adjustment,
            "return" => StaffMovementKind::Return,
            _ => {
                return Err(AppError::validation(
                    "kind",
                    "choose receipt, issue, adjustment or return",
                ))
            }
        };
        let quantity: i64 = self.quantity.trim().parse().map_err(|_| {
            AppError::validation(
                "quantity",
                "must be a whole number such as 5 (an adjustment may be negative, such as -2)",
            )
        })?;
        let is = |k: StaffMovementKind| kind == k;
        let condition = match self.condition.trim() {
            "defective" => ReturnCondition::Defective,
            _ => ReturnCondition::Good,
        };
        let repair_order = if is(StaffMovementKind::Issue) || is(StaffMovementKind::Return) {
            given(&self.repair_order)
        } else {
            None
        };
        Ok(MovementInput {
            kind,
            warehouse: self.warehouse.trim().to_owned(),
            part_number: self.part_number.trim().to_owned(),
            quantity,
            reason_code: given(&self.reason_code),
            condition: is(StaffMovementKind::Return).then_some(condition),
            source: None,
            supplier: None,
            purchase_order: None,
            repair_order,
            lot: None,
            note: given(&self.note),
        })
    }
}

/// The warehouses the key may see and post at: its scope, or every active warehouse.
pub async fn warehouse_choices(state: &AppState, who: &SignedIn) -> Result<Vec<String>, AppError> {
    if let Some(codes) = who.session.principal.warehouses.clone() {
        return Ok(codes);
    }
    with_conn(&state.pool, |conn| {
        Ok(warehouses::all(conn)?
            .into_iter()
            .filter(|w| w.active)
            .map(|w| w.code)
            .collect())
    })
    .await
}

/// The movement form, filled with `entry`, under a fresh submission token.
pub fn form(lang: Lang, who: &SignedIn, choices: &[String], entry: &Entry) -> Markup {
    let kind = if entry.kind.is_empty() {
        "receipt"
    } else {
        entry.kind.as_str()
    };
    html! {
        form.filters.movement method="post" action=(PATH) {
            input type="hidden" name="csrf" value=(who.session.csrf);
            input type="hidden" name="token" value=(once::fresh());
            label { (lang.t("wh.kind_label"))
                select name="kind" {
                    @for k in KINDS { option value=(k) selected[k == kind] { (lang.t(&format!("wh.kind.{k}"))) } }
                }
            }
            label { (lang.t("worklist.warehouse"))
                select name="warehouse" {
                    @for code in choices { option value=(code) selected[*code == entry.warehouse] { (code) } }
                }
            }
            label { (lang.t("worklist.part")) input name="part_number" size="14" required value=(entry.part_number); }
            label { (lang.t("wh.quantity")) input name="quantity" size="6" required value=(entry.quantity); }
            label { (lang.t("wh.reason_label"))
                select name="reason_code" {
                    option value="" { "—" }
                    @for r in ADJUSTMENT_REASONS { option value=(r) selected[*r == entry.reason_code] { (lang.t(&format!("wh.reason.{r}"))) } }
                }
            }
            label { (lang.t("wh.condition_label"))
                select name="condition" {
                    option value="good" { (lang.t("wh.condition.good")) }
                    option value="defective" selected[entry.condition == "defective"] { (lang.t("wh.condition.defective")) }
                }
            }
            label { (lang.t("wh.repair_order")) input name="repair_order" size="10" value=(entry.repair_order); }
            label { (lang.t("wh.note")) input name="note" size="16" value=(entry.note); }
            button type="submit" { (lang.t("wh.record")) }
        }
        p.hint { (lang.t("wh.form_hint")) }
    }
}

async fn record(req: HttpRequest, who: SignedIn, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let (caller, entry) = match once::checked::<need::MovementsWrite, Entry>(&who, &req, &body) {
        Ok(checked) => checked,
        Err(refused) => return *refused,
    };
    let posted = async {
        let input = entry.input()?;
        let once = once::request(&entry.token, PATH, &entry)?;
        once::outcome(record_movement(&state, caller, input, Some(once)).await?)
    }
    .await;
    match posted {
        Ok((movement, replayed)) => {
            let query = serde_html_form::to_string([
                ("warehouse", movement["warehouse"].as_str().unwrap_or_default()),
                ("part_number", movement["part_number"].as_str().unwrap_or_default()),
            ])
            .unwrap_or_default();
            let done = if replayed { "replayed" } else { "recorded" };
            let id = movement["id"].as_i64().unwrap_or_default();
            see_other(&format!("/console/stock?{query}&done={done}&movement={id}"))
        }
        Err(e) => refused(&who, &state, &entry, &e).await,
    }
}

/// The form again, as it was filled in, under the refusal in plain words.
async fn refused(who: &SignedIn, state: &AppState, entry: &Entry, error: &AppError) -> HttpResponse {
    let problem = error.problem();
    if problem.status >= 500 {
        return who.error(error);
    }
    let choices = match warehouse_choices(state, who).await {
        Ok(choices) => choices,
        Err(e) => return who.error(&e),
    };
    let lang = who.lang;
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    let back = format!(
        "/console/stock?warehouse={}&part_number={}",
        encode(entry.warehouse.trim()),
        encode(entry.part_number.trim())
    );
    let body = html! {
        p.problem role="alert" { (lang.t("wh.not_recorded")) " " (problem.detail) }
        (form(lang, who, &choices, entry))
        p { a href=(back) { (lang.t("wh.back_to_stock")) } }
    };
    respond(status, page(lang, Some(who), &back, &lang.t("wh.record_title"), body))
}
