// Signing-key chores.
//
//   npm run keys:rotate              development key ring (DATA_DIR): a new key
//                                    signs; the old one verifies until its
//                                    tokens have expired. A running server
//                                    picks it up within 10 s.
//   npm run keys:generate -- <file>  a new ES256 private key (PEM) for
//                                    JWT_SIGNING_KEY_FILE; prints its kid.
//
// Configured (production) keys rotate by configuration: see the README.
import { writeFileSync } from "node:fs";
import { ConfigError, loadConfig } from "../config.js";
import { developmentKeyRing, generateSigningKey } from "../security/signing-keys.js";

function main(args: string[]): number {
  const [command, file] = args;
  switch (command) {
    case "rotate": {
      const config = loadConfig();
      if (config.jwt.signingKeyFile !== undefined || config.jwt.signingKeyPem !== undefined) {
        process.stderr.write(
          "the signing key is configured (JWT_SIGNING_KEY_FILE / JWT_SIGNING_KEY): rotate it by configuration, as the README describes\n",
        );
        return 1;
      }
      const ring = developmentKeyRing(config);
      const kid = ring.rotate(Date.now());
      process.stdout.write(`new signing key ${kid} in ${ring.file}; a running server uses it within 10 s\n`);
      return 0;
    }
    case "generate": {
      if (file === undefined) {
        process.stderr.write("usage: npm run keys:generate -- <file>\n");
        return 2;
      }
      const key = generateSigningKey();
      // wx: never overwrite a key that may still be in use.
      writeFileSync(file, key.pem, { mode: 0o600, flag: "wx" });
      process.stdout.write(`wrote an ES256 private key to ${file}; kid ${key.kid}\n`);
      return 0;
    }
    default:
      process.stderr.write("usage: keys.ts rotate | generate <file>\n");
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
