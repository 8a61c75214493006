// Entity resolution on the blind labelled pairs (bench/blind/resolution/pairs.json): each pair
// is judged by the extractor's mention matcher; precision, recall and F1 of "same".
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sameThing } from '../../src/knowledge/extract/mention-match.js';

const PAIRS = fileURLToPath(new URL('../../../bench/blind/resolution/pairs.json', import.meta.url));

interface Mention {
  readonly name: string;
  readonly type: string;
}
export interface ResolutionScore {
  readonly pairs: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly wrong: readonly string[];
}

/** Scores the matcher on every labelled pair. */
export function scoreResolution(path = PAIRS): ResolutionScore {
  const pairs = JSON.parse(readFileSync(path, 'utf8')) as { a: Mention; b: Mention; same: boolean }[];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const wrong: string[] = [];
  for (const p of pairs) {
    const said = sameThing(p.a, p.b);
    if (said && p.same) tp++;
    else if (said) fp++;
    else if (p.same) fn++;
    if (said !== p.same) wrong.push(`${p.same ? '-' : '+'} ${p.a.name} (${p.a.type}) ~ ${p.b.name} (${p.b.type})`);
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { pairs: pairs.length, tp, fp, fn, precision, recall, f1, wrong };
}
