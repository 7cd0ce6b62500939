/** Stable machine-readable codes; the API maps them to HTTP statuses. */
export type ErrorCode =
  | 'not_found'
  | 'validation_error'
  | 'idempotency_conflict'
  | 'payment_unavailable'
  | 'store_unavailable'
  | 'bus_unavailable'
  | 'configuration_error'
  | 'shutting_down';

export class FlashsaleError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Whether trying the same operation again later can succeed. */
    readonly retryable = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'FlashsaleError';
  }
}

/** A setting that is missing or invalid; the message names the setting. */
export class ConfigError extends FlashsaleError {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super('configuration_error', `${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The payment provider failed (error or timeout); the charge may be retried. */
export class PaymentError extends FlashsaleError {
  constructor(message: string, options?: ErrorOptions) {
    super('payment_unavailable', message, true, options);
    this.name = 'PaymentError';
  }
}
