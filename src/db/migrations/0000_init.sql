CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_keys_key_hash_key" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "call_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"call_id" text NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_events_call_id_seq_key" UNIQUE("call_id","seq"),
	CONSTRAINT "call_events_kind_check" CHECK ("call_events"."kind" in ('event', 'command', 'transition', 'refusal', 'error'))
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"id" text PRIMARY KEY NOT NULL,
	"direction" text NOT NULL,
	"from_number" text,
	"to_number" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"state_value" jsonb,
	"hangup_cause" text,
	"q850" integer,
	"hangup_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"initiated_at" timestamp (3) with time zone,
	"ringing_at" timestamp (3) with time zone,
	"answered_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"ring_sec" double precision,
	"talk_sec" double precision,
	"status_callback" text,
	"dry_run" boolean DEFAULT false NOT NULL,
	"error" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calls_direction_check" CHECK ("calls"."direction" in ('inbound', 'outbound')),
	CONSTRAINT "calls_status_check" CHECK ("calls"."status" in ('queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'))
);
--> statement-breakpoint
CREATE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "calls_status_created_at_idx" ON "calls" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "calls_created_at_idx" ON "calls" USING btree ("created_at");