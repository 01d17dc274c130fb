import { test, expect, hydrated, logOn, violations } from "../support/fixtures";

// Issue 18, one app shell: every agent page has the same header — the navigation with the
// current page marked for assistive technology, who is logged on, their status, and Log off —
// and an agent sees the admin's pages in it only if they are one.

const PAGES = [
  { path: "/console", link: "Console", heading: "Deskchat console" },
  { path: "/records", link: "Records", heading: "Records" },
  { path: "/canned", link: "Canned messages", heading: "Canned messages" },
  { path: "/monitor", link: "Monitor", heading: "Live monitor" },
  { path: "/reports", link: "Reports", heading: "Reports" },
  { path: "/admin/agents", link: "Agents", heading: "Agents" },
  { path: "/admin/groups", link: "Groups", heading: "Assignment groups" },
  { path: "/admin/audit", link: "Audit log", heading: "Audit log" },
  { path: "/admin/settings", link: "Settings", heading: "Desk settings" },
  { path: "/admin/outbox", link: "Outbox", heading: "Outbox" },
];

test("every agent page has the one header, its own link marked current", async ({ newPage }) => {
  const page = await newPage();
  await logOn(page, "admin@deskchat.test");
  for (const { path, link, heading } of PAGES) {
    await hydrated(page, path);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    const nav = page.getByRole("navigation", { name: "Desk" });
    await expect(nav.getByRole("link")).toHaveCount(PAGES.length);
    await expect(nav.getByRole("link", { name: link })).toHaveAttribute("aria-current", "page");
    await expect(nav.locator("[aria-current]")).toHaveCount(1);
    await expect(page.locator(".topbar .who")).toHaveText("Ada Admin");
    await expect(page.getByLabel("My status")).toBeVisible();
    await expect(page.getByRole("button", { name: "Log off" })).toBeVisible();
  }
  expect(await violations(page)).toEqual([]);
});

test("an agent moves between pages with the keyboard, sets their status anywhere, and logs off from any page", async ({ newPage }) => {
  const page = await newPage();
  await logOn(page, "bob@deskchat.test");
  await hydrated(page, "/records");
  const nav = page.getByRole("navigation", { name: "Desk" });
  // No admin pages for an agent.
  await expect(nav.getByRole("link")).toHaveCount(3);
  await expect(nav.getByRole("link", { name: "Agents" })).toHaveCount(0);

  await nav.getByRole("link", { name: "Canned messages" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL("**/canned");
  await expect(page.getByRole("heading", { level: 1, name: "Canned messages" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Canned messages" })).toHaveAttribute("aria-current", "page");

  // Away from the canned page; the console shows it.
  const saved = () => page.waitForResponse((r) => r.url().includes("/api/set_availability") && r.ok());
  let answered = saved();
  await page.getByLabel("My status").selectOption("away");
  await answered;
  await nav.getByRole("link", { name: "Console" }).click();
  await page.waitForURL("**/console");
  await expect(page.getByLabel("My status")).toHaveValue("away");
  answered = saved();
  await page.getByLabel("My status").selectOption("online");
  await answered;
  await hydrated(page, "/records");
  await expect(page.getByLabel("My status")).toHaveValue("online");
  expect(await violations(page)).toEqual([]);

  await page.getByRole("button", { name: "Log off" }).click();
  await page.waitForURL("**/login");
});
