//! Shared helpers for the end-to-end journeys in `tests/journeys`.
