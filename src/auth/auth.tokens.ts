/** The AuthSettings this app runs with. */
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
/** The rate limiter's Redis client, when REDIS_URL is set. */
export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');
