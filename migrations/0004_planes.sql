CREATE TABLE `agent_usage_monthly` (
	`agent_id` text NOT NULL,
	`month` text NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`agent_id`, `month`)
);
--> statement-breakpoint
CREATE TABLE `plane_members` (
	`id` text PRIMARY KEY NOT NULL,
	`plane_id` text NOT NULL,
	`name` text NOT NULL,
	`owner` text NOT NULL,
	`template_override` text NOT NULL,
	`agent_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`vault_id` text NOT NULL,
	`status` text NOT NULL,
	`template_version` integer NOT NULL,
	`runtime_version` text NOT NULL,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`removed_at` integer
);
--> statement-breakpoint
CREATE INDEX `plane_members_plane` ON `plane_members` (`plane_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `plane_members_agent` ON `plane_members` (`agent_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `plane_members_live_name` ON `plane_members` (`plane_id`,`name`) WHERE removed_at IS NULL;--> statement-breakpoint
CREATE TABLE `plane_rollouts` (
	`id` text PRIMARY KEY NOT NULL,
	`plane_id` text NOT NULL,
	`status` text NOT NULL,
	`from_template` text NOT NULL,
	`from_template_version` integer NOT NULL,
	`from_runtime_version` text NOT NULL,
	`to_template` text NOT NULL,
	`to_template_version` integer NOT NULL,
	`to_runtime_version` text NOT NULL,
	`members` text NOT NULL,
	`error` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	`rolled_back_at` integer
);
--> statement-breakpoint
CREATE INDEX `plane_rollouts_plane` ON `plane_rollouts` (`plane_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `plane_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`plane_id` text NOT NULL,
	`member_id` text,
	`kind` text NOT NULL,
	`token_hash` text NOT NULL,
	`token_prefix` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plane_tokens_hash` ON `plane_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `plane_tokens_plane` ON `plane_tokens` (`plane_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `planes` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`template` text NOT NULL,
	`template_version` integer NOT NULL,
	`runtime_version` text NOT NULL,
	`environment` text NOT NULL,
	`instance_type` text NOT NULL,
	`region` text NOT NULL,
	`monthly_budget_usd` real,
	`metadata` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `planes_created` ON `planes` (`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `planes_live_name` ON `planes` (`name`) WHERE deleted_at IS NULL;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `plane_id` text;--> statement-breakpoint
CREATE INDEX `audit_plane` ON `audit_log` (`plane_id`,`id`);