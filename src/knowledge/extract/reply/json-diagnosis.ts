// Reads a broken JSON payload without repairing it, to say what is wrong with it (trailing
// commas, single quotes, unquoted keys, truncation) and, for a truncated reply, where it was
// cut: in which list, inside which record and inside which field. The repair itself is
// jsonrepair's; this tells the counters and the schema which record cannot be trusted.

export interface TruncationPoint {
  /** The key of the innermost open list (`entities`, `relations`), if any. */
  readonly list: string | undefined;
  /** Whether a record of that list was open when the text ended. */
  readonly insideRecord: boolean;
  /** The field whose value was being written when the text ended, if a value was cut. */
  readonly cutField: string | undefined;
}

export interface JsonDiagnosis {
  readonly trailingCommas: boolean;
  readonly singleQuotes: boolean;
  readonly unquotedKeys: boolean;
  readonly truncation: TruncationPoint | undefined;
}

interface Frame {
  readonly kind: 'object' | 'array';
  /** The key this container is the value of (for arrays: the list's name). */
  readonly key: string | undefined;
  state: 'key' | 'colon' | 'value' | 'comma';
  lastKey: string | undefined;
  afterComma: boolean;
}

/** Diagnoses `text` (a payload that JSON.parse refused). */
export function diagnoseJson(text: string): JsonDiagnosis {
  let trailingCommas = false;
  let singleQuotes = false;
  let unquotedKeys = false;
  const stack: Frame[] = [];
  let cutInString: { key: string | undefined; isKey: boolean } | undefined;
  let i = 0;

  const readString = (quote: string): string | undefined => {
    if (quote === "'") singleQuotes = true;
    let out = '';
    for (i++; i < text.length; i++) {
      const c = text[i] as string;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === quote) {
        i++;
        return out;
      } else out += c;
    }
    return undefined;
  };
  const open = (kind: Frame['kind'], key: string | undefined): void => {
    stack.push({ kind, key, state: kind === 'object' ? 'key' : 'value', lastKey: undefined, afterComma: false });
    i++;
  };

  while (i < text.length) {
    const c = text[i] as string;
    const top = stack.at(-1);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (top === undefined) {
      if (c === '{' || c === '[') open(c === '{' ? 'object' : 'array', undefined);
      else i++;
      continue;
    }
    if (c === '}' || c === ']') {
      if (top.afterComma) trailingCommas = true;
      stack.pop();
      const parent = stack.at(-1);
      if (parent !== undefined) parent.state = 'comma';
      i++;
      continue;
    }
    if (c === ',') {
      top.state = top.kind === 'object' ? 'key' : 'value';
      top.afterComma = true;
      i++;
      continue;
    }
    top.afterComma = false;
    if (top.kind === 'object' && top.state === 'key') {
      if (c === '"' || c === "'") {
        const key = readString(c);
        if (key === undefined) cutInString = { key: undefined, isKey: true };
        top.lastKey = key;
      } else {
        const m = /^[\p{L}_$][\p{L}\p{N}_$-]*/u.exec(text.slice(i));
        unquotedKeys ||= m !== null;
        top.lastKey = m?.[0];
        i += m?.[0].length ?? 1;
      }
      top.state = 'colon';
      continue;
    }
    if (c === ':') {
      top.state = 'value';
      i++;
      continue;
    }
    const key = top.kind === 'object' ? top.lastKey : top.key;
    if (c === '{' || c === '[') {
      top.state = 'comma';
      open(c === '{' ? 'object' : 'array', key);
    } else if (c === '"' || c === "'") {
      if (readString(c) === undefined)
        cutInString = { key: top.kind === 'object' ? top.lastKey : undefined, isKey: false };
      top.state = 'comma';
    } else {
      const m = /^[^,}\]\s]+/.exec(text.slice(i));
      i += m?.[0].length ?? 1;
      // NOTE: a bare word or number at the very end may itself be cut ("wei", "0.").
      if (i >= text.length && top.kind === 'object') cutInString = { key: top.lastKey, isKey: false };
      top.state = 'comma';
    }
  }

  let truncation: TruncationPoint | undefined;
  if (stack.length > 0 || cutInString !== undefined) {
    const listAt = stack.map((f) => f.kind).lastIndexOf('array');
    const list = listAt >= 0 ? stack[listAt] : undefined;
    const record = listAt >= 0 ? stack[listAt + 1] : undefined;
    const expectingValue = record !== undefined && stack.at(-1) === record && record.state === 'value';
    const cutField =
      cutInString !== undefined && !cutInString.isKey ? cutInString.key : expectingValue ? record.lastKey : undefined;
    truncation = { list: list?.key, insideRecord: record !== undefined, cutField };
  }
  return { trailingCommas, singleQuotes, unquotedKeys, truncation };
}
