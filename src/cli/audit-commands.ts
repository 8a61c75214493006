// `iris audit list|verify|prove|verify-proof|checkpoint`: read the tamper-evident ledger and
// check it locally. Verification runs in this process on downloaded rows, against what the
// platform log witnessed and, with --checkpoint-file, against checkpoints this client kept;
// verify-proof needs no API at all, only a verifier key obtained out of band.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyProofBundle, type ProofBundle } from '../audit/index.js';
import type { CliEnvironment } from './cli-config.js';
import { CommandFailedError } from './cli-errors.js';
import { commandContext, ownerOf } from './command-context.js';
import { downloadLog, logPath, parseTrustedKey, verifyDownloadedLog, type EventPage } from './audit-download.js';
import { checkKept, keepInFile } from './audit-kept.js';
import { wholeNumber } from './option-parsers.js';
import { renderFields, renderTable, shortTime } from './output.js';
import { errorMessage } from '../core/errors.js';

type Owner = { tenant?: string; platform?: boolean };

const ownerOptions = (cmd: Command): Command =>
  cmd
    .option('--tenant <id>', "the tenant's log")
    .option('--platform', 'the platform log (platform keys, tenant creation)');

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '-' : JSON.stringify(v);

/** A proof bundle read from a file, with its shape checked before any cryptography. */
function readBundle(file: string): ProofBundle {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CommandFailedError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  let b: unknown;
  try {
    b = JSON.parse(raw);
  } catch (err) {
    throw new CommandFailedError(`${file} is not JSON: ${errorMessage(err)}`);
  }
  const o = (typeof b === 'object' && b !== null ? b : {}) as Record<string, unknown>;
  const wrong = [
    ['log', typeof o.log === 'string'],
    ['seq', Number.isSafeInteger(o.seq)],
    ['treeSize', Number.isSafeInteger(o.treeSize)],
    ['event', typeof o.event === 'object' && o.event !== null && !Array.isArray(o.event)],
    ['leafHash', typeof o.leafHash === 'string'],
    ['auditPath', Array.isArray(o.auditPath) && o.auditPath.every((h) => typeof h === 'string')],
    ['rootHash', typeof o.rootHash === 'string'],
    ['checkpoint', typeof o.checkpoint === 'string'],
  ]
    .filter(([, ok]) => ok === false)
    .map(([name]) => name);
  if (wrong.length > 0)
    throw new CommandFailedError(`${file} is not an Iris proof bundle: missing or malformed ${wrong.join(', ')}.`);
  return o as unknown as ProofBundle;
}

