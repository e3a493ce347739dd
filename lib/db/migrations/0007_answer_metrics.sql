CREATE TABLE `answer_metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`surface` text NOT NULL,
	`visitor` text NOT NULL,
	`model` text NOT NULL,
	`provider` text NOT NULL,
	`fallback_from` text,
	`status` text NOT NULL,
	`ttft_ms` integer,
	`duration_ms` integer NOT NULL,
	`tokens_per_second` real,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`tool_calls` integer NOT NULL,
	`retries` integer NOT NULL,
	`cache_hit` integer NOT NULL,
	`cost_usd` real
);
--> statement-breakpoint
CREATE INDEX `answer_metrics_at_idx` ON `answer_metrics` (`at`);