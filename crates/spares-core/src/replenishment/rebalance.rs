//! Matching one part's excess stock to the warehouses that need it before buying more.
//!
//! A warehouse gives only what its shelf holds above its own order-up-to level S (and never
//! more than its position exceeds S), so a giver never falls to its reorder point because of a
//! transfer. Needs are served from the same region first, then from the nearest other region
//! by transfer lead time, and only over lanes that land no later than a purchase would.

/// Units a warehouse can give: what its shelf holds above `keep` (units on order do not count:
/// they cannot serve its own lines until they land), and never more than its position
/// exceeds `keep`. `keep` is at least its S.
pub fn excess(on_hand: i64, position: i64, keep: i64) -> i64 {
    (on_hand.min(position) - keep).max(0)
}

/// A warehouse short of one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub warehouse: usize,
    /// Units up to its order-up-to level.
    pub qty: i64,
    /// Periods a purchase would take to land.
    pub purchase_lead: u32,
}

/// A warehouse with units of one part to spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub warehouse: usize,
    pub qty: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub from: usize,
    pub to: usize,
    pub qty: i64,
}

/// Greedy matching for one part: needs in the order given (put the most urgent first), each
/// from its best giver on. `region[w]` is a warehouse's region, `lane(from, to)` the transfer
/// lead time in periods. Offers are reduced by what was matched.
pub fn match_part(
    needs: &[Need],
    offers: &mut [Offer],
    region: &[usize],
    lane: &dyn Fn(usize, usize) -> u32,
) -> Vec<Match> {
    let mut out = Vec::new();
    let mut order: Vec<usize> = Vec::with_capacity(offers.len());
    for need in needs {
        let mut left = need.qty;
        order.clear();
        order.extend((0..offers.len()).filter(|&i| {
            let o = offers[i];
            o.qty > 0 && o.warehouse != need.warehouse && lane(o.warehouse, need.warehouse) <= need.purchase_lead
        }));
        let home = region.get(need.warehouse).copied();
        order.sort_by_key(|&i| {
            let w = offers[i].warehouse;
            (region.get(w).copied() != home, lane(w, need.warehouse), w)
        });
        for &i in &order {
            if left <= 0 {
                break;
            }
            let qty = left.min(offers[i].qty);
            offers[i].qty -= qty;
            left -= qty;
            out.push(Match {
                from: offers[i].warehouse,
                to: need.warehouse,
                qty,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn givers_keep_their_order_up_to_level() {
        assert_eq!(excess(10, 12, 5), 5);
        assert_eq!(excess(3, 12, 5), 0);
        assert_eq!(excess(10, 7, 5), 2);
        assert_eq!(excess(10, 4, 5), 0);
        assert_eq!(excess(-2, 12, 5), 0);
    }

    #[test]
    fn same_region_first_then_nearest() {
        // Warehouses 0, 1 in region 0; 2, 3 in region 1. Cross-region lanes: 3 from 2, 2 from 3.
        let region = [0, 0, 1, 1];
        let lane = |f: usize, t: usize| {
            if region[f] == region[t] {
                1
            } else {
                2 + (f == 2) as u32
            }
        };
        let mut offers = [
            Offer { warehouse: 2, qty: 5 },
            Offer { warehouse: 3, qty: 5 },
            Offer { warehouse: 1, qty: 2 },
        ];
        let needs = [Need {
            warehouse: 0,
            qty: 6,
            purchase_lead: 5,
        }];
        let m = match_part(&needs, &mut offers, &region, &lane);
        assert_eq!(
            m,
            vec![Match { from: 1, to: 0, qty: 2 }, Match { from: 3, to: 0, qty: 4 }]
        );
        assert_eq!(offers.iter().map(|o| o.qty).collect::<Vec<_>>(), vec![5, 1, 0]);
    }

    #[test]
    fn no_transfer_slower_than_a_purchase() {
        let region = [0, 1];
        let lane = |_: usize, _: usize| 4;
        let mut offers = [Offer { warehouse: 1, qty: 9 }];
        let needs = [Need {
            warehouse: 0,
            qty: 3,
            purchase_lead: 3,
        }];
        assert!(match_part(&needs, &mut offers, &region, &lane).is_empty());
    }
}
