CREATE TABLE `token_usage` (
	`owner_id` text NOT NULL,
	`day` text NOT NULL,
	`tokens` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `day`)
);
