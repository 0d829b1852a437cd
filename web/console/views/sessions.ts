// Signed in: the user's sessions (one per sign-in, on each browser or app),
// with this browser's marked. Any of them can be signed out; signing out
// this one, or everywhere, signs this browser out too.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Session as ServerSession } from "../../../gen/auth/v1/session_pb.js";
import type { Api } from "../api.js";
import { byId, element, timeOf } from "../dom.js";
import { messageOf } from "../errors.js";

export interface SessionsViewHooks {
  say(message: string): void;
  /** See main.ts: true when the error meant this browser's session is over. */
  onSessionEnded(error: unknown): boolean;
  /** This browser's session has ended on the server: forget it here too. */
  onSignedOut(message: string): void;
  /** A session was signed out, so the security log has news. */
  onRevoked(): void;
}

export function sessionsView(api: Api, hooks: SessionsViewHooks) {
  const list = byId("session-list", HTMLUListElement);
  const title = byId("sessions-title", HTMLHeadingElement);
  const everywhere = byId("sign-out-everywhere", HTMLButtonElement);
  // Bumped on hide, so an answer that arrives after signing out is dropped.
  let generation = 0;

  const load = async (): Promise<void> => {
    const mine = generation;
    list.setAttribute("aria-busy", "true");
    try {
      const answer = await api.sessions.listSessions({});
      if (mine === generation) list.replaceChildren(...answer.sessions.map(row));
    } catch (error) {
      if (mine === generation && !hooks.onSessionEnded(error)) {
        hooks.say(`Your sessions could not be loaded. ${messageOf(error)}`);
      }
    } finally {
      list.removeAttribute("aria-busy");
    }
  };

  const revoke = async (session: ServerSession, button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    try {
      await api.sessions.revokeSession({ id: session.id });
    } catch (error) {
      button.disabled = false;
      if (hooks.onSessionEnded(error)) return;
      if (ConnectError.from(error).code === Code.NotFound) {
        hooks.say("That session had already ended.");
        await load();
      } else {
        hooks.say(`The session could not be signed out. ${messageOf(error)}`);
      }
      return;
    }
    if (session.current) {
      hooks.onSignedOut("You are signed out.");
      return;
    }
    hooks.say("That session is signed out.");
    hooks.onRevoked();
    await load();
    // The button that had focus is gone with its row.
    title.focus();
  };

  const row = (session: ServerSession): HTMLLIElement => {
    const address = session.clientAddress || "an unknown address";
    const started = timeOf(session.createdAt);
    const heading = element("p", "session-heading");
    const agent = element("span", "session-agent", session.userAgent || "Unknown browser or app");
    if (session.userAgent !== "") agent.title = session.userAgent;
    heading.append(agent);
    if (session.current) heading.append(element("span", "badge", "This browser"));
    const facts = element("p", "session-facts");
    facts.append(`From ${address} · signed in `, started, " · last active ", timeOf(session.lastUsedAt));
    const about = element("div", "session-about");
    about.append(heading, facts);

    const button = element("button", "secondary", "Sign out");
    button.type = "button";
    // Each button names the session it ends, after the visible words.
    button.setAttribute(
      "aria-label",
      session.current ? "Sign out this browser" : `Sign out the session from ${address}, signed in ${started.textContent}`,
    );
    button.addEventListener("click", () => void revoke(session, button));
    const item = element("li", "session");
    item.append(about, button);
    return item;
  };

  everywhere.addEventListener("click", () => {
    // Every device the user is signed in on has to sign in again: ask first.
    if (!window.confirm("Sign out of every session, this browser included? Each device will have to sign in again.")) return;
    everywhere.disabled = true;
    api.auth
      .logoutAll({})
      .then(
        ({ sessionsEnded }) =>
          hooks.onSignedOut(`You are signed out everywhere: ${sessionsEnded} ${sessionsEnded === 1 ? "session" : "sessions"} ended.`),
        (error: unknown) => {
          if (!hooks.onSessionEnded(error)) hooks.say(`You could not be signed out everywhere. ${messageOf(error)}`);
        },
      )
      .finally(() => (everywhere.disabled = false));
  });

  return {
    show: load,
    hide(): void {
      generation += 1;
      list.replaceChildren();
    },
  };
}
