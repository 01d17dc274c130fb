import AxeBuilder from "@axe-core/playwright";
import { Page } from "@playwright/test";
import { test, expect, logOn, say, fillWidget } from "../support/fixtures";
import { DeskchatServer } from "../support/server";
import { HostSite, pageWithSnippet } from "../support/site";

// The widget on another site: one <script> tag (public/embed.js) on a page served from another
// origin, allowed by Deskchat's --allowed-origin setting.

test("the embed snippet adds a chat button to another site, keeps the chat across its pages and counts unread messages", async ({ browser }) => {
  // The site first (its origin is what Deskchat must allow), then Deskchat allowing it.
  const pages: Record<string, string> = {};
  const site = await HostSite.start(pages);
  const server = await DeskchatServer.start({ DESKCHAT_ALLOWED_ORIGINS: site.origin });
  const snippet = `data-group="Network" data-position="left" data-color="#8250df" data-lang="de"`;
  pages["/index.html"] = pageWithSnippet(server.url, "Intranet home", snippet);
  pages["/next.html"] = pageWithSnippet(server.url, "Intranet news", snippet);
  try {
    const agent = await (await browser.newContext({ baseURL: server.url })).newPage();
    await logOn(agent, "alice@deskchat.test");

    const visitor = await (await browser.newContext({ baseURL: site.origin })).newPage();
    await visitor.goto("/index.html");
    // The launcher speaks the chosen language and sits in the chosen corner.
    const launcher = visitor.getByRole("button", { name: "Chat mit uns" });
    await expect(launcher).toBeVisible();
    const box = (await launcher.boundingBox())!;
    expect(box.x).toBeLessThan(200);
    await expect(launcher).toHaveAttribute("aria-expanded", "false");

    // With the keyboard: open it, and the widget's form has the site's group chosen already.
    await launcher.focus();
    await visitor.keyboard.press("Enter");
    await expect(launcher).toHaveAttribute("aria-expanded", "true");
    const panel = visitor.getByRole("dialog", { name: "Service-Desk-Chat" });
    await expect(panel).toBeVisible();
    const widget = visitor.frameLocator("iframe[title='Service-Desk-Chat']");
    await expect(widget.locator("body[data-hydrated=true]")).toBeAttached();
    await expect(widget.locator("#user-group option:checked")).toHaveText("Network");
    // The snippet's data-lang="de": the widget speaks German, its errors too, and says so.
    await expect(widget.locator("html")).toHaveAttribute("lang", "de");
    await expect(widget.getByRole("heading", { name: "Chat mit dem Servicedesk" })).toBeVisible();
    await widget.getByRole("button", { name: "Chat starten" }).click();
    await expect(widget.locator("#user-name-error")).toHaveText("Bitte geben Sie Ihren Namen an.");
    await expect(widget.getByRole("alert").filter({ hasText: "Bitte korrigieren Sie 4 Felder." })).toBeAttached();
    await widget.getByLabel("Ihr Name").fill("Erik Embed");
    await widget.getByLabel("E-Mail").fill("erik@example.com");
    await widget.getByLabel("Standort").fill("Oslo");
    await widget.getByLabel("Wer soll Ihnen helfen?").selectOption({ label: "Network" });
    await widget.getByLabel("Ihre Frage").fill("Printer on floor 2 jams");
    await widget.getByRole("button", { name: "Chat starten" }).click();
    await expect(widget.getByText("Warten auf einen Mitarbeiter der Gruppe Network…")).toBeVisible();

    await agent.getByRole("tab", { name: /Network/ }).click();
    await agent.getByRole("button", { name: "Accept chat from Erik Embed" }).click();
    const conversation = agent.getByRole("article", { name: "Chat with Erik Embed" });
    await expect(widget.getByText("Alice Agent ist dem Chat beigetreten.")).toBeVisible();
    await say(conversation, "Which tray is it?");
    await expect(widget.getByRole("log")).toContainText("Which tray is it?");

    // Closed, the button counts the agent's messages.
    await panel.getByRole("button", { name: "Chat schließen" }).click();
    await expect(panel).toBeHidden();
    await expect(launcher).toBeFocused();
    await say(conversation, "Are you still there?");
    await expect(visitor.getByRole("button", { name: "Chat mit uns (1 ungelesen)" })).toBeVisible();

    // Another page of the site: the count and the chat are still there.
    await visitor.getByRole("link", { name: "Next page" }).click();
    await expect(visitor.getByRole("heading", { name: "Intranet news" })).toBeVisible();
    const again = visitor.getByRole("button", { name: "Chat mit uns (1 ungelesen)" });
    await expect(again).toBeVisible();
    await again.click();
    await expect(visitor.getByRole("button", { name: "Chat mit uns" })).toHaveAttribute("aria-expanded", "true");
    const resumed = visitor.frameLocator("iframe[title='Service-Desk-Chat']");
    await expect(resumed.getByRole("log")).toContainText("Are you still there?");
    const composer = resumed.getByRole("textbox", { name: "Nachricht" });
    await composer.fill("Yes, tray 2");
    await composer.press("Enter");
    await expect(composer).toHaveValue("");
    // Stored (the widget shows it as sent, not waiting for Resend), then delivered to the agent.
    await expect(resumed.getByRole("log")).toContainText("Yes, tray 2");
    await expect(resumed.getByRole("log")).not.toContainText("Wird gesendet…");
    await expect(resumed.getByRole("button", { name: "Nachricht erneut senden" })).toHaveCount(0);
    await expect(conversation.getByRole("log")).toContainText("Yes, tray 2");

    // Deskchat told browsers that this site, and no other, may frame the widget.
    const response = await agent.request.get(`${server.url}/widget`);
    expect(response.headers()["content-security-policy"].endsWith(`; frame-ancestors 'self' ${site.origin}`)).toBe(true);
  } finally {
    await server.stop();
    await site.close();
  }
});

