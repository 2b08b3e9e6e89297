/** The jobplane TypeScript SDK: `new JobplaneClient({baseUrl, token})`. */
export { JobplaneClient, type JobplaneClientOptions, type CreatedJob } from './client.js';
export {
  ApiError, ApiUnavailableError, JobplaneClientError, isApiError, isApiUnavailable, isConflict, isForbidden,
  isNotFound, isStaleLease, isTransient, isUnauthenticated, isValidationError,
} from './errors.js';
export { ENDPOINTS, type Endpoint, type EndpointName, type HttpMethod } from './endpoints.js';
export type { CallOptions, UploadBody } from './transport.js';
export type * from './types.js';
