// Takes the README screenshots (docs/img) from a running server: `make screenshots`.
import { chromium } from "@playwright/test";

const base = process.env.DESKCHAT_URL ?? "http://127.0.0.1:3000";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
const viewport = { width: 1280, height: 720 };
const agent = await (await browser.newContext({ baseURL: base, viewport })).newPage();
const user = await (await browser.newContext({ baseURL: base, viewport: { width: 560, height: 720 } })).newPage();
const ready = (page) => page.locator("body[data-hydrated=true]").waitFor({ state: "attached" });

await agent.goto("/login");
await ready(agent);
await agent.getByLabel("Email").fill("alice@deskchat.test");
await agent.getByLabel("Password").fill("deskchat-demo");
await agent.getByLabel("Password").press("Enter");
await agent.waitForURL("**/console");

await user.goto("/widget");
await ready(user);
await user.getByLabel("Your name").fill("Nina Network");
await user.getByLabel("Email").fill("nina@example.com");
await user.getByLabel("Location").fill("Berlin office, 3rd floor");
await user.getByLabel("Who should help you?").selectOption({ label: "Network" });
await user.getByLabel("Your question").fill("The VPN drops every hour since this morning");
await user.getByRole("button", { name: "Start chat" }).click();
await user.getByText("You are number").waitFor();

await agent.getByRole("tab", { name: /Network/ }).click();
await agent.getByRole("button", { name: "Accept chat from Nina Network" }).click();
const box = agent.getByRole("textbox", { name: "Message" });
await box.fill("Hello Nina, I'm Alice from the service desk.\nWhich VPN client do you use?");
await box.press("Enter");
await user.getByRole("textbox", { name: "Message" }).fill("GlobalProtect 6.1 on Windows 11");
await user.getByRole("textbox", { name: "Message" }).press("Enter");
await agent.getByText("GlobalProtect 6.1").waitFor();
await agent.screenshot({ path: "../docs/img/console.png" });
await user.screenshot({ path: "../docs/img/widget.png" });
await browser.close();
