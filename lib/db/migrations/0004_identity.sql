CREATE TABLE `embed_visitors` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`token_version` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `handoff_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`chat_id` text NOT NULL,
	`expires_at` integer NOT NULL
);