export function registerAuditCommands(program: Command, env: CliEnvironment): void {
  const audit = program
    .command('audit')
    .description('Read and verify the tamper-evident audit ledger (one log per tenant, plus the platform log)')
    .addHelpText(
      'after',
      '\nExamples:\n  iris audit list --tenant acme\n  iris audit verify --tenant acme --vkey "$(cat iris.vkey)"\n  iris audit prove --tenant acme --seq 3 --out proof.json && iris audit verify-proof proof.json --vkey @iris.vkey',
    );

  ownerOptions(
    audit.command('list').summary('list events of a log').description('List audit events of a log, oldest first'),
  )
    .option('--from <seq>', 'first event to show', wholeNumber(0), 0)
    .option('--limit <n>', 'how many events (1-1000)', wholeNumber(1), 100)
    .addHelpText(
      'after',
      '\nExamples:\n  iris audit list --tenant acme\n  iris audit list --platform --from 100 --limit 50 --output json',
    )
    .action(async (o: Owner & { from: number; limit: number }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const owner = ownerOf(o);
      const page = await client().request<EventPage>('GET', `${logPath(owner.log)}/events`, {
        query: { from: o.from, limit: o.limit },
      });
      out.result(page, () =>
        renderTable(
          ['SEQ', 'TIME', 'ACTION', 'RESOURCE', 'ACTOR', 'REQUEST'],
          page.items.map(({ seq, event: e }) => {
            const r = (e.resource ?? {}) as { kind?: unknown; id?: unknown };
            const a = (e.actor ?? {}) as { role?: unknown; keyId?: unknown };
            return [
              seq,
              shortTime(str(e.time)),
              str(e.action),
              `${str(r.kind)}/${str(r.id)}`,
              `${str(a.role)} ${str(a.keyId)}`,
              str(e.requestId),
            ];
          }),
          `No events in the log of ${owner.label}${o.from > 0 ? ` from ${o.from}` : ''}.`,
        ),
      );
      if (out.format === 'table' && page.next !== undefined)
        out.note(`${page.size} events in all; next page: --from ${page.next}`);
    });

  ownerOptions(
    audit
      .command('verify')
      .summary('verify a whole log locally (exit 1 on tampering)')
      .description(
        'Download a whole log and verify it here: every leaf, the root, the signed head, every kept checkpoint and what the platform log witnessed',
      ),
  )
    .option('--vkey <vkey>', 'the verifier key you trust (name+hash+key, or @file); default: fetched from the server')
    .option(
      '--checkpoint-file <file>',
      'checkpoints you keep: check the log extends each (consistency proofs), then keep its signed head there',
    )
    .addHelpText(
      'after',
      [
        '',
        'Fails (exit 1, problems listed) if any event was edited, deleted, inserted or reordered, a signature does not verify,',
        'the log no longer holds what the platform log witnessed of it (a log deleted whole, or cut back to an older head),',
        'or, with --checkpoint-file, the log is not an extension of a checkpoint kept there earlier.',
        'Without --vkey the key comes from the same server as the log: fine against accidents, not against whoever controls that server.',
        'Examples:',
        '  iris audit verify --tenant acme',
        '  iris audit verify --platform --vkey @iris.vkey',
        '  iris audit verify --tenant acme --vkey @iris.vkey --checkpoint-file ~/.iris/checkpoints.json',
      ].join('\n'),
    )
    .action(async (o: Owner & { vkey?: string; checkpointFile?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const owner = ownerOf(o);
      const api = client();
      let keySource: 'option' | 'server' = 'option';
      let vkey = o.vkey;
      if (vkey === undefined) {
        vkey = (await api.request<{ vkey: string }>('GET', '/v1/audit/key', { anonymous: true })).vkey;
        keySource = 'server';
        out.note(
          `note: verifier key fetched from the server at ${api.api} (${vkey}); pass --vkey with a key you got elsewhere to rule out a compromised server.`,
        );
      }
      const key = parseTrustedKey(vkey, (f) => readFileSync(f, 'utf8'));
      const data = await downloadLog(api, owner.log);
      const logged = verifyDownloadedLog(owner.log, data, key);
      const kept =
        o.checkpointFile === undefined ? undefined : await checkKept(api, owner.log, key, data.head, o.checkpointFile);
      const problems = [...logged.problems, ...(kept?.problems ?? [])];
      const v = { ...logged, ok: problems.length === 0, problems };
      const signed = (data.head === null ? 0 : 1) + data.checkpoints.length;
      const platform = owner.log === 'platform';
      const witnessLine: [string, string | number] = platform
        ? ['  witness records', `${data.witnesses.length} (one per witness event of the platform log)`]
        : [
            '  witnessed',
            v.witnessedSize > 0
              ? `up to ${v.witnessedSize} events by the platform log (${v.witnessesVerified} of ${data.witnesses.length} witness records hold)`
              : 'not yet by the platform log',
          ];
      out.result(
        {
          ...v,
          vkey: key.vkey,
          keySource,
          ...(kept === undefined
            ? {}
            : { keptCheckpoints: { file: kept.file, checked: kept.checked, consistent: kept.consistent } }),
        },
        () =>
          [
            `Audit log ${v.log}: ${v.ok ? 'OK' : `FAILED (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'})`}`,
            renderFields([
              ['  events', v.size],
              ['  root', v.root],
              [
                '  signatures',
                `${v.checkpointsVerified} of ${signed} verified (signed head + ${data.checkpoints.length} kept checkpoint${data.checkpoints.length === 1 ? '' : 's'})`,
              ],
              witnessLine,
              ...(kept === undefined
                ? []
                : [
                    [
                      '  kept by you',
                      `${kept.consistent} of ${kept.checked} checkpoint${kept.checked === 1 ? '' : 's'} extended by this log (${kept.file})`,
                    ] as [string, string],
                  ]),
              ['  verifier key', `${key.vkey} (${keySource === 'server' ? 'from the server' : 'given'})`],
            ]).trimEnd(),
            ...v.problems.map((p) => `  - ${p.seq === undefined ? '' : `event ${p.seq}: `}${p.problem}`),
          ].join('\n'),
      );
      if (v.size === 0 && data.head === null && data.witnesses.length === 0)
        out.note(`note: the log of ${owner.label} is empty (a tenant id that does not exist has an empty log too).`);
      if (!v.ok)
        throw new CommandFailedError(
          `the audit log of ${owner.label} failed verification (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}).`,
        );
      // Only a verified head is kept: the next run checks the log still extends it.
      if (o.checkpointFile !== undefined && data.head !== null) {
        keepInFile(o.checkpointFile, `${key.name}/${owner.log}`, data.head.checkpoint);
        if (out.format === 'table') out.note(`Kept the signed head (size ${data.head.size}) in ${o.checkpointFile}.`);
      }
    });

  ownerOptions(
    audit
      .command('prove')
      .summary('get an offline-verifiable inclusion proof of one event')
      .description('Get an inclusion proof of one event against the signed head: a bundle anyone can verify offline'),
  )
    .requiredOption('--seq <n>', 'the event position (SEQ in `iris audit list`)', wholeNumber(0))
    .option('--out <file>', 'write the bundle to this file instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  iris audit prove --tenant acme --seq 3 --out acme-3.proof.json\n  iris audit verify-proof acme-3.proof.json --vkey @iris.vkey',
    )
    .action(async (o: Owner & { seq: number; out?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const owner = ownerOf(o);
      const bundle = await client().request<ProofBundle>('GET', `${logPath(owner.log)}/proof/${o.seq}`);
      if (o.out === undefined) {
        // NOTE: the bundle is the result in both formats: it is already JSON.
        out.result(bundle, () => JSON.stringify(bundle, null, 2));
        return;
      }
      try {
        writeFileSync(o.out, `${JSON.stringify(bundle, null, 2)}\n`);
      } catch (err) {
        throw new CommandFailedError(`cannot write ${o.out}: ${errorMessage(err)}`);
      }
      out.result(
        { file: o.out, log: bundle.log, seq: bundle.seq, treeSize: bundle.treeSize },
        () =>
          `Wrote the proof of event ${bundle.seq} of log ${bundle.log} (tree size ${bundle.treeSize}) to ${o.out}.\nVerify offline: iris audit verify-proof ${o.out} --vkey <trusted verifier key>`,
      );
    });

  audit
    .command('verify-proof')
    .summary('verify a proof bundle offline against a trusted key')
    .description('Verify a proof bundle fully offline (no API call) against a verifier key you trust')
    .argument('<file>', 'a bundle written by `iris audit prove --out`')
    .requiredOption('--vkey <vkey>', 'the trusted verifier key (name+hash+key, or @file); `GET /v1/audit/key` shows it')
    .addHelpText(
      'after',
      '\nExit code 0 when the event is in the signed log, 1 when it is not (or the bundle was altered).\nExample:\n  iris audit verify-proof acme-3.proof.json --vkey "iris.local/ledger+1a2b3c4d+AU…"',
    )
    .action(async (file: string, o: { vkey: string }, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const key = parseTrustedKey(o.vkey, (f) => readFileSync(f, 'utf8'));
      const bundle = readBundle(file);
      let check: ReturnType<typeof verifyProofBundle>;
      try {
        check = verifyProofBundle(bundle, key.vkey);
      } catch (err) {
        check = { ok: false, reason: `malformed bundle: ${errorMessage(err)}` };
      }
      if (typeof bundle.vkey === 'string' && bundle.vkey !== key.vkey)
        out.note('note: the bundle names another verifier key than --vkey; it was checked against --vkey only.');
      const summary = {
        ok: check.ok,
        ...(check.ok ? {} : { reason: check.reason }),
        log: bundle.log,
        seq: bundle.seq,
        treeSize: bundle.treeSize,
      };
      out.result(summary, () =>
        check.ok
          ? `OK: event ${bundle.seq} of log ${bundle.log} (${str(bundle.event.action)} at ${shortTime(str(bundle.event.time))}) is in the signed log of size ${bundle.treeSize}.`
          : `FAILED: event ${bundle.seq} of log ${bundle.log}: ${check.reason}`,
      );
      if (!check.ok) throw new CommandFailedError(`the proof in ${file} does not verify: ${check.reason}`);
    });

  ownerOptions(
    audit
      .command('checkpoint')
      .summary('keep the signed head as a checkpoint and print it')
      .description(
        'Keep the current signed head as a checkpoint and print its signed note, to store off the database host',
      ),
  )
    .option('--checkpoint-file <file>', 'also keep the note in this file, for `iris audit verify --checkpoint-file`')
    .addHelpText(
      'after',
      '\nLater `iris audit verify` checks the log still extends every kept checkpoint; a copy kept elsewhere also guards against a rolled-back database.\nExamples:\n  iris audit checkpoint --tenant acme > acme-$(date +%F).checkpoint\n  iris audit checkpoint --tenant acme --checkpoint-file ~/.iris/checkpoints.json\n  iris audit checkpoint --platform --output json',
    )
    .action(async (o: Owner & { checkpointFile?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const owner = ownerOf(o);
      const api = client();
      const cp = await api.request<{ size: number; note: string | null }>('POST', `${logPath(owner.log)}/checkpoints`);
      if (cp.note === null) {
        out.result(cp, () => '');
        out.note(`The log of ${owner.label} has no events yet; there is nothing to keep.`);
        return;
      }
      if (o.checkpointFile !== undefined) {
        // NOTE: the note's origin is its first line; verify checks the signature when it reads it back.
        keepInFile(o.checkpointFile, cp.note.split('\n')[0] ?? '', cp.note);
      }
      out.result(cp, () => cp.note ?? '');
      if (out.format === 'table')
        out.note(
          `Kept the checkpoint of ${owner.label} at size ${cp.size}${o.checkpointFile === undefined ? '' : ` (also in ${o.checkpointFile})`}.`,
        );
    });
}
