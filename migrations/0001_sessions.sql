CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`agent_version` integer NOT NULL,
	`environment_id` text NOT NULL,
	`title` text,
	`metadata` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`wire` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_created` ON `sessions` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `sessions_agent` ON `sessions` (`agent_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_status` ON `sessions` (`status`,`created_at`);