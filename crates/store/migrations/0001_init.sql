-- 0001: key metadata, nonces and settings.

-- What we know about the user's API key. Never the secret (that lives in the OS keychain),
-- never the full key: a fingerprint to recognise it and a masked form to show.
CREATE TABLE api_keys (
    fingerprint      TEXT PRIMARY KEY,          -- hex SHA-256 of the API key
    label            TEXT NOT NULL,             -- e.g. "Yieldsforge"
    masked           TEXT NOT NULL,             -- first and last 4 characters: "AbCd…wXyZ"
    permissions_json TEXT NOT NULL,             -- snapshot of auth/r/permissions: [[scope, read, write], ...]
    verified_mts     INTEGER NOT NULL,          -- when the permissions were last checked (UTC ms)
    created_mts      INTEGER NOT NULL,
    is_active        INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX api_keys_one_active ON api_keys (is_active) WHERE is_active = 1;

-- The last nonce sent with each key, so nonces keep increasing across restarts.
CREATE TABLE nonces (
    fingerprint TEXT PRIMARY KEY,
    last_nonce  INTEGER NOT NULL CHECK (last_nonce >= 0)
) STRICT;

-- Small JSON settings by name (strategy, notifications, ...).
CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    value_json  TEXT NOT NULL,
    updated_mts INTEGER NOT NULL
) STRICT;
