// Graph versions: beside a tenant's primary graph, a candidate graph built with another
// extraction version (a release that changes extraction asks for one). The candidate lives in
// the kg_next schema (migration 0014) and is written and read by the graph store's unchanged
// SQL in transactions switched to it (graph/slot-store.ts). Its slot row says which version it
// holds, how far its build got, and what the rollout's dual-read probe found. Ingest keeps both
// graphs current (ingest.ts), answers may come from either (answer/answer-composition.ts), and
// the cut-over makes the candidate primary in one transaction.
import { platformScope } from '../core/db.js';
import { errorMessage } from '../core/errors.js';
import { refreshCommunities } from './graph/community-refresh.js';
import { bumpGraphVersion, selectSourceContent } from './graph/document-store.js';
import { writeDocument } from './graph/document-write.js';
import { selectEdges, selectEntityKeys } from './graph/graph-reader.js';
import { deleteDocument, lockTenantGraph } from './graph/graph-store.js';
import {
  copyCandidateToPrimary,
  deleteCandidate,
  lockCandidateGraph,
  selectCandidateDigests,
  selectCandidateOrphans,
  selectGraphStates,
  selectReadySources,
  selectSlot,
  setPrimaryVersion,
  sourceStillReady,
  updateSlot,
  updateSlotProbe,
  upsertBuildingSlot,
  useCandidateGraph,
  type GraphProbe,
  type TenantGraphState,
} from './graph/slot-store.js';
import { DEFAULT_EXTRACTION_VERSION, extractionOptionsOf } from './extract/extraction-versions.js';
import { makeExtractionPool } from './extract/extraction-pool.js';
import { extractKnowing, knownInGraph } from './known-types.js';
import type { Queryable } from '../core/db.js';
import type { JobWorkOptions, ServiceParts } from './knowledge-deps.js';

export interface ReindexResult {
  readonly documents: number;
  readonly entities: number;
  readonly relations: number;
  /**
   * 'current': the primary graph already has that extraction version; nothing was built.
   * 'dropped': the slot was dropped (or cut over, or taken by another version) while building;
   * the build stopped there and is not retried.
   */
  readonly skipped?: 'current' | 'dropped';
}

export interface GraphVersions {
  /** Primary version and candidate slot of each tenant (platform scope, one statement). */
  graphStates(tenantIds: readonly string[]): Promise<TenantGraphState[]>;
  /** Builds (or resumes building) the tenant's candidate graph with `extractionVersion`. */
  reindex(
    tenantId: string,
    request: { extractionVersion: string; releaseId?: string },
    options?: JobWorkOptions,
  ): Promise<ReindexResult>;
  /** Stores the dual-read probe on a ready slot of that version; false when there is none. */
  recordProbe(tenantId: string, extractionVersion: string, probe: GraphProbe): Promise<boolean>;
  /** Makes a ready candidate of that version the primary graph, in one transaction. */
  cutOver(tenantId: string, extractionVersion: string): Promise<{ cutOver: boolean; reason?: string }>;
  /** Deletes the candidate graph and its slot (only one of `extractionVersion`, when given). */
  dropSlot(tenantId: string, extractionVersion?: string): Promise<boolean>;
}

const inline = makeExtractionPool(0);

/** The slot a build was writing went away (dropped, cut over, or replaced by another version). */
class SlotGoneError extends Error {
  constructor(version: string) {
    super(`the candidate graph of ${version} was dropped while it was being built`);
    this.name = 'SlotGoneError';
  }
}

/** Runs `fn` on the tenant's candidate graph under its lock (a transaction of its own). */
function inCandidate<T>(
  parts: ServiceParts,
  tenantId: string,
  fn: (tx: Queryable) => Promise<T>,
  options: JobWorkOptions,
): Promise<T> {
  return parts.inTenant(
    tenantId,
    async (tx) => {
      await useCandidateGraph(tx);
      await lockCandidateGraph(tx, tenantId);
      return fn(tx);
    },
    options.trace,
  );
}

