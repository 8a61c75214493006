// Checks a ZIP package (a DOCX) against the parse budget before any parser opens it: the central
// directory's entry count, the sizes it declares and each entry's compression ratio, then each
// entry inflated with a cap at its declared size, since a hostile archive can declare small sizes
// and inflate to gigabytes. A 966 KB DOCX that expands to 413 MB is refused here in milliseconds.
// Layout: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local header), 4.3.12 (central directory
// header) and 4.3.16 (end of central directory record).
import { inflateRawSync } from 'node:zlib';
import { errorMessage, ValidationError } from '../../core/errors.js';
import { ParseBudgetError, type ParseBudget } from './parse-budget.js';

/** One entry as the central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated (the only methods DOCX writers use). */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
/** The end record may be followed by a comment of up to 65,535 bytes. */
const MAX_COMMENT = 0xffff;
/** Entries smaller than this are not ratio-checked (tiny XML parts compress very well). */
const RATIO_GRACE_BYTES = 1024 * 1024;

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The entries of the ZIP in `bytes`, from its central directory. Throws ValidationError when
 * there is no readable central directory, ParseBudgetError for ZIP64 or too many entries.
 */
export function readCentralDirectory(name: string, bytes: Uint8Array, budget: ParseBudget): ZipEntry[] {
  const dv = view(bytes);
  // The end record is the last 22 bytes unless a comment follows it: search backwards.
  let eocd = -1;
  for (let at = bytes.byteLength - EOCD_SIZE; at >= Math.max(0, bytes.byteLength - EOCD_SIZE - MAX_COMMENT); at--) {
    if (dv.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ValidationError(`${name} is not a readable DOCX: no ZIP end of central directory`);
  const count = dv.getUint16(eocd + 10, true);
  const size = dv.getUint32(eocd + 12, true);
  const offset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw new ParseBudgetError(
      'expandedBytes',
      `${name} is a ZIP64 archive (over 65,535 entries or 4 GiB), far over any budget`,
    );
  }
  if (count > budget.archiveEntries)
    throw new ParseBudgetError(
      'archiveEntries',
      `${name} holds ${count} ZIP entries; the budget is ${budget.archiveEntries}`,
      { budget: budget.archiveEntries, found: count },
    );
  if (offset + size > eocd)
    throw new ValidationError(`${name} is not a readable DOCX: its ZIP central directory lies outside the file`);
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || dv.getUint32(at, true) !== CENTRAL_SIGNATURE)
      throw new ValidationError(`${name} is not a readable DOCX: ZIP central directory entry ${i} is damaged`);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    entries.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: dv.getUint16(at + 10, true),
      compressedSize: dv.getUint32(at + 20, true),
      uncompressedSize: dv.getUint32(at + 24, true),
      localHeaderOffset: dv.getUint32(at + 42, true),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Throws ParseBudgetError unless the ZIP in `bytes` stays within `budget` once expanded: entry
 * count, total declared size, each large entry's ratio, and each entry's real inflated size
 * (inflation stops at the declared size, so a lie costs at most the budget). Throws
 * ValidationError for a damaged archive.
 */
export function checkZipBudget(name: string, bytes: Uint8Array, budget: ParseBudget): void {
  const entries = readCentralDirectory(name, bytes, budget);
  const declared = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (declared > budget.expandedBytes) {
    throw new ParseBudgetError(
      'expandedBytes',
      `${name} expands to ${declared} bytes (${bytes.byteLength} compressed); the budget is ${budget.expandedBytes}`,
      { budget: budget.expandedBytes, found: declared },
    );
  }
  const dv = view(bytes);
  for (const e of entries) {
    const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
    if (e.uncompressedSize > RATIO_GRACE_BYTES && ratio > budget.compressionRatio) {
      throw new ParseBudgetError(
        'compressionRatio',
        `${name}: ZIP entry ${e.name} expands ${Math.round(ratio)}-fold (${e.compressedSize} -> ${e.uncompressedSize} bytes); the budget is ${budget.compressionRatio}`,
        {
          budget: budget.compressionRatio,
          found: Math.round(ratio),
        },
      );
    }
    const local = e.localHeaderOffset;
    if (local + 30 > bytes.byteLength || dv.getUint32(local, true) !== LOCAL_SIGNATURE)
      throw new ValidationError(`${name} is not a readable DOCX: ZIP entry ${e.name} has no local header`);
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + e.compressedSize);
    if (e.method !== 8) continue; // stored: its size is its compressed size, already counted
    try {
      // NOTE: maxOutputLength makes zlib stop at the declared size instead of allocating
      // whatever the stream inflates to; one byte more than declared is a lie.
      inflateRawSync(data, { maxOutputLength: Math.max(1, e.uncompressedSize) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ParseBudgetError(
          'expandedBytes',
          `${name}: ZIP entry ${e.name} inflates past the ${e.uncompressedSize} bytes it declares`,
          { budget: budget.expandedBytes },
        );
      }
      throw new ValidationError(
        `${name} is not a readable DOCX: ZIP entry ${e.name} does not inflate (${errorMessage(err)})`,
      );
    }
  }
}
