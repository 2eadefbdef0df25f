CREATE TABLE `peer_inbound_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`peer_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`token_prefix` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`peer_id`) REFERENCES `peers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `peer_inbound_credentials_hash` ON `peer_inbound_credentials` (`token_hash`);--> statement-breakpoint
CREATE INDEX `peer_inbound_credentials_peer` ON `peer_inbound_credentials` (`peer_id`);--> statement-breakpoint
CREATE TABLE `peer_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`peer_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`context_id` text NOT NULL,
	`session_id` text NOT NULL,
	`state` text NOT NULL,
	`reply` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `peer_tasks_peer` ON `peer_tasks` (`peer_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `peers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plane_id` text,
	`member_id` text,
	`name_scope` text NOT NULL,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`protocol` text NOT NULL,
	`direction` text NOT NULL,
	`agent_ids` text NOT NULL,
	`rate_limit_per_minute` integer NOT NULL,
	`outbound_ciphertext` text,
	`outbound_key_id` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `peers_created` ON `peers` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `peers_plane` ON `peers` (`plane_id`,`member_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `peers_live_name` ON `peers` (`name_scope`,`name`) WHERE deleted_at IS NULL;