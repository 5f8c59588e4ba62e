/** Error codes of the CDS Hooks services and FHIR scoring (a module of its own: the scoring thread needs them too). */
import { defineErrors } from '../core/index.js';

export const CdsErrors = defineErrors({
  AEGLE_CDS_JWT_INVALID: {
    message: 'The CDS client JWT is not accepted: {reason}.',
    status: 401,
    fix: 'Sign a fresh JWT (iss allow-listed in AEGLE_CDS_ISSUERS, jku/kid of its JWKS, aud = the service URL, exp ≤ 5 min, a new jti) and send it as Authorization: Bearer.',
  },
  AEGLE_CDS_SERVICE_NOT_FOUND: {
    message: "No CDS service '{id}'.",
    status: 404,
    fix: "GET /cds-services lists the services; a model becomes one when its '{alias}' alias points at a version.",
  },
  AEGLE_CDS_BAD_REQUEST: {
    message: 'The hook request is not valid: {problems}.',
    status: 400,
    fix: 'Send a CDS Hooks 2.0 request: hook, hookInstance, context (patientId for patient-view), optional prefetch, fhirServer, fhirAuthorization.',
  },
  AEGLE_CDS_DATA_MISSING: {
    message: 'Data the model needs is missing: {missing}.',
    status: 412,
    fix: 'Send the prefetch the discovery document lists, or fhirServer + fhirAuthorization for a server on AEGLE_CDS_FHIR_SERVERS.',
  },
  AEGLE_CDS_FHIR_SERVER_NOT_ALLOWED: {
    message: "The FHIR server '{server}' is not on the allow-list.",
    status: 403,
    fix: 'Add its base URL to AEGLE_CDS_FHIR_SERVERS, or send the data as prefetch.',
  },
  AEGLE_CDS_FHIR_FETCH: {
    message: "Fetching '{query}' from the FHIR server failed: {reason}.",
    status: 502,
    fix: 'Check that the FHIR server is up and that the access token allows the read; or send the data as prefetch.',
  },
  AEGLE_FHIR_NO_FEATURE_SPEC: {
    message: 'Model {model} carries no FHIR feature spec, so it cannot score FHIR resources.',
    status: 422,
    fix: 'Train the model on a dataset built by `aegle fhir-features` (its spec is stored in the artifact lineage as featureSpec).',
  },
  AEGLE_FHIR_BAD_INPUT: {
    message: 'The request is not a usable FHIR input: {reason}.',
    status: 400,
    fix: "Send one patient's resources as a FHIR R4 Bundle (collection, searchset or transaction).",
  },
});
