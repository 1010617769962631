// drizzle-kit configuration: `node_modules/.bin/drizzle-kit generate` writes SQL
// migrations for src/db/schema.ts into src/db/migrations (committed; applied on
// start by src/db/migrate.ts for both postgres.js and PGlite).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./src/db/migrations",
});
