// One port for every protocol. Node has no built-in server that speaks both
// HTTP/1.1 and cleartext HTTP/2 with prior knowledge (nodejs/node#44887), so
// we look at the first bytes of each connection: the HTTP/2 client preface
// goes to the http2 server, anything else to the http server. With TLS,
// ALPN negotiates the same choice and http2's allowHTTP1 does the rest.
import type { Server as HttpServer } from "node:http";
import type { Http2Server } from "node:http2";
import { createServer as createNetServer, type Server as NetServer } from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
export function createSniffingListener(
  servers: { http1: HttpServer; http2: Http2Server },
  options: {
    /** A client that sends nothing for this long is dropped before we know its protocol. */
    firstBytesTimeoutMs: number;
  },
): NetServer {
  const listener = createNetServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), options.firstBytesTimeoutMs);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const compared = Math.min(received.length, PREFACE.length);
      const isHttp2 = received.subarray(0, compared).equals(PREFACE.subarray(0, compared));
      // A prefix of the preface is not yet a decision: wait for more bytes.
      if (isHttp2 && received.length < PREFACE.length) return;
      handOver(isHttp2);
    };
    const handOver = (isHttp2: boolean) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onEarlyError);
      socket.pause();
      socket.unshift(received);
      if (isHttp2) {
        // The HTTP/2 session reads what is buffered itself; resuming here
        // would flow those bytes to no one.
        servers.http2.emit("connection", socket);
      } else {
        servers.http1.emit("connection", socket);
        socket.resume();
      }
    };
    const onEarlyError = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.on("data", onData);
    socket.on("error", onEarlyError);
    socket.once("close", () => clearTimeout(timer));
    socket.resume();
  });
  // node:http starts its connection tracking on 'listening': without it,
  // headersTimeout/requestTimeout are never enforced and close() cannot find
  // idle keep-alive connections. The inner servers never listen themselves.
  listener.on("listening", () => {
    servers.http1.emit("listening");
    servers.http2.emit("listening");
  });
  return listener;
}

