/** The HTTP methods that write (POST and PUT): they take idempotency keys and count as writes. */
export const isWriteMethod = (method: string): boolean => method === 'POST' || method === 'PUT';
