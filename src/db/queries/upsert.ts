/**
 * The journal writer's batched upsert, for any table keyed by `id` with an
 * `updatedAt` column: rows for one id are merged first (PostgreSQL refuses to
 * update a row twice in one statement), then rows defining the same columns
 * share one INSERT … ON CONFLICT (id) DO UPDATE that overwrites only the
 * columns they define — the id and the column fixed at insert are kept.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "../client.ts";

type Row = { id: string; updatedAt?: Date | null } & Record<string, unknown>;

export async function upsertById<R extends Row>(db: Db, table: PgTable, rows: readonly R[], fixedAtInsert: keyof R & string): Promise<void> {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const merged = new Map<string, R>();
  for (const row of rows) merged.set(row.id, { ...merged.get(row.id), ...definedOnly(row) });
  const groups = new Map<string, R[]>();
  for (const row of merged.values()) {
    const stamped = { ...row, updatedAt: row.updatedAt ?? new Date() };
    const signature = Object.keys(stamped).sort().join(",");
    const group = groups.get(signature);
    if (group) group.push(stamped);
    else groups.set(signature, [stamped]);
  }
  for (const group of groups.values()) {
    const set: Record<string, SQL> = {};
    for (const key of Object.keys(group[0]!)) {
      if (key === "id" || key === fixedAtInsert) continue;
      set[key] = sql.raw(`excluded.${quoteIdent(columns[key]!.name)}`);
    }
    await db.insert(table).values(group as never).onConflictDoUpdate({ target: (table as never as { id: never }).id, set });
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function definedOnly<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as T;
}
