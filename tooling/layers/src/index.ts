export { checkLayers, type LayerViolation } from "./check-layers.ts";
export { adapterSourceRules, type LayerName, layers } from "./layers.ts";
