//! Checks the audit chains and names each entry altered, removed or inserted behind the
//! service's back (see [`super::chain`] for what the hashes cover).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::chain::{self, Content, GENESIS};
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::{audit_chains as c, audit_log as a};

/// Rows read per query: bounds memory to one page of full rows at a time.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tampering {
    /// The entry's content or hashes no longer match what was written.
    Altered,
    /// Entries are missing from a chain (in the middle or at its end).
    Removed,
    /// The entry was not written by the service: it has no place in any chain.
    Inserted,
}

/// One finding, in chain order.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: Tampering,
    /// The entry concerned; for a removal, the entry after the gap (none when a chain's end
    /// was removed).
    pub entry_id: Option<i64>,
    pub chain_id: Option<i32>,
    /// For a removal, the first missing sequence number.
    pub seq: Option<i64>,
    pub detail: String,
}

/// A chain's last entry as recorded: note these elsewhere to detect a whole rewritten chain.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub chain_id: i32,
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub entries_checked: usize,
    /// Entries written before the chain existed (not covered).
    pub entries_before_chain: usize,
    pub heads: Vec<Head>,
    /// Ordered by entry id; the first is the earliest tampering found.
    pub findings: Vec<Finding>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = a)]
struct Row {
    id: i64,
    occurred_at: NaiveDateTime,
    key_id: Option<i64>,
    actor: String,
    method: String,
    route: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: Option<String>,
    idempotency_key: Option<String>,
    chain_id: Option<i32>,
    chain_seq: Option<i64>,
    prev_hash: Option<String>,
    entry_hash: Option<String>,
}

/// What verification keeps of a chained row.
struct Link {
    id: i64,
    seq: i64,
    prev: String,
    hash: String,
    /// Whether `hash` is what the row's own content and `prev` give.
    consistent: bool,
}

/// A chain's head as stored: where it ends, and the last entry written before chains existed.
#[derive(Queryable, Selectable)]
#[diesel(table_name = c)]
struct HeadRow {
    chain_id: i32,
    seq: i64,
    head_hash: String,
    legacy_upto: i64,
}

/// Checks every chain. Run it in one read transaction (REPEATABLE READ on PostgreSQL) so the
/// rows and the heads are one snapshot.
pub fn verify(conn: &mut AnyConnection) -> Result<AuditReport, AppError> {
    let heads: Vec<HeadRow> = c::table.order(c::chain_id).select(HeadRow::as_select()).load(conn)?;
    let legacy_upto = heads.iter().map(|h| h.legacy_upto).max().unwrap_or(0);
    let mut chains: BTreeMap<i32, Vec<Link>> = heads.iter().map(|h| (h.chain_id, Vec::new())).collect();
    let mut findings = Vec::new();
    let (mut checked, mut before_chain, mut after) = (0, 0, 0i64);
    loop {
        let page: Vec<Row> = a::table
            .filter(a::id.gt(after))
            .order(a::id)
            .limit(PAGE)
            .select(Row::as_select())
            .load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page {
            checked += 1;
            match place(row, &mut chains) {
                Ok(()) => {}
                Err(id) if id <= legacy_upto => before_chain += 1,
                Err(id) => findings.push(Finding {
                    kind: Tampering::Inserted,
                    entry_id: Some(id),
                    chain_id: None,
                    seq: None,
                    detail: format!("entry {id} carries no link of any audit chain"),
                }),
            }
        }
    }
    for head in &heads {
        let links = chains.remove(&head.chain_id).unwrap_or_default();
        check_chain(head.chain_id, links, (head.seq, &head.head_hash), &mut findings);
    }
    findings.sort_by_key(|f| (f.entry_id.unwrap_or(i64::MAX), f.chain_id, f.seq));
    Ok(AuditReport {
        entries_checked: checked,
        entries_before_chain: before_chain,
        heads: heads
            .into_iter()
            .filter(|h| h.seq > 0)
            .map(|h| Head {
                chain_id: h.chain_id,
                seq: h.seq,
                hash: h.head_hash,
            })
            .collect(),
        findings,
    })
}

/// Files a row under its chain; `Err(id)` when it has no (known) chain.
fn place(row: Row, chains: &mut BTreeMap<i32, Vec<Link>>) -> Result<(), i64> {
    let content = Content {
        occurred_at: row.occurred_at,
        key_id: row.key_id,
        actor: &row.actor,
        method: &row.method,
        route: &row.route,
        action: &row.action,
        entity_type: &row.entity_type,
        entity_id: &row.entity_id,
        before_state: row.before_state.as_deref(),
        after_state: row.after_state.as_deref(),
        request_id: row.request_id.as_deref(),
        idempotency_key: row.idempotency_key.as_deref(),
    };
    let (Some(chain_id), Some(seq), Some(prev), Some(hash)) =
        (row.chain_id, row.chain_seq, &row.prev_hash, &row.entry_hash)
    else {
        return Err(row.id);
    };
    let links = chains.get_mut(&chain_id).ok_or(row.id)?;
    let consistent = chain::link(prev, seq, &content.digest()).as_deref() == Some(hash.as_str());
    links.push(Link {
        id: row.id,
        seq,
        prev: prev.clone(),
        hash: hash.clone(),
        consistent,
    });
    Ok(())
}

/// Walks one chain in sequence order and reports every break, each once: after a break the
/// walk trusts the stored hash again, so one altered entry does not flag all that follow.
fn check_chain(chain_id: i32, mut links: Vec<Link>, (head_seq, head_hash): (i64, &str), findings: &mut Vec<Finding>) {
    links.sort_by_key(|l| (l.seq, l.id));
    let mut finding = |kind, entry_id, seq, detail: String| {
        findings.push(Finding {
            kind,
            entry_id,
            chain_id: Some(chain_id),
            seq,
            detail,
        })
    };
    let (mut expected_prev, mut expected_seq) = (GENESIS.to_owned(), 1i64);
    let mut last_id = None;
    for link in &links {
        if link.seq < expected_seq || link.seq > head_seq {
            let why = if link.seq < expected_seq {
                "repeats"
            } else {
                "lies beyond the head's"
            };
            let detail = format!(
                "entry {} {why} sequence number {} of chain {chain_id}",
                link.id, link.seq
            );
            finding(Tampering::Inserted, Some(link.id), Some(link.seq), detail);
            continue;
        }
        if link.seq > expected_seq {
            let after = last_id.map_or("the chain's start".to_owned(), |id| format!("entry {id}"));
            let detail = format!(
                "entries {expected_seq}..{} of chain {chain_id} are missing between {after} and entry {}",
                link.seq - 1,
                link.id
            );
            finding(Tampering::Removed, Some(link.id), Some(expected_seq), detail);
        } else if !link.consistent || link.prev != expected_prev {
            let detail = if link.consistent {
                format!("entry {} no longer links to the entry before it", link.id)
            } else {
                format!("entry {} differs from what was written", link.id)
            };
            finding(Tampering::Altered, Some(link.id), Some(link.seq), detail);
        }
        expected_prev = link.hash.clone();
        expected_seq = link.seq + 1;
        last_id = Some(link.id);
    }
    if expected_seq <= head_seq {
        let after = last_id.map_or("its start".to_owned(), |id| format!("entry {id}"));
        let detail =
            format!("entries {expected_seq}..{head_seq} at the end of chain {chain_id} (after {after}) are missing");
        finding(Tampering::Removed, None, Some(expected_seq), detail);
    } else if head_seq > 0 && expected_prev != head_hash {
        let detail = format!("the head of chain {chain_id} does not match its last entry");
        finding(Tampering::Altered, last_id, Some(head_seq), detail);
    }
}
