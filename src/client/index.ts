/** The jobplane TypeScript SDK: `new JobplaneClient({baseUrl, token})`. */
export { JobplaneClient, type JobplaneClientOptions, type CreatedJob } from './client.js';
export {
  ApiError, ApiUnavailableError, JobplaneClientError, isApiError, isApiUnavailable, isConflict, isForbidden,
  isNotFound, isStaleLease, isTransient, isUnauthenticated, isValidationError,
} from './errors.js';
export { ENDPOINTS, PENDING_ENDPOINTS, type Endpoint, type EndpointName, type HttpMethod } from './endpoints.js';
export type { CallOptions, UploadBody } from './transport.js';
export type * from './types.js';
export { streamEvents, type EventFilter, type EventStreamOptions, type FeedEvent, type StreamConnection } from './events.js';
export {
  generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders, WebhookVerificationError, type HeaderSource,
  type VerifyOptions,
} from './webhook-signature.js';
