ALTER TABLE "conversations" ADD COLUMN "analysis" jsonb;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "analysis_status" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "analysis_error" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "analyzed_at" timestamp (3) with time zone;--> statement-breakpoint
-- Conversations that ended before post-call analysis existed are not analysed on the first start.
UPDATE "conversations" SET "analysis_status" = 'skipped' WHERE "status" = 'ended';--> statement-breakpoint
CREATE INDEX "conversations_analysis_due_idx" ON "conversations" USING btree ("ended_at") WHERE "conversations"."status" = 'ended' and ("conversations"."analysis_status" is null or "conversations"."analysis_status" = 'pending');--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_analysis_status_check" CHECK ("conversations"."analysis_status" in ('pending', 'done', 'failed', 'skipped'));