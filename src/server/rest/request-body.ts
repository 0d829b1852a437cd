/**
 * Reading a REST request's JSON body from Node.js, with the checks that must
 * happen before any of it is parsed: the media type and the size limit.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";

export type BodyResult =
  | { ok: true; text: string }
  /**
   * `unread` is true when the request body was (partly) left unread, so the
   * caller should not reuse the connection for another request.
   */
  | { ok: false; status: number; error: ConnectError; unread: boolean };

/**
 * Read the whole body as UTF-8 text, up to `maxBytes`.
 *
 * - A Content-Type other than application/json (parameters such as
 *   `charset=utf-8` allowed) is 415. A missing Content-Type is accepted only
 *   with an empty body, so `POST /x` with no body at all still works.
 * - More than `maxBytes`, announced by Content-Length or seen while
 *   streaming, is 413; reading stops at once instead of buffering the rest.
 */
export async function readJsonBody(
  req: Readable & { headers: IncomingHttpHeaders },
  maxBytes: number,
): Promise<BodyResult> {
  const contentType = req.headers["content-type"];
  if (contentType !== undefined && !isJson(contentType)) {
    return unsupportedMediaType(true);
  }
  const announced = Number(req.headers["content-length"] ?? 0);
  if (announced > maxBytes) {
    return tooLarge(maxBytes);
  }
  const bytes = await readAtMost(req, maxBytes);
  if (bytes === undefined) {
    return tooLarge(maxBytes);
  }
  if (contentType === undefined && bytes.length > 0) {
    return unsupportedMediaType(false);
  }
  try {
    // fatal: reject invalid UTF-8 rather than silently replace it.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return {
      ok: false,
      status: 400,
      error: new ConnectError("request body is not valid UTF-8", Code.InvalidArgument),
      unread: false,
    };
  }
}

/** application/json, any letter case, optionally with a UTF-8 charset. */
function isJson(contentType: string): boolean {
  const [type, ...params] = contentType.split(";").map((s) => s.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((p) => !p.startsWith("charset=") || /^charset="?utf-?8"?$/.test(p));
}

function unsupportedMediaType(unread: boolean): BodyResult {
  return {
    ok: false,
    status: 415,
    error: new ConnectError("Content-Type must be application/json", Code.InvalidArgument),
    unread,
  };
}

function tooLarge(maxBytes: number): BodyResult {
  return {
    ok: false,
    status: 413,
    error: new ConnectError(`request body is larger than ${maxBytes} bytes`, Code.ResourceExhausted),
    unread: true,
  };
}

/**
 * All bytes of the stream, or undefined as soon as there are more than
 * `maxBytes`. Listens to "data" rather than using `for await`, because
 * leaving a `for await` loop destroys the stream, and with it the socket
 * that the 413 answer still has to go out on.
 */
function readAtMost(stream: Readable, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        stream.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      done();
      reject(new Error("the client closed the request before sending all of its body"));
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}
