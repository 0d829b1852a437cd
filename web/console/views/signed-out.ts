// Signed out: sign in, create an account (which then signs in), or ask for a
// password-reset link.
import type { Api } from "../api.js";
import { byId, onSubmit, values } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import type { SessionStore } from "../session.js";

export function signedOutView(api: Api, sessions: SessionStore, say: (message: string) => void) {
  const section = byId("signed-out", HTMLElement);
  const signIn = byId("sign-in-form", HTMLFormElement);
  const register = byId("register-form", HTMLFormElement);
  const forgot = byId("forgot-form", HTMLFormElement);

  onSubmit(signIn, async () => {
    clearErrors(signIn);
    const { email = "", password = "" } = values(signIn);
    try {
      const answer = await api.auth.login({ email, password, refreshTokenCookie: true });
      signIn.reset();
      say("You are signed in.");
      sessions.start(answer.accessToken, answer.expiresIn);
    } catch (error) {
      showError(signIn, error);
    }
  });

  onSubmit(register, async () => {
    clearErrors(register);
    const { user = "", email = "", password = "" } = values(register);
    try {
      await api.auth.register({ user, email, password });
      const answer = await api.auth.login({ email, password, refreshTokenCookie: true });
      register.reset();
      say("Your account is ready.");
      sessions.start(answer.accessToken, answer.expiresIn);
    } catch (error) {
      showError(register, error);
    }
  });

  onSubmit(forgot, async () => {
    clearErrors(forgot);
    const { email = "" } = values(forgot);
    try {
      await api.recovery.requestPasswordReset({ email });
      forgot.reset();
      // The same answer whether or not an account has this address.
      say(`If an account has the address ${email}, a reset link is on its way.`);
    } catch (error) {
      showError(forgot, error);
    }
  });

  return {
    show(): void {
      section.hidden = false;
      clearErrors(signIn);
      clearErrors(register);
      clearErrors(forgot);
    },
    hide(): void {
      section.hidden = true;
    },
  };
}
