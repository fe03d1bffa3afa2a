//! The transfers page's HTML: what the last action changed, the transfers to ship with their
//! ship button, and those to receive with a receipt form each.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use maud::{html, Markup};

use super::Lists;
use crate::auth::Permission;
use crate::console::i18n::Lang;
use crate::console::layout::{page, respond};
use crate::console::{once, SignedIn};
use crate::transfers::model::Transfer;

pub fn render(
    status: StatusCode,
    who: &SignedIn,
    alert: Option<&str>,
    done: Option<&str>,
    lists: &Lists,
) -> HttpResponse {
    let lang = who.lang;
    let may_act = who.session.principal.role.allows(Permission::TransfersWrite);
    let body = html! {
        @if let Some(why) = alert { p.problem role="alert" { (lang.t("wh.not_done")) " " (why) } }
        @if let (Some(done), Some(t)) = (done, &lists.changed) { (notice(lang, done, t)) }
        h2 { (lang.t("wh.to_ship")) }
        (to_ship(lang, who, may_act, &lists.to_ship))
        h2 { (lang.t("wh.to_receive")) }
        @if lists.to_receive.is_empty() { p.muted { (lang.t("wh.none")) } }
        @for t in &lists.to_receive { (to_receive(lang, who, may_act, t)) }
        @if lists.more { p.hint { (lang.t("wh.more")) } }
    };
    respond(
        status,
        page(
            lang,
            Some(who),
            "/console/transfers",
            &lang.t("wh.transfers_title"),
            body,
        ),
    )
}

fn notice(lang: Lang, done: &str, t: &Transfer) -> Markup {
    let said = match done {
        "shipped" => lang.t("wh.shipped"),
        "received" => lang.t("wh.received"),
        _ => lang.t("wh.replayed"),
    };
    let short: Vec<String> = t
        .lines
        .iter()
        .filter(|l| l.discrepancy > 0)
        .map(|l| format!("{} {}", l.part_number, l.discrepancy))
        .collect();
    html! {
        p.notice role="status" {
            (said) " #" (t.id) " (" (t.from) " → " (t.to) "): " span.status { (t.status.as_str()) } "."
            @if !short.is_empty() { " " (lang.t("wh.discrepancy")) ": " span.discrepancy { (short.join(", ")) } }
        }
    }
}

fn lines(t: &Transfer) -> String {
    t.lines
        .iter()
        .map(|l| format!("{} × {}", l.part_number, l.quantity))
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_ship(lang: Lang, who: &SignedIn, may_act: bool, list: &[Transfer]) -> Markup {
    html! {
        @if list.is_empty() { p.muted { (lang.t("wh.none")) } } @else {
            table.to-ship {
                thead { tr { th { "#" } th { (lang.t("wh.from")) } th { (lang.t("wh.to")) } th { (lang.t("wh.lines")) } th { (lang.t("wh.note")) } th {} } }
                tbody {
                    @for t in list { tr {
                        td { (t.id) } td { (t.from) } td { (t.to) } td { (lines(t)) } td { (t.note.clone().unwrap_or_default()) }
                        td { @if may_act && who.session.principal.sees_warehouse(&t.from) {
                            form.inline method="post" action={ "/console/transfers/" (t.id) "/ship" } {
                                input type="hidden" name="csrf" value=(who.session.csrf);
                                input type="hidden" name="token" value=(once::fresh());
                                button type="submit" { (lang.t("wh.ship")) }
                            }
                        } }
                    } }
                }
            }
        }
    }
}

fn to_receive(lang: Lang, who: &SignedIn, may_act: bool, t: &Transfer) -> Markup {
    let act = may_act && who.session.principal.sees_warehouse(&t.to);
    html! {
        form.receipt method="post" action={ "/console/transfers/" (t.id) "/receive" } {
            h3 { "#" (t.id) " " (t.from) " → " (t.to) " " span.mark { (t.status.as_str()) } }
            input type="hidden" name="csrf" value=(who.session.csrf);
            input type="hidden" name="token" value=(once::fresh());
            table {
                thead { tr {
                    th { (lang.t("worklist.part")) } th.num { (lang.t("wh.shipped_qty")) } th.num { (lang.t("wh.received_qty")) }
                    th.num { (lang.t("wh.outstanding")) } th.num { (lang.t("wh.arrived")) }
                } }
                tbody {
                    @for l in t.lines.iter().filter(|l| l.outstanding > 0) { tr {
                        td { code { (l.part_number) } } td.num { (l.quantity) } td.num { (l.received) } td.num { (l.outstanding) }
                        td.num {
                            input type="hidden" name="part" value=(l.part_number);
                            input.qty name="qty" value=(l.outstanding) aria-label=(l.part_number);
                        }
                    } }
                }
            }
            @if act {
                div.actions {
                    label { input type="checkbox" name="close" value="yes"; " " (lang.t("wh.close_short")) }
                    button type="submit" { (lang.t("wh.receive")) }
                }
            }
        }
    }
}