/** The graph-version operations of the service. */
export function makeGraphVersions(parts: ServiceParts): GraphVersions {
  const { deps, inTenant, invalidateAnswers } = parts;

  /**
   * One pass over the tenant's ready sources: each one not yet in the candidate with the same
   * content is extracted with `version` and written in a transaction of its own, if its source
   * still holds that content then (else the dual write of its newer ingest has it).
   */
  async function buildPass(
    tenantId: string,
    version: string,
    options: JobWorkOptions,
  ): Promise<{ written: number; total: number; entities: number; relations: number }> {
    const sources = await inTenant(tenantId, (tx) => selectReadySources(tx, tenantId), options.trace);
    const done = await inTenant(tenantId, (tx) => selectCandidateDigests(tx, tenantId), options.trace);
    const pending = sources.filter((s) => done.get(s.documentId) !== s.sha256);
    let [written, entities, relations] = [0, 0, 0];
    for (const [i, s] of pending.entries()) {
      options.signal?.throwIfAborted();
      const source = await inTenant(tenantId, (tx) => selectSourceContent(tx, tenantId, s.documentId), options.trace);
      if (source === undefined || source.sha256 !== s.sha256) continue;
      const x = await extractKnowing(
        deps.extraction ?? inline,
        source.name,
        source.content,
        extractionOptionsOf(version),
        knownInGraph(inTenant, tenantId, s.documentId, 'candidate', options.trace),
        options.signal,
      );
      const stored = await inCandidate(
        parts,
        tenantId,
        async (tx) => {
          if (!(await sourceStillReady(tx, tenantId, s.documentId, s.sha256))) return false;
          const slot = await selectSlot(tx, tenantId);
          // A drop or cut-over (or a reindex to another version) took the slot: stop writing.
          if (slot?.extractionVersion !== version) throw new SlotGoneError(version);
          await writeDocument(tx, tenantId, { ...s, name: source.name }, x, { communities: false });
          await updateSlot(tx, tenantId, version, {
            total: sources.length,
            done: sources.length - pending.length + i + 1,
          });
          return true;
        },
        options,
      );
      if (!stored) continue;
      written++;
      entities += x.entities.length;
      relations += x.relations.length;
      options.progress?.(
        5 + Math.round(((i + 1) / pending.length) * 80),
        `extracted ${i + 1} of ${pending.length} documents with ${version}`,
      );
    }
    return { written, total: sources.length, entities, relations };
  }

  async function reindex(
    tenantId: string,
    request: { extractionVersion: string; releaseId?: string },
    options: JobWorkOptions = {},
  ): Promise<ReindexResult> {
    const version = request.extractionVersion;
    extractionOptionsOf(version);
    const started = await inTenant(
      tenantId,
      async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const [state] = await selectGraphStates(tx, [tenantId], DEFAULT_EXTRACTION_VERSION);
        if (state?.primaryVersion === version) return false;
        await lockCandidateGraph(tx, tenantId);
        // A candidate of another version is discarded; one of this version is resumed.
        if (state?.slot != null && state.slot.extractionVersion !== version) await deleteCandidate(tx, tenantId);
        await upsertBuildingSlot(tx, tenantId, version, request.releaseId ?? null);
        return true;
      },
      options.trace,
    );
    if (!started) return { documents: 0, entities: 0, relations: 0, skipped: 'current' };
    try {
      options.progress?.(5, `building the ${version} graph`);
      const first = await buildPass(tenantId, version, options);
      // NOTE: a document that turned ready while the slot was being created was neither listed
      // by the first pass nor dual-written by its ingest; a second pass picks it up.
      const second = await buildPass(tenantId, version, options);
      options.progress?.(90, 'detecting communities');
      const documents = await inCandidate(
        parts,
        tenantId,
        async (tx) => {
          // Documents removed by a build that did not dual-write (a rolling deploy) go here.
          for (const documentId of await selectCandidateOrphans(tx, tenantId))
            await deleteDocument(tx, tenantId, documentId);
          const edges = await selectEdges(tx, tenantId);
          const nodes = new Set([
            ...(await selectEntityKeys(tx, tenantId)),
            ...edges.flatMap((e) => [e.source, e.target]),
          ]);
          await refreshCommunities(tx, tenantId, [...nodes]);
          await bumpGraphVersion(tx, tenantId, true);
          const digests = await selectCandidateDigests(tx, tenantId);
          if (!(await updateSlot(tx, tenantId, version, { status: 'ready', total: digests.size, done: digests.size })))
            throw new SlotGoneError(version);
          return digests.size;
        },
        options,
      );
      options.progress?.(100, `the ${version} graph is ready (${documents} documents)`);
      return {
        documents,
        entities: first.entities + second.entities,
        relations: first.relations + second.relations,
      };
    } catch (err) {
      // NOTE: a build whose slot was dropped ends here: retrying it would bring the slot back.
      if (err instanceof SlotGoneError) return { documents: 0, entities: 0, relations: 0, skipped: 'dropped' };
      const error = errorMessage(err).slice(0, 1000);
      await inTenant(tenantId, (tx) => updateSlot(tx, tenantId, version, { status: 'failed', error }), options.trace);
      throw err;
    }
  }

  async function cutOver(tenantId: string, version: string): Promise<{ cutOver: boolean; reason?: string }> {
    const outcome = await inTenant(tenantId, async (tx) => {
      await lockTenantGraph(tx, tenantId);
      await lockCandidateGraph(tx, tenantId);
      const slot = await selectSlot(tx, tenantId);
      if (slot === undefined) return { cutOver: false, reason: 'no candidate graph' };
      if (slot.extractionVersion !== version)
        return { cutOver: false, reason: `the candidate graph holds ${slot.extractionVersion}, not ${version}` };
      if (slot.status !== 'ready') return { cutOver: false, reason: `the candidate graph is ${slot.status}` };
      await copyCandidateToPrimary(tx, tenantId);
      await setPrimaryVersion(tx, tenantId, version);
      await deleteCandidate(tx, tenantId);
      return { cutOver: true };
    });
    if (outcome.cutOver) invalidateAnswers(tenantId);
    return outcome;
  }

  return {
    graphStates: (tenantIds) =>
      deps.db.transaction(platformScope, (tx) => selectGraphStates(tx, tenantIds, DEFAULT_EXTRACTION_VERSION), {
        readOnly: true,
      }),
    reindex,
    recordProbe: (tenantId, version, probe) =>
      inTenant(tenantId, (tx) => updateSlotProbe(tx, tenantId, version, probe)),
    cutOver,
    async dropSlot(tenantId, version) {
      const dropped = await inTenant(tenantId, async (tx) => {
        await lockCandidateGraph(tx, tenantId);
        const slot = await selectSlot(tx, tenantId);
        if (slot === undefined || (version !== undefined && slot.extractionVersion !== version)) return false;
        await deleteCandidate(tx, tenantId);
        return true;
      });
      if (dropped) invalidateAnswers(tenantId);
      return dropped;
    },
  };
}
