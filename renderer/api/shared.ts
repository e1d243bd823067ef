// The one place the renderer takes values (not only types) from analysis/: the contract, the
// finding model and the settings schema, which import nothing but zod (ARCHITECTURE.md layer rule).
/* eslint-disable no-restricted-imports -- these three modules are the shared contract the renderer may import */
import { API } from '../../analysis/api/contract';
export { METHOD_NAMES, ProgressEventSchema, ApiErrorSchema } from '../../analysis/api/contract';
export { INPUT_KINDS, GAP_TYPES, SIGNAL_TYPES, RECOMMENDATION_LABELS, typeLabel } from '../../analysis/model';
export { ScenarioSchema } from '../../analysis/settings';

/** Input limits of the contract, read from its schemas so the fields stop where the engine would refuse. */
const decision = API['decisions.set'].input.shape;
export const LIMITS = {
  owner: decision.owner.unwrap().maxLength ?? 200,
  justification: decision.justification.unwrap().maxLength ?? 4000,
  target: API['renewal.setTargets'].input.shape.targets.valueType.maxValue ?? 1_000_000,
};
