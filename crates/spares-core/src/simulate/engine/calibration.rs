//! Calibrating the engine's internal target on the network's own recent history.

use crate::replenishment::calibrate;
use crate::replenishment::{Constraint, ItemModel};

use super::super::scenario::Scenario;
use super::Engine;

impl Engine {
    /// Replays the recent history at internal targets of the grid (bisecting it, then below
    /// it) and takes the one that would just reach the bound's goal (see [`calibrate::calibrate`]).
    pub(super) fn calibrate(&mut self, s: &Scenario, n: usize) {
        let ext = self.external(s);
        self.last_calibration = n;
        if let Some(t) = self.p.fixed_internal {
            self.internal = t;
            return;
        }
        let window = (n / 3).min(Self::periods(s, self.p.backtest_days));
        if window < 2 {
            if self.internal <= 0.0 {
                self.internal = ext * 0.5;
            }
            return;
        }
        let start = n - window;
        // The methods in force now: selecting again on the shorter history before the window
        // would cost a second selection and judge the engine by weaker models than it uses.
        if self.methods.len() != s.n_pairs() {
            self.select_all(s, n);
        }
        let methods = self.methods.clone();
        let step = Self::periods(s, self.p.backtest_refresh_days);
        // Origins on a fixed grid so that later windows find them cached; the first one may
        // precede the window, which only means older information.
        let first = start / step * step;
        let epochs: Vec<usize> = (first..n).step_by(step).collect();
        self.replay_models = std::mem::take(&mut self.replay_models).split_off(&first);
        for &e in &epochs {
            if !self.replay_models.contains_key(&e) {
                let m = self.build(s, e.max(1), &methods, None);
                self.replay_models.insert(e, m);
            }
        }
        let origins: Vec<(usize, &[ItemModel])> = epochs
            .iter()
            .filter_map(|&e| self.replay_models.get(&e).map(|m| (e, m.as_slice())))
            .collect();
        let warm: Vec<usize> = (0..s.n_pairs())
            .filter(|&p| s.demand.first_period(p).is_some_and(|f| f < start))
            .collect();
        let backtest = calibrate::Backtest {
            origins,
            start,
            end: n,
            review_every: s.review_every,
            warm: &warm,
        };
        let region_constraints = |internal: f64| self.constraints(s, internal);
        // Network-only: one sweep per origin prices every grid target at once.
        let constraints: Option<&dyn Fn(f64) -> Vec<Constraint>> = match self.p.region_target {
            Some(_) => Some(&region_constraints),
            None => None,
        };
        let n_parts = s.n_parts();
        let outcome = calibrate::calibrate(&backtest, ext, self.p.confidence, constraints, |pair, lines| {
            let all = &s.demand.pair_lines[pair];
            // The window's lines only: the scenario also holds the future the engine cannot see.
            let from = all.partition_point(|&(p, _)| (p as usize) < start);
            let to = all.partition_point(|&(p, _)| (p as usize) < n);
            lines.extend_from_slice(&all[from..to]);
            let part = &s.parts[pair % n_parts];
            calibrate::Terms {
                lead_periods: part.lead_periods,
                moq: part.moq,
                pack_size: part.pack_size,
            }
        });
        if let Some(t) = outcome.internal {
            self.internal = t;
        }
        self.log.push(super::CalibrationLog {
            observed: n,
            internal: self.internal,
            goal: outcome.goal,
            at_limit: outcome.at_limit,
            trials: outcome.trials,
        });
    }
}
