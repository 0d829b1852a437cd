// Structured JSON logs (pino), pretty-printed in development on a terminal.
// Secrets are redacted by path, as a second line of defence: the code never
// logs a password, hash or token in the first place.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export const REDACTED_PATHS = [
  "password",
  "*.password",
  "passwordHash",
  "*.passwordHash",
  "accessToken",
  "*.accessToken",
  "access_token",
  "*.access_token",
  "refreshToken",
  "*.refreshToken",
  "refresh_token",
  "*.refresh_token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.cookie",
];

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const settings: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service: "auth-service" },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } } } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export type { Logger };
