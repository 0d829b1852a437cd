// Signed out: sign in, or create an account (which then signs in).
import type { Api } from "../api.js";
import { byId, onSubmit, values } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import type { SessionStore } from "../session.js";

export function signedOutView(api: Api, sessions: SessionStore, say: (message: string) => void) {
  const section = byId("signed-out", HTMLElement);
  const signIn = byId("sign-in-form", HTMLFormElement);
  const register = byId("register-form", HTMLFormElement);

  onSubmit(signIn, async () => {
    clearErrors(signIn);
    const { email = "", password = "" } = values(signIn);
    try {
      const answer = await api.auth.login({ email, password });
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
      const answer = await api.auth.login({ email, password });
      register.reset();
      say("Your account is ready.");
      sessions.start(answer.accessToken, answer.expiresIn);
    } catch (error) {
      showError(register, error);
    }
  });

  return {
    show(): void {
      section.hidden = false;
      clearErrors(signIn);
      clearErrors(register);
    },
    hide(): void {
      section.hidden = true;
    },
  };
}
