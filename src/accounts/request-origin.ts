/** Where a request came from, as the service saw it: recorded with security events. */
export interface RequestOrigin {
  clientAddress: string;
  userAgent: string;
  requestId: string;
}
