/** Patient-level feature tables from FHIR imports (see docs/FHIR.md, "Feature builder"). */
export { buildFeatures, saveFeatures, type BuiltFeatures } from './build.js';