/** What a host page asks of Deskchat: every request to it, and every WebSocket opened. */
function watchDeskchat(page: Page, deskchat: string) {
  const seen = { requests: [] as string[], sockets: [] as string[] };
  page.on("request", (request) => {
    if (request.url().startsWith(deskchat)) seen.requests.push(new URL(request.url()).pathname);
  });
  page.on("websocket", (socket) => seen.sockets.push(socket.url()));
  return seen;
}

test("the snippet costs a page only its launcher until it is opened; a visitor holding a chat gets the widget at once", async ({ browser }) => {
  const pages: Record<string, string> = {};
  const site = await HostSite.start(pages);
  const server = await DeskchatServer.start({ DESKCHAT_ALLOWED_ORIGINS: site.origin });
  pages["/index.html"] = pageWithSnippet(server.url, "Intranet home", `data-group="Network"`);
  try {
    const visitor = await (await browser.newContext({ baseURL: site.origin })).newPage();
    const seen = watchDeskchat(visitor, server.url);
    // An async script holds back the page's load event until it has run, and embed.js decides
    // at once whether to make the frame: after `load`, nothing more comes unless asked for.
    await visitor.goto("/index.html", { waitUntil: "load" });
    const launcher = visitor.getByRole("button", { name: "Chat with us" });
    await expect(launcher).toBeVisible();
    await expect(visitor.locator("iframe")).toHaveCount(0);
    expect(seen.requests).toEqual(["/embed.js"]);
    expect(seen.sockets).toEqual([]);
    // The launcher alone is accessible (the host page's own markup is not ours to judge).
    const axe = await new AxeBuilder({ page: visitor }).include("[data-deskchat]")
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);

    // Opened with the keyboard, it brings the widget and its form.
    await launcher.focus();
    await visitor.keyboard.press("Enter");
    const widget = visitor.frameLocator("iframe[title='Service desk chat']");
    await expect(widget.locator("body[data-hydrated=true]")).toBeAttached();
    await expect(widget.locator("#user-group option:checked")).toHaveText("Network");
    expect(seen.requests.some((path) => path.endsWith(".wasm"))).toBe(true);
    await fillWidget(widget, { name: "Lena Lazy", email: "lena@example.com", location: "Bergen", group: "Network", question: "VPN drops hourly" });
    // The widget handed the chat's token to the page (what tells its next pages she holds one).
    await expect.poll(() => visitor.evaluate(() => localStorage.getItem("deskchat.embed.chat"))).not.toBeNull();
    await visitor.getByRole("button", { name: "Close chat" }).click();
    await expect(launcher).toHaveAttribute("aria-expanded", "false");

    // She holds a chat now: after a reload the widget comes at once, closed, and goes live
    // (so the badge can count the agent's messages) without the launcher being touched.
    const again = watchDeskchat(visitor, server.url);
    const socket = visitor.waitForEvent("websocket");
    await visitor.reload();
    await socket;
    await expect(launcher).toHaveAttribute("aria-expanded", "false");
    await expect(visitor.locator("iframe")).toHaveCount(1);
    expect(again.requests.some((path) => path.endsWith(".wasm"))).toBe(true);

    // She ends it: the site's next pages are light again, and the launcher still shows it.
    await launcher.click();
    const resumed = visitor.frameLocator("iframe[title='Service desk chat']");
    await expect(resumed.getByText("Waiting for an agent of Network")).toBeVisible();
    await resumed.getByRole("button", { name: "End chat" }).click();
    await expect(resumed.getByText("You ended this chat.")).toBeVisible();
    // The widget has told the page (embed.js notes the ended chat in the site's storage).
    await expect.poll(() => visitor.evaluate(() => localStorage.getItem("deskchat.embed.ended"))).not.toBeNull();
    await visitor.getByRole("button", { name: "Close chat" }).click();
    const ended = watchDeskchat(visitor, server.url);
    await visitor.reload({ waitUntil: "load" });
    await expect(launcher).toBeVisible();
    await expect(visitor.locator("iframe")).toHaveCount(0);
    expect(ended.requests).toEqual(["/embed.js"]);
    expect(ended.sockets).toEqual([]);
    await launcher.click();
    await expect(visitor.frameLocator("iframe[title='Service desk chat']").getByText("You ended this chat.")).toBeVisible();
  } finally {
    await server.stop();
    await site.close();
  }
});

test("a site that is not allowed gets an empty frame", async ({ browser, server }) => {
  const pages: Record<string, string> = {};
  const site = await HostSite.start(pages);
  pages["/index.html"] = pageWithSnippet(server.url, "Someone else's page", "");
  try {
    const visitor = await (await browser.newContext({ baseURL: site.origin })).newPage();
    await visitor.goto("/index.html");
    await visitor.getByRole("button", { name: "Chat with us" }).click();
    await expect(visitor.getByRole("dialog", { name: "Service desk chat" })).toBeVisible();
    // The browser refuses to render Deskchat inside it: the frame ends on an error page.
    await expect.poll(() => visitor.frames().map((f) => f.url()).some((url) => url.startsWith("chrome-error:"))).toBe(true);
    const framed = visitor.frames().filter((f) => f.url().startsWith(server.url));
    expect(framed).toEqual([]);
  } finally {
    await site.close();
  }
});
