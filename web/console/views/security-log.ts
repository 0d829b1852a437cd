// Signed in: the account's recent security log (sign-ins, failed ones too,
// signed-out sessions, account changes), a page at a time.
import type { SecurityEvent } from "../../../gen/auth/v1/security_event_pb.js";
import type { Api } from "../api.js";
import { byId, element, timeOf } from "../dom.js";
import { messageOf } from "../errors.js";
import { eventLabel, outcomeClass, outcomeLabel } from "../security-events.js";
import type { Session } from "../session.js";

const PAGE_SIZE = 20;

export function securityLogView(api: Api, say: (message: string) => void, onSessionEnded: (error: unknown) => boolean) {
  const table = byId("security-events", HTMLTableElement);
  const rows = byId("security-event-rows", HTMLTableSectionElement);
  const empty = byId("security-log-empty", HTMLElement);
  const more = byId("security-log-more", HTMLButtonElement);
  let userId = "";
  let nextPageToken = "";
  // Bumped on hide and on reload, so a late answer never lands in the wrong list.
  let generation = 0;

  /** Loads the page after the last one shown (the first when the table is empty); false on failure. */
  const load = async (): Promise<boolean> => {
    const mine = generation;
    table.setAttribute("aria-busy", "true");
    more.disabled = true;
    try {
      const answer = await api.profile.listSecurityEvents({ id: userId, pageSize: PAGE_SIZE, pageToken: nextPageToken });
      if (mine !== generation) return false;
      rows.append(...answer.events.map(row));
      nextPageToken = answer.nextPageToken;
      more.hidden = nextPageToken === "";
      empty.hidden = rows.childElementCount > 0;
      table.hidden = rows.childElementCount === 0;
      return true;
    } catch (error) {
      if (mine === generation && !onSessionEnded(error)) say(`Your security activity could not be loaded. ${messageOf(error)}`);
      return false;
    } finally {
      table.removeAttribute("aria-busy");
      more.disabled = false;
    }
  };

  const clear = () => {
    generation += 1;
    nextPageToken = "";
    rows.replaceChildren();
    more.hidden = true;
    empty.hidden = true;
  };

  more.addEventListener("click", () => {
    const before = rows.childElementCount;
    void load().then((loaded) => {
      if (!loaded) return;
      say(`${rows.childElementCount - before} more entries shown.`);
      // The button goes away on the last page; focus stays near what was added.
      if (more.hidden) table.focus();
    });
  });

  return {
    async show(session: Session): Promise<void> {
      clear();
      userId = session.userId;
      await load();
    },
    /** Starts again from the newest entry, after something that adds one. */
    async reload(): Promise<void> {
      if (userId === "") return;
      clear();
      await load();
    },
    hide(): void {
      clear();
      userId = "";
    },
  };
}

function row(event: SecurityEvent): HTMLTableRowElement {
  const tr = element("tr");
  const when = element("td");
  when.append(timeOf(event.occurredAt));
  const outcome = element("td");
  outcome.append(element("span", `outcome ${outcomeClass(event.outcome)}`, outcomeLabel(event.outcome)));
  const agent = element("span", "agent", event.userAgent || "Not sent");
  if (event.userAgent !== "") agent.title = event.userAgent;
  const client = element("td");
  client.append(agent);
  tr.append(when, element("td", "", eventLabel(event)), outcome, element("td", "", event.clientAddress || "Unknown"), client);
  return tr;
}
