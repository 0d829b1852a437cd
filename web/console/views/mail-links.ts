// The pages that links in mail open: /verify-email?token=… confirms the
// address at once; /password-reset?token=… asks for a new password. The
// token is taken out of the address bar first, so it stays out of the
// history and of anything the page shares later.
import type { Api } from "../api.js";
import { byId, onSubmit, values } from "../dom.js";
import { clearErrors, reasonOf, showError } from "../errors.js";
import type { SessionStore } from "../session.js";

const INVALID_LINK = "This link is invalid or has expired.";

export function mailLinksView(api: Api, sessions: SessionStore, say: (message: string) => void, done: () => void) {
  const section = byId("reset", HTMLElement);
  const form = byId("reset-form", HTMLFormElement);
  let resetToken = "";

  onSubmit(form, async () => {
    clearErrors(form);
    const { new_password: newPassword = "" } = values(form);
    try {
      await api.recovery.resetPassword({ token: resetToken, newPassword });
      form.reset();
      section.hidden = true;
      // The reset ended every session, this browser's too.
      if (sessions.current() !== undefined) sessions.clear();
      say("Your password has been changed. Sign in with the new one.");
      done();
    } catch (error) {
      if (reasonOf(error) === "ERROR_REASON_TOKEN_INVALID") {
        section.hidden = true;
        say(`${INVALID_LINK} Ask for a new one with "Forgot your password?".`);
        done();
        return;
      }
      showError(form, error);
    }
  });

  return {
    /** Handles the page the console was opened at; true when it was a mail link (which then calls `done`). */
    open(location: Location): boolean {
      const page = location.pathname;
      if (page !== "/verify-email" && page !== "/password-reset") return false;
      const token = new URLSearchParams(location.search).get("token") ?? "";
      history.replaceState(null, "", "/");
      if (page === "/verify-email") {
        say("Confirming your email address…");
        api.recovery.confirmEmail({ token }).then(
          (answer) => say(answer.alreadyVerified ? "Your email address was already confirmed." : "Your email address is confirmed."),
          (error: unknown) =>
            say(
              reasonOf(error) === "ERROR_REASON_TOKEN_INVALID"
                ? `${INVALID_LINK} Sign in and ask for a new one from your profile.`
                : "Your email address could not be confirmed. Open the link again in a moment.",
            ),
        ).finally(done);
        return true;
      }
      resetToken = token;
      section.hidden = false;
      byId("reset-title", HTMLHeadingElement).focus();
      return true;
    },
  };
}
