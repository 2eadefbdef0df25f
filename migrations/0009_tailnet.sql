CREATE TABLE `peer_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`direction` text NOT NULL,
	`peer_id` text NOT NULL,
	`agent_id` text,
	`session_id` text,
	`plane_id` text,
	`bytes_in` integer NOT NULL,
	`bytes_out` integer NOT NULL,
	`outcome` text NOT NULL,
	`state` text NOT NULL,
	`via` text NOT NULL,
	`duration_ms` integer
);
--> statement-breakpoint
CREATE INDEX `peer_messages_peer` ON `peer_messages` (`peer_id`,`at`);--> statement-breakpoint
CREATE TABLE `tailnet_connections` (
	`scope` text PRIMARY KEY NOT NULL,
	`oauth_client_id` text NOT NULL,
	`sealed_client_secret` text NOT NULL,
	`secret_key_id` text NOT NULL,
	`tags` text NOT NULL,
	`hostname` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `peers` ADD `path` text;