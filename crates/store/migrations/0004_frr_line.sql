-- What the calibrated Auto-Renew figure needs from each market snapshot: the amount of FRR
-- offers Bitfinex shows waiting at FRR (the ticker's FRR_AMOUNT_AVAILABLE), and the public volume
-- traded at or above FRR since the previous snapshot of the same engine run (NULL: not read,
-- e.g. rows written before this step).
ALTER TABLE market_snapshots ADD COLUMN frr_line TEXT;
ALTER TABLE market_snapshots ADD COLUMN frr_volume TEXT;
