// The audit context's face: the ledger writer and its platform witness, its readers, and offline
// verification (logs, proofs, checkpoints a client kept).
export { digest, type AuditRecord } from './audit-event.js';
export { makeAuditReader, type AuditReader, type LedgerView } from './audit-reader.js';
export { canonicalJson } from './canonical-json.js';
export { parseVerifierKey, verifierKey, verifyCheckpoint } from './checkpoint.js';
export {
  checkKeptCheckpoint,
  emptyKept,
  keepNote,
  keptFor,
  parseKeptCheckpoints,
  type KeptCheckpoints,
} from './kept-checkpoints.js';
export { makeLedger, type Ledger, type LedgerEntry, type LedgerSigner } from './ledger.js';
export { LEDGER_TABLES, restoreLog, verifyArchivedLog, type ArchivedLog, type LogRestore } from './log-restore.js';
export { makeLedgerWitness, type LedgerWitness } from './ledger-witness.js';
export { verifyProofBundle, type ProofBundle } from './proof-bundle.js';
export { loadSigner, SIGNING_KEY_FILE } from './signing-key.js';
export {
  verifyLog,
  type LogHead,
  type LogProblem,
  type LogRow,
  type LogVerification,
  type WitnessRow,
} from './verify-log.js';
