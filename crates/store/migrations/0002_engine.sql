-- 0002: the engine's action log and the offers it owns.

-- Every action the engine takes or intends, written BEFORE the request is sent, then updated
-- with the outcome. A row left 'pending' (crash) or 'unknown' (timeout, lost response) is
-- reconciled against the exchange before anything new is sent.
CREATE TABLE actions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    mts          INTEGER NOT NULL,              -- when it was decided (UTC ms)
    currency     TEXT NOT NULL,                 -- 'USD', 'UST', 'BTC', ...
    action       TEXT NOT NULL,                 -- 'submit' | 'cancel'
    offer_id     INTEGER,                       -- known for cancels; for submits once the exchange answers
    amount       TEXT,                          -- decimal as text
    rate         TEXT,                          -- decimal as text (offset for FRR offers)
    period       INTEGER,
    kind         TEXT,                          -- 'Limit' | 'FrrDeltaVar'
    hidden       INTEGER,
    reason       TEXT NOT NULL,                 -- why (JSON of the planner's reason)
    outcome      TEXT NOT NULL CHECK (outcome IN
                   ('pending', 'ok', 'rejected', 'unknown', 'reconciled_done', 'reconciled_not_done', 'dry_run')),
    detail       TEXT,                          -- exchange message, error text
    updated_mts  INTEGER NOT NULL
) STRICT;
CREATE INDEX actions_by_time ON actions (mts);
CREATE INDEX actions_open ON actions (outcome) WHERE outcome IN ('pending', 'unknown');

-- Offers this app created. Only these are ever cancelled (unless the user opts in to manage all).
CREATE TABLE owned_offers (
    offer_id     INTEGER PRIMARY KEY,
    currency     TEXT NOT NULL,
    action_id    INTEGER REFERENCES actions (id),
    created_mts  INTEGER NOT NULL,
    closed_mts   INTEGER                        -- set once gone from the book (filled, cancelled)
) STRICT;
CREATE INDEX owned_open ON owned_offers (currency) WHERE closed_mts IS NULL;
