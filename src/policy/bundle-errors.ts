// Errors of the policy context: bad bundles (with the file and location of each problem),
// refused signatures, failed verification. All are IrisErrors so the gateway maps them.
import { IrisError } from '../core/errors.js';

/** One problem in a bundle source or document: where it is and what is wrong. */
export interface Problem {
  readonly file?: string;
  /** JSON pointer into a data file, or a policy id. */
  readonly path?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  const where = [p.file, p.line !== undefined ? `${p.line}:${p.column ?? 1}` : undefined, p.path]
    .filter((x) => x !== undefined)
    .join(':');
  return where === '' ? p.message : `${where}: ${p.message}`;
}

/** A bundle (or its sources) is invalid: 422 with every problem listed. */
export class BundleError extends IrisError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[], code = 'bundle_invalid') {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(code, 422, `${first ? formatProblem(first) : 'invalid bundle'}${more}`, { extensions: { problems } });
    this.problems = problems;
  }
}

/** The bundle's signature is missing, wrong, by an unknown or expired key, or the content was altered. */
export class BundleSignatureError extends IrisError {
  constructor(message: string) {
    super('bundle_signature_invalid', 422, message);
  }
}

/** A property (isolation, residency) does not hold; carries the confirmed counterexample. */
export class VerificationError extends IrisError {
  constructor(message: string, counterexamples: readonly unknown[]) {
    super('bundle_verification_failed', 422, message, { extensions: { counterexamples } });
  }
}
