-- 0003: earnings ledger and the history the metrics are computed from.

-- Interest payments: Bitfinex ledger rows of category 28 ("Margin Funding Payment on wallet
-- funding"), keyed by the exchange's ledger id, exactly as the exchange reports them.
CREATE TABLE payments (
    ledger_id    INTEGER PRIMARY KEY,
    currency     TEXT NOT NULL,
    mts          INTEGER NOT NULL,              -- UTC ms
    amount       TEXT NOT NULL,                 -- net interest (after Bitfinex's fee), decimal text
    balance      TEXT NOT NULL,                 -- funding wallet balance after the payment
    description  TEXT NOT NULL
) STRICT;
CREATE INDEX payments_by_time ON payments (currency, mts);

-- Our funding trades (fills of our offers): auth/r/funding/trades/hist.
CREATE TABLE funding_trades (
    trade_id     INTEGER PRIMARY KEY,
    currency     TEXT NOT NULL,
    mts          INTEGER NOT NULL,
    offer_id     INTEGER NOT NULL,
    amount       TEXT NOT NULL,
    rate         TEXT NOT NULL,
    period       INTEGER NOT NULL
) STRICT;
CREATE INDEX funding_trades_by_time ON funding_trades (currency, mts);

-- The funding wallet over time (one row per engine snapshot), for utilization and APY.
CREATE TABLE wallet_snapshots (
    currency     TEXT NOT NULL,
    mts          INTEGER NOT NULL,
    total        TEXT NOT NULL,
    lent         TEXT NOT NULL,
    on_offer     TEXT NOT NULL,
    PRIMARY KEY (currency, mts)
) STRICT;

-- The market over time: FRR (daily), best ask, USD price; the baselines are computed from it.
CREATE TABLE market_snapshots (
    currency     TEXT NOT NULL,
    mts          INTEGER NOT NULL,
    frr          TEXT,
    best_ask     TEXT,
    usd_price    TEXT NOT NULL,
    PRIMARY KEY (currency, mts)
) STRICT;

-- How far each sync has got, per stream ('ledgers:USD', 'trades:USD').
CREATE TABLE sync_state (
    stream       TEXT PRIMARY KEY,
    last_mts     INTEGER NOT NULL,
    backfill_done INTEGER NOT NULL DEFAULT 0
) STRICT;
