import { test, expect, acceptedChat, hydrated, DEMO_PASSWORD, EndUser } from "../support/fixtures";
import type { Page, Route, WebSocket } from "@playwright/test";

// Issue 15, findings 3–5: pages reached by links, and forms used before the WASM has loaded.
// Every test here (like every test of the suite) also fails on any page error or WASM panic
// (support/fixtures.ts), which is what findings 3 and 4 were.

const erin: EndUser = { name: "Erin Enduser", email: "erin@example.com", location: "Head office", group: "Network", question: "The printer on floor 3 jams" };

/** The record a page shows: its heading, and for a ticket its form named after it. */
async function showsRecord(page: Page, heading: string, form?: string) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
  await expect(page.getByText("Loading the record…")).toHaveCount(0);
  if (form) await expect(page.getByRole("form", { name: form })).toBeVisible();
}

test("Related Records lead from record page to record page and back, each page showing its record", async ({ newPage }) => {
  const { agent } = await acceptedChat(newPage, erin);
  const records = agent.getByRole("complementary", { name: "Records" });
  const interaction = (await records.getByRole("heading", { name: /^Interaction SD\d+$/ }).textContent())!.replace("Interaction ", "").trim();
  await records.getByRole("button", { name: "Convert chat to incident" }).click();
  const incidentLink = records.getByRole("region", { name: "Incident" }).getByRole("link");
  await expect(incidentLink).toHaveText(/IM\d+/);
  const incident = (await incidentLink.textContent())!.trim();

  await incidentLink.click();
  await showsRecord(agent, `Incident ${incident}`, `Incident ${incident}`);
  const related = agent.getByRole("region", { name: "Related Records" });

  // IM → SD → CR, by the pages' own links: the address changes and so does the page.
  await related.getByRole("link", { name: interaction }).click();
  await expect(agent).toHaveURL(new RegExp(`/records/${interaction}$`));
  await showsRecord(agent, `Interaction ${interaction}`, `Interaction ${interaction}`);
  await expect(agent.getByRole("form", { name: `Interaction ${interaction}` }).getByLabel("Title")).toHaveValue(erin.question);

  await related.getByRole("link", { name: "CR00001" }).click();
  await expect(agent).toHaveURL(/\/records\/CR00001$/);
  await showsRecord(agent, "Chat request CR00001");
  await expect(agent.getByRole("heading", { name: "Transcript of CR00001" })).toBeVisible();
  await expect(agent.getByRole("form")).toHaveCount(0);

  // And back with the browser's back button: CR → SD → IM.
  await agent.goBack();
  await expect(agent).toHaveURL(new RegExp(`/records/${interaction}$`));
  await showsRecord(agent, `Interaction ${interaction}`, `Interaction ${interaction}`);
  await agent.goBack();
  await expect(agent).toHaveURL(new RegExp(`/records/${incident}$`));
  await showsRecord(agent, `Incident ${incident}`, `Incident ${incident}`);

  // The page still works after all that: a save goes through and says so.
  const form = agent.getByRole("form", { name: `Incident ${incident}` });
  await form.getByLabel("Category").fill("Printing");
  await form.getByRole("button", { name: `Save ${incident}` }).click();
  await expect(form.getByText(`Saved ${incident}.`)).toBeVisible();
});

