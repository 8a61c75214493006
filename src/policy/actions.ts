// The policy vocabulary: every action a Cedar policy can name, which of them touch tenant
// data (and so are bound by residency), and which only read. Pure data; no engine here.
import { ACTIONS, type Action } from '../core/roles.js';

/** Every action the gateway and the services ask the decision point about (core/roles.ts). */
export const POLICY_ACTIONS = ACTIONS;
export type PolicyAction = Action;

/**
 * Actions that reach a tenant's data (ledger, jobs, knowledge): they
 * are bound by data residency. Control-plane records (tenants, keys, bundles) are not.
 */
export const DATA_ACTIONS: readonly PolicyAction[] = [
  'audit.read',
  'audit.checkpoint',
  'job.create',
  'job.read',
  'job.cancel',
  'job.retry',
  'job.redrive',
  'knowledge.query',
  'knowledge.write',
];

/** Cedar's name of an action entity type. */
export const NAMESPACE = 'Iris';
export const ACTION_TYPE = `${NAMESPACE}::Action`;
