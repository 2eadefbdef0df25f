CREATE TABLE `beam_run_output` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`text` text NOT NULL,
	PRIMARY KEY(`run_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `beam_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`connector` text NOT NULL,
	`session_id` text NOT NULL,
	`tool_call_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`agent_version` integer NOT NULL,
	`plane_id` text,
	`member_id` text,
	`bot_identity` text,
	`task` text NOT NULL,
	`agent_cli` text NOT NULL,
	`command` text NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`publish` integer NOT NULL,
	`status` text NOT NULL,
	`beam_id` text,
	`beam_uuid` text,
	`published_url` text,
	`exit_code` integer,
	`error` text,
	`output_bytes` integer DEFAULT 0 NOT NULL,
	`output_truncated` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`exec_started_at` integer,
	`ended_at` integer,
	`wall_ms` integer
);
--> statement-breakpoint
CREATE INDEX `beam_runs_created` ON `beam_runs` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `beam_runs_session` ON `beam_runs` (`session_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `beam_runs_status` ON `beam_runs` (`connector`,`status`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `beam_runs_tool_call` ON `beam_runs` (`session_id`,`tool_call_id`);--> statement-breakpoint
CREATE TABLE `teleport_connections` (
	`scope` text PRIMARY KEY NOT NULL,
	`proxy_address` text,
	`bot_name` text,
	`credential_type` text,
	`sealed_credential` text,
	`delegation_allowed` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
