// The one place the renderer takes values (not only types) from analysis/: the contract, the
// finding model, the settings schema and the fingerprint's text form, which import nothing but zod
// (ARCHITECTURE.md layer rule).
/* eslint-disable no-restricted-imports -- these modules are the shared contract the renderer may import */
export { METHOD_NAMES, ProgressEventSchema, ApiErrorSchema } from '../../analysis/api/contract';
export { INPUT_KINDS, GAP_TYPES, SIGNAL_TYPES, RECOMMENDATION_LABELS, DECISION_LABELS, LICENCE_MODEL_LABELS, KIND_LABELS, mostlyRejected, typeLabel } from '../../analysis/model';
export { ScenarioSchema, coveringEntry } from '../../analysis/settings';
export type { RenewalMeasure } from '../../analysis/model';
/** The auditor's screen compares a typed fingerprint as `verify --fingerprint` does. */
export { fingerprintText, isWholeFingerprint, normaliseFingerprint, sameFingerprint } from '../../analysis/export/fingerprint-text';
export { slugForFileName } from '../../analysis/export/file-names';

/** Input limits of the contract: the fields stop where the engine would refuse. */
export { INPUT_LIMITS as LIMITS } from '../../analysis/api/contract';
