//! The simulated clock: real time, accelerated ×N, or stepped by calls.

use std::time::Instant;

/// How simulated time moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockMode {
    /// Follows the wall clock from `start_mts`.
    Real,
    /// `speed` simulated seconds per real second.
    Accelerated {
        /// Speed factor (e.g. 3600: an hour a second).
        speed: f64,
    },
    /// Moves only when told to (tests, backtests).
    Manual,
}

/// A controllable clock in UTC milliseconds.
#[derive(Debug, Clone)]
pub struct SimClock {
    mode: ClockMode,
    anchor_sim: i64,
    anchor_real: Instant,
}

impl SimClock {
    /// A clock starting at `start_mts`.
    pub fn new(mode: ClockMode, start_mts: i64) -> Self {
        Self {
            mode,
            anchor_sim: start_mts,
            anchor_real: Instant::now(),
        }
    }

    /// Now, in simulated UTC ms.
    pub fn now(&self) -> i64 {
        let elapsed = self.anchor_real.elapsed();
        match self.mode {
            ClockMode::Manual => self.anchor_sim,
            ClockMode::Real => {
                self.anchor_sim + i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            }
            ClockMode::Accelerated { speed } => {
                self.anchor_sim + (elapsed.as_secs_f64() * 1000.0 * speed) as i64
            }
        }
    }

    /// The mode.
    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// Switches mode, keeping the current time.
    pub fn set_mode(&mut self, mode: ClockMode) {
        self.anchor_sim = self.now();
        self.anchor_real = Instant::now();
        self.mode = mode;
    }

    /// Jumps to `mts` (never backwards).
    pub fn set(&mut self, mts: i64) {
        let now = self.now();
        self.anchor_sim = mts.max(now);
        self.anchor_real = Instant::now();
    }

    /// Moves forward by `ms`.
    pub fn advance(&mut self, ms: i64) {
        let now = self.now();
        self.set(now + ms.max(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_moves_only_when_told_and_never_back() {
        let mut c = SimClock::new(ClockMode::Manual, 1_000);
        assert_eq!(c.now(), 1_000);
        c.advance(500);
        assert_eq!(c.now(), 1_500);
        c.set(10);
        assert_eq!(c.now(), 1_500);
    }

    #[test]
    fn accelerated_runs_faster() {
        let c = SimClock::new(ClockMode::Accelerated { speed: 100_000.0 }, 0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(c.now() >= 2_000_000, "{}", c.now());
    }
}
