ALTER TABLE "conversations" ADD COLUMN "receptionist_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "receptionist_version" integer;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "flow_version" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "flow" jsonb;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "flow_path" jsonb;