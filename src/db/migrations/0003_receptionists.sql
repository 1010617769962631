CREATE TABLE "appointments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"receptionist_id" uuid NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"name" text NOT NULL,
	"phone" text NOT NULL,
	"service" text,
	"notes" text,
	"status" text DEFAULT 'booked' NOT NULL,
	"conversation_id" text,
	"rescheduled_from" uuid,
	"sandbox" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"cancelled_at" timestamp (3) with time zone,
	CONSTRAINT "appointments_status_check" CHECK ("appointments"."status" in ('booked', 'cancelled')),
	CONSTRAINT "appointments_time_check" CHECK ("appointments"."ends_at" > "appointments"."starts_at"),
	CONSTRAINT "appointments_phone_check" CHECK ("appointments"."phone" ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"receptionist_id" uuid NOT NULL,
	"conversation_id" text,
	"caller_name" text NOT NULL,
	"callback_number" text NOT NULL,
	"reason" text NOT NULL,
	"urgency" text DEFAULT 'normal' NOT NULL,
	"sandbox" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_urgency_check" CHECK ("messages"."urgency" in ('low', 'normal', 'high', 'urgent')),
	CONSTRAINT "messages_callback_number_check" CHECK ("messages"."callback_number" ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "numbers" (
	"did" text PRIMARY KEY NOT NULL,
	"receptionist_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "numbers_did_check" CHECK ("numbers"."did" ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "receptionist_versions" (
	"receptionist_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "receptionist_versions_pkey" PRIMARY KEY("receptionist_id","version")
);
--> statement-breakpoint
CREATE TABLE "receptionists" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "receptionists_version_check" CHECK ("receptionists"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_receptionist_id_receptionists_id_fk" FOREIGN KEY ("receptionist_id") REFERENCES "public"."receptionists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_receptionist_id_receptionists_id_fk" FOREIGN KEY ("receptionist_id") REFERENCES "public"."receptionists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_receptionist_id_receptionists_id_fk" FOREIGN KEY ("receptionist_id") REFERENCES "public"."receptionists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receptionist_versions" ADD CONSTRAINT "receptionist_versions_receptionist_id_receptionists_id_fk" FOREIGN KEY ("receptionist_id") REFERENCES "public"."receptionists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_slot_key" ON "appointments" USING btree ("receptionist_id","starts_at","sandbox") WHERE "appointments"."status" = 'booked';--> statement-breakpoint
CREATE INDEX "appointments_receptionist_phone_idx" ON "appointments" USING btree ("receptionist_id","phone","starts_at");--> statement-breakpoint
CREATE INDEX "appointments_starts_at_idx" ON "appointments" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "messages_created_at_idx" ON "messages" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "messages_receptionist_created_at_idx" ON "messages" USING btree ("receptionist_id","created_at","id");--> statement-breakpoint
CREATE INDEX "numbers_receptionist_id_idx" ON "numbers" USING btree ("receptionist_id");--> statement-breakpoint
CREATE INDEX "numbers_created_at_idx" ON "numbers" USING btree ("created_at","did");--> statement-breakpoint
CREATE INDEX "receptionists_created_at_idx" ON "receptionists" USING btree ("created_at","id");