//! Bitfinex API v2 client (work in progress).
