CREATE TABLE `warm_pool_usage_monthly` (
	`billed_to` text NOT NULL,
	`month` text NOT NULL,
	`warm_seconds` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`billed_to`, `month`)
);
