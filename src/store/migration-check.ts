// The expand-then-contract check: during a rolling or rainbow deploy the previous build keeps
// serving on the schema the new build migrated, so a new migration may only add. It is refused
// when it would break the previous build (dropping or renaming what that build reads, changing
// a column's type, a NOT NULL column without a default that the old build's inserts leave out)
// or hold a long exclusive lock on a table that may be large (one an earlier migration created):
// a table rewrite, an index built without CONCURRENTLY, a constraint validated in place, LOCK,
// VACUUM FULL, CLUSTER. A migration states a reviewed exception with a line
// `-- iris:allow <rule> <reason>`; the contract step of a change (dropping what no live build
// reads any more) is such an exception.

export const MIGRATION_RULES = {
  drop: 'drops a table, column, view or function the previous build may read (contract only after no live build reads it)',
  rename: 'renames a table or column the previous build reads (add the new one, copy, drop the old one later)',
  'type-change':
    "changes a column's type (rewrites the table under an exclusive lock, and the previous build reads the old type)",
  'not-null-without-default': "adds a NOT NULL column without a default (the previous build's inserts fail)",
  'set-not-null':
    'sets NOT NULL on an existing column (scans the table under an exclusive lock; add a CHECK … NOT VALID, validate, then set)',
  rewrite: 'rewrites an existing table under an exclusive lock (a stored generated column, or a volatile default)',
  'index-lock':
    'builds an index on an existing table without CONCURRENTLY (blocks writes while it builds; use CREATE INDEX CONCURRENTLY in a `-- iris:no-transaction` migration)',
  'validate-lock':
    'adds a foreign key or check constraint to an existing table without NOT VALID (scans it under a lock)',
  'explicit-lock': 'takes an explicit lock or runs VACUUM FULL, CLUSTER or REINDEX without CONCURRENTLY',
} as const;
export type MigrationRule = keyof typeof MIGRATION_RULES;

export interface MigrationFinding {
  readonly migration: string;
  readonly rule: MigrationRule;
  readonly statement: string;
  readonly why: string;
}

/**
 * Migrations up to this version landed before the check existed; they ran on empty tables of
 * deployments that did not yet serve two builds, and a landed migration is never edited (its
 * checksum is recorded), so they are exempt.
 */
export const CHECKED_FROM_VERSION = 11;

/**
 * Splits SQL into statements at top-level semicolons, skipping quoted strings, quoted
 * identifiers, dollar-quoted bodies and comments; comments are dropped from the statements.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] ?? '';
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      current += ' ';
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      current += ' ';
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? sql.length : end + tag.length;
      current += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      // NOTE: a doubled quote inside is an escaped quote: scanning on past it is the same.
      let j = i + 1;
      while (j < sql.length && sql[j] !== ch) j++;
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();
const TABLE = String.raw`(?:if (?:not )?exists )?(?:only )?(?:"?public"?\.)?"?([a-z_][a-z0-9_]*)"?`;

/** Tables a migration creates. */
export function createdTables(sql: string): string[] {
  return splitStatements(sql)
    .map(norm)
    .flatMap((s) => {
      const m = new RegExp(`^create (?:unlogged )?table ${TABLE}`).exec(s);
      return m?.[1] ? [m[1]] : [];
    });
}

/** The `-- iris:allow <rule>` exceptions a migration states. */
function allowedRules(sql: string): Set<string> {
  return new Set([...sql.matchAll(/^--\s*iris:allow\s+([a-z-]+)/gm)].map((m) => m[1] ?? ''));
}

const VOLATILE =
  /\b(now|random|clock_timestamp|gen_random_uuid|uuid_generate_v4|timeofday|statement_timestamp|nextval)\s*\(/;

/** What in statement `s` (normalised) breaks the previous build or locks `existing` tables. */
function findingsOf(s: string, existing: ReadonlySet<string>): MigrationRule[] {
  const rules: MigrationRule[] = [];
  const alter = new RegExp(`^alter table ${TABLE} (.*)$`).exec(s);
  if (/^drop (table|view|materialized view|function|type|schema)\b/.test(s)) rules.push('drop');
  if (/^(lock table|lock |vacuum full|vacuum \(full|cluster\b)/.test(s) || /^reindex (?!.*concurrently)/.test(s))
    rules.push('explicit-lock');
  const index = new RegExp(
    `^create (?:unique )?index (concurrently )?(?:if not exists )?(?:"?[a-z0-9_]+"? )?on ${TABLE}`,
  ).exec(s);
  if (index && index[1] === undefined && index[2] !== undefined && existing.has(index[2])) rules.push('index-lock');
  if (alter) {
    const [, table = '', actions = ''] = alter;
    const onExisting = existing.has(table);
    if (/\bdrop (column\b|(?!constraint|default|not null|index)[a-z_"])/.test(actions)) rules.push('drop');
    if (/\brename\b/.test(actions)) rules.push('rename');
    if (/\balter (column )?"?[a-z0-9_]+"? (set data )?type\b/.test(actions)) rules.push('type-change');
    if (onExisting && /\balter (column )?"?[a-z0-9_]+"? set not null\b/.test(actions)) rules.push('set-not-null');
    for (const add of actions.split(/,\s*(?=add\b)/)) {
      if (!/^add (column )?(?!constraint|primary|unique|foreign|check)/.test(add.trim())) continue;
      if (/\bnot null\b/.test(add) && !/\bdefault\b/.test(add) && !/\bgenerated\b/.test(add) && onExisting)
        rules.push('not-null-without-default');
      if (
        onExisting &&
        (/\bgenerated always as\b.*\bstored\b/.test(add) || (/\bdefault\b/.test(add) && VOLATILE.test(add)))
      )
        rules.push('rewrite');
    }
    if (
      onExisting &&
      /\badd (constraint "?[a-z0-9_]+"? )?(foreign key|check)\b/.test(actions) &&
      !/\bnot valid\b/.test(actions)
    )
      rules.push('validate-lock');
  }
  return rules;
}

/**
 * Checks one migration against the tables earlier ones created. Pure.
 * @returns every finding not covered by an `-- iris:allow <rule>` line of the migration.
 */
export function checkMigration(
  migration: { readonly name: string; readonly sql: string },
  earlier: readonly { readonly sql: string }[],
): MigrationFinding[] {
  const existing = new Set(earlier.flatMap((m) => createdTables(m.sql)));
  const allowed = allowedRules(migration.sql);
  const findings: MigrationFinding[] = [];
  for (const statement of splitStatements(migration.sql)) {
    for (const rule of findingsOf(norm(statement), existing)) {
      if (allowed.has(rule)) continue;
      findings.push({
        migration: migration.name,
        rule,
        statement: norm(statement).slice(0, 160),
        why: MIGRATION_RULES[rule],
      });
    }
  }
  return findings;
}

/** Checks every migration from CHECKED_FROM_VERSION on, each against those before it. */
export function checkMigrations(
  migrations: readonly { readonly version: number; readonly name: string; readonly sql: string }[],
): MigrationFinding[] {
  return migrations.flatMap((m, i) =>
    m.version < CHECKED_FROM_VERSION ? [] : checkMigration(m, migrations.slice(0, i)),
  );
}
