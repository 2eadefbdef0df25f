ALTER TABLE `beam_runs` ADD `input_tokens` integer;--> statement-breakpoint
ALTER TABLE `beam_runs` ADD `output_tokens` integer;--> statement-breakpoint
ALTER TABLE `beam_runs` ADD `cache_read_tokens` integer;--> statement-breakpoint
ALTER TABLE `beam_runs` ADD `cache_creation_tokens` integer;--> statement-breakpoint
ALTER TABLE `beam_runs` ADD `cost_usd` real;