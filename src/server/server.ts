// createAuthServer(): exactly what production runs and what tests start.
// Wires the domain, the interceptor chain and every protocol onto one port.
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttp1Server, type Server as HttpServer } from "node:http";
import {
  createServer as createHttp2Server,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo, Server as NetServer } from "node:net";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { Accounts } from "../accounts/accounts.js";
import { Sessions } from "../accounts/sessions.js";
import { AccountRecovery, type RevokeAllSessions } from "../recovery/account-recovery.js";
import { OutboxSender } from "../mail/outbox-sender.js";
import { logTransport, smtpTransport } from "../mail/transport.js";
import { AccessTokens } from "../security/access-tokens.js";
import { VerifiedTokenCache } from "../security/verified-token-cache.js";
import { PasswordHasher } from "../security/password-hasher.js";
import type { Secrets } from "../security/dev-secrets.js";
import type { SigningKeys } from "../security/signing-keys.js";
import { requestRules } from "../validation/request-rules.js";
import { errorDetailFiles, protocolServices, publicMethods, routes, services } from "../services/routes.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { HealthMonitor } from "./health/health-monitor.js";
import { healthPaths } from "./health/health-paths.js";
import { healthService } from "./health/health-service.js";
import { serveReflection } from "./reflection/reflection-service.js";
import { SchemaIndex } from "./reflection/schema-index.js";
import { createHttpHandler, requestContext, requestIdOf } from "./http-handler.js";
import { createSniffingListener } from "./listener.js";
import { retentionRules, startRetention } from "../db/retention.js";
import { preparedStatementRunner } from "../db/prepared-statements.js";
import { metricsEndpoint } from "./metrics-endpoint.js";
import { createMetrics, type Metrics } from "../observability/metrics.js";
import { createRestHandler } from "./rest/rest-handler.js";
import { createRouterWithCalls } from "./rest/in-process-calls.js";
import { createAuthInterceptor } from "./interceptors/auth.js";
import { createDefaultDeadlineInterceptor } from "./interceptors/deadline.js";
import { createEntityManagerInterceptor } from "./interceptors/entity-manager.js";
import { createErrorMappingInterceptor } from "./interceptors/error-mapping.js";
import { createRequestObserverInterceptor } from "./interceptors/request-observer.js";
import { createValidationInterceptor } from "./interceptors/validation.js";
import { createWellKnownHandler } from "./well-known.js";
import { createWebSite } from "./web/web-site.js";
import { createRateLimitInterceptor } from "./interceptors/rate-limit.js";
import { createAbuseProtection } from "../abuse/abuse-protection.js";

/** HTTP/2 streams per connection (Node's default is 2^32-1). */
const MAX_CONCURRENT_STREAMS = 100;
/** Largest response message we will write. */
const WRITE_MAX_BYTES = 1024 * 1024;

export interface AuthServerDeps {
  config: Config;
  orm: MikroORM;
  log: Logger;
  secrets: Secrets;
  /** The keys that sign and verify access tokens (signingKeysFromConfig). */
  signingKeys: SigningKeys;
  /** Time source for tokens and sessions; tests pass their own clock. */
  now?: () => number;
  /** Replaces the "end every session of a user" step of a password reset (tests); default: the sessions module's. */
  revokeAllSessions?: RevokeAllSessions;
}

export interface AuthServer {
  /** Starts listening on config.host:config.port (0 picks a free port). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight calls finish (up to `graceMs`), then closes connections. */
  close(graceMs?: number): Promise<void>;
  readonly tokens: AccessTokens;
  readonly hasher: PasswordHasher;
  readonly signingKeys: SigningKeys;
  /** Sessions, e.g. for a test that needs one without a Login. */
  readonly sessions: Sessions;
  readonly metrics: Metrics;
  /** Database reachability behind gRPC health and /readyz. */
  readonly health: HealthMonitor;
}

