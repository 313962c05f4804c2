//! bfx-sim: local Bitfinex funding-market emulator (work in progress).
