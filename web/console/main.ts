// The web console: register, sign in, see and edit the profile, see and sign
// out sessions, read the security log, sign out; and the pages that links in
// mail open (email confirmation, password reset).
// Plain DOM and connect-web; each screen is a view module.
import { Code, ConnectError } from "@connectrpc/connect";
import { createApi } from "./api.js";
import { byId } from "./dom.js";
import { reasonOf } from "./errors.js";
import { SessionStore, type Session } from "./session.js";
import { mailLinksView } from "./views/mail-links.js";
import { profileView } from "./views/profile.js";
import { securityLogView } from "./views/security-log.js";
import { sessionsView } from "./views/sessions.js";
import { signedOutView } from "./views/signed-out.js";

const sessions = new SessionStore();
const api = createApi(sessions);
const status = byId("status", HTMLElement);
const signOut = byId("sign-out", HTMLButtonElement);
const say = (message: string) => {
  status.textContent = message;
};

// The refresh token lives in an HttpOnly cookie that the server sets at
// sign-in. The console trades it for a new access token a minute before the
// current one expires, or at once when a call finds the token expired (a
// computer that slept past the renewal). Without the cookie (a browser that
// refused it) or once the session has ended, that fails: sign in again.
const RENEW_BEFORE_MS = 60_000;
/** A renewal that a call's expired token asked for right after another means something else is wrong. */
const RENEWAL_SPACING_MS = 10_000;
let renewTimer: number | undefined;
let renewing = false;
let reloadAfterRenewal = false;
let renewedAt = 0;

const sessionExpired = () => {
  sessions.clear();
  say("Your session has expired. Sign in again.");
};

/** `reload`: calls failed for want of a valid token, so the views load again afterwards. */
const renew = (reload: boolean) => {
  reloadAfterRenewal ||= reload;
  if (renewing) return;
  renewing = true;
  api.auth
    .refresh({})
    .then((answer) => {
      renewedAt = Date.now();
      const session = sessions.renew(answer.accessToken, answer.expiresIn);
      // Showing the views anew would throw away what the user is typing: only after failures.
      if (reloadAfterRenewal) render();
      else scheduleRenewal(session);
    }, sessionExpired)
    .finally(() => {
      renewing = false;
      reloadAfterRenewal = false;
    });
};

/** A minute before expiry, but never in the first half of a token's life (a short-lived one would renew in a loop). */
const renewalDelay = (leftMs: number) => Math.max(0, leftMs / 2, leftMs - RENEW_BEFORE_MS);
const scheduleRenewal = (session: Session) => {
  window.clearTimeout(renewTimer);
  renewTimer = window.setTimeout(() => renew(false), renewalDelay(session.expiresAt - Date.now()));
};

/** Handles a call the server refused for want of a valid session; true when it did. */
const onSessionEnded = (error: unknown): boolean => {
  if (ConnectError.from(error).code !== Code.Unauthenticated) return false;
  if (reasonOf(error) === "ERROR_REASON_ACCESS_TOKEN_EXPIRED") {
    if (renewing || Date.now() - renewedAt > RENEWAL_SPACING_MS) renew(true);
    else sessionExpired();
    return true;
  }
  sessions.clear();
  say("You have been signed out. Sign in again.");
  return true;
};

const signedOut = signedOutView(api, sessions, say);
const profile = profileView(api, say, onSessionEnded);
const securityLog = securityLogView(api, say, onSessionEnded);
/** This browser's session has ended (or is to end): forget it here. */
const signedOutHere = (message: string) => {
  sessions.clear();
  say(message);
  byId("main", HTMLElement).focus();
};
const sessionList = sessionsView(api, {
  say,
  onSessionEnded,
  onSignedOut: signedOutHere,
  onRevoked: () => void securityLog.reload(),
});

const render = () => {
  window.clearTimeout(renewTimer);
  const session = sessions.current();
  signOut.hidden = session === undefined;
  if (session === undefined) {
    profile.hide();
    sessionList.hide();
    securityLog.hide();
    signedOut.show();
    return;
  }
  signedOut.hide();
  void profile.show(session);
  void sessionList.show();
  void securityLog.show(session);
  scheduleRenewal(session);
};

// A new action replaces the last one's news.
document.addEventListener("submit", () => say(""), true);
signOut.addEventListener("click", () => {
  signOut.disabled = true;
  // Ends the session on the server too, so its token stops working and it
  // leaves the sessions list; this browser forgets it either way.
  api.auth
    .logout({})
    .then(
      () => signedOutHere("You are signed out."),
      (error: unknown) =>
        signedOutHere(
          ConnectError.from(error).code === Code.Unauthenticated
            ? "You are signed out."
            : "You are signed out in this browser, but the service could not end the session: it stays in your sessions list until it expires.",
        ),
    )
    .finally(() => (signOut.disabled = false));
});
sessions.onChange(render);
const mailLinks = mailLinksView(api, sessions, say, render);
if (!mailLinks.open(window.location)) render();