test("leaving the console and a record page by links closes their live links cleanly", async ({ newPage }) => {
  const { agent } = await acceptedChat(newPage, erin);
  const interaction = (await agent.getByRole("heading", { name: /^Interaction SD\d+$/ }).textContent())!.replace("Interaction ", "").trim();
  const sockets: WebSocket[] = [];
  agent.on("websocket", (socket) => sockets.push(socket));
  const open = () => sockets.filter((s) => !s.isClosed()).length;
  const desk = agent.getByRole("navigation", { name: "Desk" });
  await hydrated(agent, "/console");
  await expect(agent.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect.poll(open).toBe(1);

  // Console → records: the console's link closes (the records list has none).
  await desk.getByRole("link", { name: "Records" }).click();
  await expect(agent.getByLabel("Search records")).toBeVisible();
  await expect.poll(open).toBe(0);

  // → the record page, which opens a link of its own…
  await agent.getByRole("link", { name: interaction }).click();
  await showsRecord(agent, `Interaction ${interaction}`, `Interaction ${interaction}`);
  await expect.poll(open).toBe(1);

  // …and closes it when the agent goes back to the console, which is live again.
  await desk.getByRole("link", { name: "Console" }).click();
  await expect(agent.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(agent.getByRole("article", { name: `Chat with ${erin.name}` })).toBeVisible();
  await expect.poll(() => sockets[1].isClosed()).toBe(true);
  await expect.poll(open).toBe(1);
});

/** Holds back the page's WASM until `release()` is called. */
async function holdWasm(page: Page): Promise<{ held: Promise<void>; release: () => void }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let heldNow!: () => void;
  const held = new Promise<void>((resolve) => (heldNow = resolve));
  await page.route("**/pkg/*.wasm", async (route: Route) => {
    heldNow();
    await released;
    await route.continue();
  });
  return { held, release };
}

/** Every document the page's main frame loads (a form submitted the browser's way is one). */
function documentLoads(page: Page): string[] {
  const loads: string[] = [];
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) loads.push(request.url());
  });
  return loads;
}

test("log-on before the WASM has loaded keeps what was typed, and works once it has", async ({ newPage }) => {
  const page = await newPage();
  const wasm = await holdWasm(page);
  const loads = documentLoads(page);
  await page.goto("/login");
  await wasm.held;

  const email = page.getByLabel("Email");
  const password = page.getByLabel("Password");
  const button = page.getByRole("button", { name: "Log on" });
  await email.fill("alice@deskchat.test");
  await password.fill(DEMO_PASSWORD);
  // Neither Enter nor a click can send the form yet (it would reload `/login?` and drop both).
  await expect(button).toBeDisabled();
  await password.press("Enter");
  await button.click({ force: true });
  await expect(email).toHaveValue("alice@deskchat.test");
  await expect(password).toHaveValue(DEMO_PASSWORD);
  expect(loads).toHaveLength(1);
  expect(page.url()).toMatch(/\/login$/);

  // The WASM arrives: hydration keeps the fields as typed, and Enter logs on.
  wasm.release();
  await expect(button).toBeEnabled();
  await expect(email).toHaveValue("alice@deskchat.test");
  await expect(password).toHaveValue(DEMO_PASSWORD);
  await password.press("Enter");
  await page.waitForURL("**/console");
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  expect(loads.filter((url) => url.includes("/login?"))).toEqual([]);
});

test("the widget offers its form only once the WASM runs, so nothing typed can be lost; then a chat starts", async ({ newPage }) => {
  const page = await newPage();
  const wasm = await holdWasm(page);
  const loads = documentLoads(page);
  await page.goto("/widget");
  await wasm.held;

  // The server's page cannot know whether this browser already has a chat: it says it is
  // loading, and has no form to type into or send.
  await expect(page.getByText("Loading…")).toBeVisible();
  await expect(page.getByRole("textbox")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Start chat" })).toHaveCount(0);
  await page.keyboard.press("Enter");
  expect(loads).toHaveLength(1);

  wasm.release();
  await page.getByLabel("Your name").fill(erin.name);
  await page.getByLabel("Email").fill(erin.email);
  await page.getByLabel("Location").fill(erin.location);
  await page.getByLabel("Who should help you?").selectOption({ label: erin.group });
  await page.getByLabel("Your question").fill(erin.question);
  await page.getByRole("button", { name: "Start chat" }).click();
  await expect(page.getByText(`Waiting for an agent of ${erin.group}`)).toBeVisible();
  expect(loads).toHaveLength(1);
});