/** The parts of knex's (tarn) pool we read for metrics. */
interface DatabasePool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export function createAuthServer(deps: AuthServerDeps): AuthServer {
  const { config, orm, log } = deps;
  const hasher = new PasswordHasher({
    pepper: deps.secrets.passwordPepper,
    cost: config.password.bcryptCost,
    work: config.password.work,
  });
  const clock = deps.now ? { now: deps.now } : {};
  const tokens = new AccessTokens({
    keys: deps.signingKeys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTokenTtlSeconds,
    ...clock,
  });
  const sessions = new Sessions({ tokens, policy: config.sessions, log, ...clock });
  const recovery = new AccountRecovery({
    hasher,
    revokeAllSessions: deps.revokeAllSessions ?? ((em, userId, origin) => sessions.endAllAfterPasswordReset(em, userId, origin)),
    verifyEmailTtlSeconds: config.recovery.verifyEmailTtlSeconds,
    resetPasswordTtlSeconds: config.recovery.resetPasswordTtlSeconds,
    mailIntervalSeconds: config.recovery.mailIntervalSeconds,
    mailsPerHour: config.recovery.mailsPerHour,
    ...clock,
  });
  const accounts = new Accounts({
    hasher,
    sessions,
    emailVerification: recovery,
    requireVerifiedEmail: config.recovery.requireVerifiedEmail,
    maxConsecutiveFailures: config.password.maxConsecutiveFailures,
    passwordDisabledNotice: recovery,
  });
  const mailSender = new OutboxSender({
    orm,
    transport: config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl, config.mail.from) : logTransport(log),
    site: { productName: config.mail.productName, publicBaseUrl: config.mail.publicBaseUrl },
    log,
    pollIntervalMs: config.mail.pollIntervalMs,
    retryBaseMs: config.mail.retryBaseMs,
    retryMaxMs: config.mail.retryMaxMs,
  });
  const metrics = createMetrics();
  metrics.gauge("auth_bcrypt_in_flight", "bcrypt hashes and compares running now.", () => hasher.load.running);
  metrics.gauge("auth_bcrypt_queued", "bcrypt hashes and compares waiting for a password thread.", () => hasher.load.queued);
  const pool = () => orm.em.getKnex().client.pool as DatabasePool | undefined;
  metrics.gauge("auth_db_pool_used", "Database connections in use.", () => pool()?.numUsed() ?? 0);
  metrics.gauge("auth_db_pool_free", "Idle database connections.", () => pool()?.numFree() ?? 0);
  metrics.gauge("auth_db_pool_pending_acquires", "Requests waiting for a database connection.", () => pool()?.numPendingAcquires() ?? 0);
  const shutdown = new AbortController();
  // Connect listens on this signal once per in-flight call (and lets go when
  // it ends): more than 10 concurrent calls is normal, not a listener leak.
  setMaxListeners(0, shutdown.signal);
  let draining = false;
  let retention: ReturnType<typeof startRetention> | undefined;
  const health = new HealthMonitor({
    ping: () => orm.em.getConnection().execute("select 1"),
    intervalMs: config.health.intervalMs,
    timeoutMs: config.health.timeoutMs,
    log,
  });
  const abuse = createAbuseProtection({ config, orm, log });
  /** Hot reads (the session check, GetProfile) as prepared statements on the ORM's pool. */
  const prepared = preparedStatementRunner(orm);

  const { router, calls } = createRouterWithCalls({
    // The first interceptor is the outermost (Connect wraps them in array
    // order): log what finally happened, map errors, cap time, rate-limit,
    // authenticate, validate, then fork the ORM for the handler.
    interceptors: [
      createRequestObserverInterceptor(log, metrics),
      createErrorMappingInterceptor(log),
      createDefaultDeadlineInterceptor(config.limits.maxTimeoutMs),
      createRateLimitInterceptor(abuse.guard),
      createAuthInterceptor({
        tokens: new VerifiedTokenCache(tokens, clock),
        publicMethods,
        isSessionActive: (sid) => sessions.isActive(prepared, sid),
      }),
      createValidationInterceptor(requestRules({ minLength: config.password.minLength })),
      createEntityManagerInterceptor(orm, prepared),
    ],
    // Connect's defaults are unbounded (~4 GiB messages, no time limit).
    readMaxBytes: config.limits.maxMessageBytes,
    writeMaxBytes: WRITE_MAX_BYTES,
    maxTimeoutMs: config.limits.maxTimeoutMs,
    requireConnectProtocolHeader: true,
    acceptCompression: [compressionGzip, compressionBrotli],
    shutdownSignal: shutdown.signal,
  });
  routes(accounts, sessions, recovery)(router);
  router.service(Health, healthService(health, services));
  serveReflection(router, new SchemaIndex([...services, ...protocolServices], errorDetailFiles));

  const rest = createRestHandler({
    services,
    calls,
    maxBodyBytes: config.limits.maxRequestBodyBytes,
    contextValues: (req) => requestContext(req, requestIdOf(req), true, abuse.clientAddress),
    onError: (error) => log.error({ err: error }, "REST transcoding failed"),
  });
  const site = createWebSite();
  if (!site.built) log.warn("web assets not built: run `npm run build` for the console (/) and the API docs (/docs, /redoc)");
  const handler = createHttpHandler({
    rpcHandlers: router.handlers,
    pathHandlers: [
      metricsEndpoint(metrics),
      healthPaths(health),
      createWellKnownHandler({ keys: deps.signingKeys, issuer: config.jwt.issuer }),
      // Before REST: GET /verify-email and /password-reset are the pages mailed links open.
      site,
      rest,
    ],
    corsOrigins: config.corsOrigins,
    log,
    draining: () => draining,
    clientAddress: abuse.clientAddress,
  });

  const http2Options = {
    settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    maxSessionMemory: 10,
  };
  let listener: NetServer | Http2SecureServer;
  const servers: Array<HttpServer | Http2Server | Http2SecureServer> = [];
  if (config.tls !== undefined) {
    const secure = createSecureServer(
      {
        ...http2Options,
        cert: readFileSync(config.tls.certFile),
        key: readFileSync(config.tls.keyFile),
        allowHTTP1: true,
        minVersion: "TLSv1.2",
      },
      handler,
    );
    listener = secure;
    servers.push(secure);
  } else {
    const http1 = createHttp1Server(
      {
        maxHeaderSize: 16 * 1024,
        headersTimeout: config.http.headersTimeoutMs,
        requestTimeout: config.limits.maxTimeoutMs,
        keepAliveTimeout: config.http.keepAliveTimeoutMs,
        // How often Node enforces headersTimeout/requestTimeout (default 30 s: too coarse for slowloris).
        connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
      },
      handler,
    );
    const http2 = createHttp2Server(http2Options, handler);
    listener = createSniffingListener({ http1, http2 }, { firstBytesTimeoutMs: config.http.headersTimeoutMs });
    servers.push(http1, http2);
  }
  const http2Sessions = new Set<ServerHttp2Session>();
  for (const server of servers) {
    server.on("session", (session: ServerHttp2Session) => {
      http2Sessions.add(session);
      // Idle sessions go away; a GOAWAY lets the client reconnect cleanly.
      session.setTimeout(config.http.keepAliveTimeoutMs, () => session.close());
      session.once("close", () => http2Sessions.delete(session));
    });
  }

  return {
    tokens,
    hasher,
    signingKeys: deps.signingKeys,
    sessions,
    metrics,
    health,
    listen: async () => {
      await abuse.store.ready();
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(config.port, config.host, () => {
          listener.off("error", reject);
          health.start();
          mailSender.start();
          retention ??= startRetention({
            orm,
            rules: retentionRules({ auditRetentionDays: config.auditRetentionDays }),
            intervalMs: 3_600_000,
            log,
          });
          resolve(listener.address() as AddressInfo);
        });
      });
    },
    close: async (graceMs = 10_000) => {
      await new Promise<void>((resolve) => {
        // Readiness fails first: probes and Watch streams hear NOT_SERVING, and watchers' streams end.
        health.shutdown();
        retention?.stop();
        const senderStopped = mailSender.stop();
        draining = true;
        const timer = setTimeout(() => {
          // Out of patience: abort handlers still running and drop connections.
          shutdown.abort();
          for (const server of servers) if ("closeAllConnections" in server) server.closeAllConnections();
          for (const session of http2Sessions) session.destroy();
        }, graceMs);
        timer.unref();
        // Resolves once every connection has ended; then the password threads and the mail sender stop.
        listener.close(() => {
          clearTimeout(timer);
          // A mail pass in progress finishes (or fails and is retried later) before the ORM closes.
          void Promise.allSettled([hasher.close(), senderStopped]).then(() => resolve());
        });
        // HTTP/1.1: idle keep-alive sockets close now, busy ones after their response.
        for (const server of servers) server.close();
        // HTTP/2: GOAWAY; open streams may finish.
        for (const session of http2Sessions) session.close();
      });
      await Promise.all([abuse.store.close(), abuse.blocked.settled()]);
    },
  };
}
