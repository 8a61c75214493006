// The policy context's face: Cedar decisions, bundles (compile, sign, verify), data policies.
export { POLICY_ACTIONS } from './actions.js';
export { builtinOverlayFiles, builtinPlatformFiles, IRIS_SCHEMA, ROLE_GRANTS, rolePolicies } from './builtin-bundle.js';
export { compileBundle, readBundleDir } from './bundle-compiler.js';
export { BundleError, formatProblem, VerificationError, type Problem } from './bundle-errors.js';
export { bundleIdOf, type SignedBundle } from './bundle-format.js';
export { loadBundleSigner, signBundle, verifyBundle, type BundleSigner } from './bundle-signing.js';
export { evaluateInline, ipValue } from './cedar-engine.js';
export { makeDecisionPoint, type DecisionInput, type DecisionPoint, type PolicyDecision } from './decision-point.js';
export { resolveRoute, ROUTE_RULES, type ResolvedRoute } from './route-actions.js';
export { builtinBundle } from './builtin-load.js';
export { activeBundleOf, loadTrust, makePolicyRuntime, type PolicyRuntime } from './policy-runtime.js';
export { checkLimits, type LimitState, type RateLimit, type RateVerdict } from './gcra.js';
export { makeBundleService, type BundleDiff, type BundleService, type BundleSummary } from './bundle-service.js';
export { pruneDecisions, type DecisionRecord } from './bundle-store.js';
export { makeDecisionLog, type DecisionEvent, type DecisionLog } from './decision-log.js';
export type { Counterexample } from './verifier.js';
export { shutdownVerifier, verifyPolicies } from './verifier-lazy.js';
export { exampleTests, runPolicyTests } from './policy-tests.js';
