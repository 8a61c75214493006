// The audit context's face: the ledger writer, its readers and offline verification.
export { buildEvent, digest, type AuditEvent, type AuditRecord } from './audit-event.js';
export { makeAuditReader, type AuditReader } from './audit-reader.js';
export { canonicalJson } from './canonical-json.js';
export { parseVerifierKey, verifierKey } from './checkpoint.js';
export { CHECKPOINT_EVERY, makeLedger, type Ledger, type LedgerSigner } from './ledger.js';
export { verifyProofBundle, type ProofBundle, type ProofCheck } from './proof-bundle.js';
export { loadSigner, SIGNING_KEY_FILE } from './signing-key.js';
export { verifyLog, type LogHead, type LogProblem, type LogRow, type LogVerification } from './verify-log.js';
