ALTER TABLE `idempotency_keys` ADD `key_id` text;--> statement-breakpoint
-- Hand-written: empty the plaintext response bodies stored before encryption (they can hold
-- one-time secrets). The records themselves stay, so a retry of one of those requests is
-- answered `422 idempotency_replay_unavailable` instead of running (and taking effect) again.
UPDATE `idempotency_keys` SET `body` = NULL WHERE `key_id` IS NULL AND `body` IS NOT NULL;
