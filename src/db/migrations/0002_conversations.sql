CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"call_id" text NOT NULL,
	"direction" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"outcome" text,
	"end_cause" text,
	"model" text NOT NULL,
	"voice" jsonb NOT NULL,
	"first_message" text,
	"system_prompt" text NOT NULL,
	"transcript" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"turns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tool_calls" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"usage" jsonb,
	"snapshot" jsonb,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversations_direction_check" CHECK ("conversations"."direction" in ('inbound', 'outbound')),
	CONSTRAINT "conversations_status_check" CHECK ("conversations"."status" in ('active', 'ended'))
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_started_at_idx" ON "conversations" USING btree ("started_at","id");--> statement-breakpoint
CREATE INDEX "conversations_status_started_at_idx" ON "conversations" USING btree ("status","started_at","id");--> statement-breakpoint
CREATE INDEX "conversations_call_id_idx" ON "conversations" USING btree ("call_id","started_at");