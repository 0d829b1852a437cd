/**
 * Unary calls made in-process: the RPC's implementation, reached through the
 * router's own interceptors and limits, with no wire protocol in between.
 * REST transcoding uses this instead of encoding each request to binary
 * protobuf for a Connect handler that decodes it again (and the same for the
 * answer): that round trip cost about a third of a REST call's CPU.
 *
 * `createRouterWithCalls` wraps a ConnectRouter, so every implementation
 * registered for gRPC, gRPC-Web and Connect is callable here too, with the
 * same interceptors, deadline rules (`connect-timeout-ms`, `maxTimeoutMs`) and
 * shutdown signal.
 */
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createConnectRouter,
  createContextValues,
  createMethodImplSpec,
  createServiceImplSpec,
  type ConnectRouter,
  type ConnectRouterOptions,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout } from "@connectrpc/connect/protocol-connect";

export interface InProcessCall {
  /** The protocol name handlers and interceptors see (HandlerContext.protocolName). */
  protocolName: string;
  /** The HTTP method and absolute URL of the request that led to this call. */
  requestMethod: string;
  url: string;
  /** Request headers for the handler; `connect-timeout-ms` sets the deadline. */
  header: Headers;
  /**
   * The call's one controller: the caller aborts it when its client goes
   * away, the call when its deadline passes or the server shuts down. Its
   * signal is the handler's.
   */
  controller: AbortController;
  contextValues?: ContextValues | undefined;
}

/** How a call ended, with the response headers the handler and interceptors set (error metadata included). */
export type InProcessResult =
  | { ok: true; message: Message; header: Headers }
  | { ok: false; error: ConnectError; header: Headers; /** What was thrown, when it was not a ConnectError. */ unexpected?: unknown };

export interface InProcessCalls {
  /** Whether `method` has an implementation (a unary one). */
  has(method: DescMethod): boolean;
  /** Runs the call. An unexpected error becomes `internal`, with the original as its cause. */
  call(method: DescMethod, input: Message, call: InProcessCall): Promise<InProcessResult>;
}

interface Registered {
  spec: Extract<MethodImplSpec, { kind: "unary" }>;
  interceptors: Interceptor[];
  maxTimeoutMs: number;
  shutdownSignal: AbortSignal | undefined;
}

export function createRouterWithCalls(options: ConnectRouterOptions): { router: ConnectRouter; calls: InProcessCalls } {
  const inner = createConnectRouter(options);
  const registered = new Map<DescMethod, Registered>();
  const register = (spec: MethodImplSpec, overrides: ConnectRouterOptions | undefined) => {
    if (spec.kind !== "unary") return;
    const merged = { ...options, ...overrides };
    registered.set(spec.method, {
      spec,
      interceptors: merged.interceptors ?? [],
      maxTimeoutMs: merged.maxTimeoutMs ?? Number.MAX_SAFE_INTEGER,
      shutdownSignal: merged.shutdownSignal,
    });
  };
  const router: ConnectRouter = {
    get handlers() {
      return inner.handlers;
    },
    service(service: DescService, implementation, serviceOptions) {
      inner.service(service, implementation, serviceOptions);
      for (const spec of Object.values(createServiceImplSpec(service, implementation).methods)) register(spec, serviceOptions);
      return router;
    },
    rpc(method, impl, rpcOptions) {
      inner.rpc(method, impl, rpcOptions);
      register(createMethodImplSpec(method, impl as never), rpcOptions);
      return router;
    },
  };

  const calls: InProcessCalls = {
    has: (method) => registered.has(method),
    async call(method, input, call) {
      const found = registered.get(method);
      if (found === undefined) {
        const error = new ConnectError(`${method.parent.typeName}.${method.name} is not implemented`, Code.Unimplemented);
        return { ok: false, error, header: new Headers() };
      }
      const timeout = parseTimeout(call.header.get("connect-timeout-ms"), found.maxTimeoutMs);
      const context = startCall(method, call, timeout.timeoutMs, found.shutdownSignal);
      try {
        if (timeout.error !== undefined) throw timeout.error;
        const message = await invokeUnaryImplementation(found.spec, context, input, found.interceptors);
        return { ok: true, message, header: context.responseHeader };
      } catch (thrown) {
        if (!(thrown instanceof ConnectError)) {
          const error = new ConnectError("internal error", Code.Internal, undefined, undefined, thrown);
          return { ok: false, error, header: context.responseHeader, unexpected: thrown };
        }
        thrown.metadata.forEach((value, key) => context.responseHeader.append(key, value));
        return { ok: false, error: thrown, header: context.responseHeader };
      } finally {
        context.end();
      }
    },
  };
  return { router, calls };
}

/**
 * The handler context of one in-process call. Connect's createHandlerContext
 * links the deadline, the caller's signal and the shutdown signal through two
 * more AbortControllers with a listener on each, and dispatches an abort
 * event when the call ends; an AbortController alone costs a few
 * microseconds to make. Here the caller's controller serves all three
 * causes: the deadline is a timer on it, shutdown reaches every running call
 * through one listener for them all, and a finished call only lets go of
 * those.
 */
function startCall(
  method: DescMethod,
  call: InProcessCall,
  timeoutMs: number | undefined,
  shutdownSignal: AbortSignal | undefined,
): HandlerContext & { end(): void } {
  const { controller } = call;
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
  const running = shutdownSignal === undefined ? undefined : runningCalls(shutdownSignal);
  running?.add(controller);
  return {
    service: method.parent,
    method,
    protocolName: call.protocolName,
    requestMethod: call.requestMethod,
    url: call.url,
    signal: controller.signal,
    timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    requestHeader: call.header,
    responseHeader: new Headers(),
    responseTrailer: new Headers(),
    values: call.contextValues ?? createContextValues(),
    end() {
      clearTimeout(timer);
      running?.delete(controller);
    },
  };
}

/** The calls running under each shutdown signal. */
const runningBySignal = new WeakMap<AbortSignal, RunningCalls>();

function runningCalls(shutdownSignal: AbortSignal): RunningCalls {
  let running = runningBySignal.get(shutdownSignal);
  if (running === undefined) {
    running = new RunningCalls(shutdownSignal);
    runningBySignal.set(shutdownSignal, running);
  }
  return running;
}

/** Calls to abort on shutdown: one listener on the signal while any run, none when idle. */
class RunningCalls {
  private readonly calls = new Set<AbortController>();
  private readonly abortAll = () => {
    for (const controller of this.calls) controller.abort(this.shutdownSignal.reason);
  };

  constructor(private readonly shutdownSignal: AbortSignal) {}

  add(controller: AbortController): void {
    if (this.shutdownSignal.aborted) {
      controller.abort(this.shutdownSignal.reason);
      return;
    }
    if (this.calls.size === 0) this.shutdownSignal.addEventListener("abort", this.abortAll, { once: true });
    this.calls.add(controller);
  }

  delete(controller: AbortController): void {
    if (this.calls.delete(controller) && this.calls.size === 0) {
      this.shutdownSignal.removeEventListener("abort", this.abortAll);
    }
  }
}
