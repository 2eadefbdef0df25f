CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`agent_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`plane_id` text,
	`display_name` text,
	`config` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`key_id` text NOT NULL,
	`messages_in` integer DEFAULT 0 NOT NULL,
	`replies_out` integer DEFAULT 0 NOT NULL,
	`refused` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_error_at` integer,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `channels_created` ON `channels` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `channels_agent` ON `channels` (`agent_id`);