CREATE TABLE `openai_conversations` (
	`principal_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`user` text NOT NULL,
	`session_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`principal_id`, `agent_id`, `user`)
);
