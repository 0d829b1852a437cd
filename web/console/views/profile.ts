// Signed in: the profile, editable. Only changed fields are sent, since
// UpdateProfile leaves absent fields as they are.
import type { Profile } from "../../../gen/auth/v1/profile_pb.js";
import type { Api } from "../api.js";
import { byId, onSubmit, setTime, values } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import type { Session } from "../session.js";

export function profileView(api: Api, say: (message: string) => void, onSessionEnded: (error: unknown) => boolean) {
  const section = byId("signed-in", HTMLElement);
  const form = byId("profile-form", HTMLFormElement);
  const title = byId("profile-title", HTMLHeadingElement);
  let current: Profile | undefined;

  const render = (profile: Profile) => {
    current = profile;
    byId("profile-id", HTMLElement).textContent = profile.id;
    setTime(byId("profile-created", HTMLTimeElement), profile.createdAt);
    setTime(byId("profile-updated", HTMLTimeElement), profile.updatedAt);
    byId("profile-user", HTMLInputElement).value = profile.user;
    byId("profile-email", HTMLInputElement).value = profile.email;
    byId("profile-password", HTMLInputElement).value = "";
    unconfirmed.hidden = profile.emailVerified;
  };

  const unconfirmed = byId("email-unconfirmed", HTMLElement);
  const resend = byId("resend-verification", HTMLButtonElement);
  resend.addEventListener("click", () => {
    resend.disabled = true;
    api.recovery
      .resendVerification({})
      .then(
        (answer) => say(sentenceOf(answer.message)),
        (error: unknown) => {
          if (!onSessionEnded(error)) showError(form, error);
        },
      )
      .finally(() => (resend.disabled = false));
  });

  onSubmit(form, async () => {
    clearErrors(form);
    if (current === undefined) return;
    const { user = "", email = "", password = "" } = values(form);
    const changes = {
      ...(user !== current.user ? { user } : {}),
      ...(email !== current.email ? { email } : {}),
      ...(password !== "" ? { password } : {}),
    };
    if (Object.keys(changes).length === 0) {
      say("Nothing to save: no field was changed.");
      return;
    }
    try {
      const answer = await api.profile.updateProfile({ id: current.id, ...changes });
      if (answer.profile !== undefined) render(answer.profile);
      say("Your changes are saved.");
    } catch (error) {
      if (!onSessionEnded(error)) showError(form, error);
    }
  });

  return {
    async show(session: Session): Promise<void> {
      clearErrors(form);
      section.hidden = false;
      try {
        const answer = await api.profile.getProfile({ id: session.userId });
        if (answer.profile !== undefined) render(answer.profile);
        title.focus();
      } catch (error) {
        if (!onSessionEnded(error)) showError(form, error);
      }
    },
    hide(): void {
      section.hidden = true;
      current = undefined;
      form.reset();
    },
  };
}

/** "a new link is on its way" -> "A new link is on its way.": the service's messages read as sentences. */
function sentenceOf(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
