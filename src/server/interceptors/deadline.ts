import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/**
 * Connect enforces deadlines that clients send (up to maxTimeoutMs); this
 * caps calls that send none, so no request can run unbounded.
 */
export function createDefaultDeadlineInterceptor(timeoutMs: number): Interceptor {
  return (next) => async (req) => {
    if (req.header.has("grpc-timeout") || req.header.has("connect-timeout-ms")) return next(req);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConnectError("the request took too long", Code.DeadlineExceeded)), timeoutMs);
    });
    try {
      return await Promise.race([next(req), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
