// Continue tokens: the one codec for the opaque page positions every list route hands out
// (the last id of a page, or a sequence number). A token is the position in base64url; a
// token is accepted only if encoding its decoded position gives the token back (no padding,
// no stray characters), and the position is text PostgreSQL can compare (no NUL, no lone
// surrogates, no control characters).
import { ValidationError } from './errors.js';

/** Encodes a page position as an opaque continue token. */
export function encodeContinue(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/**
 * Decodes a continue token issued by `encodeContinue`.
 * @throws ValidationError (400, field `continue`) when the token is not one this API could have issued.
 */
export function decodeContinue(token: string): string {
  const position = Buffer.from(token, 'base64url').toString('utf8');
  // NOTE: invalid UTF-8 decodes to U+FFFD and fails the round trip, as do padding and
  // characters outside base64url; a NUL or a control character would reach SQL as text.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (position === '' || encodeContinue(position) !== token || /[\u0000-\u001f\u007f]/.test(position)) {
    throw new ValidationError('The continue token is not one this API issued; start again without it.', {
      field: 'continue',
    });
  }
  return position;
}
