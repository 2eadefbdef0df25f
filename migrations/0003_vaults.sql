CREATE TABLE `vault_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`vault_id` text NOT NULL,
	`display_name` text,
	`auth_type` text NOT NULL,
	`match_key` text NOT NULL,
	`auth` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`key_id` text NOT NULL,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	FOREIGN KEY (`vault_id`) REFERENCES `vaults`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `vault_credentials_vault` ON `vault_credentials` (`vault_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `vault_credentials_key` ON `vault_credentials` (`key_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `vault_credentials_live_match` ON `vault_credentials` (`vault_id`,`match_key`) WHERE archived_at IS NULL;--> statement-breakpoint
CREATE TABLE `vaults` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
CREATE INDEX `vaults_created` ON `vaults` (`created_at`,`id`);