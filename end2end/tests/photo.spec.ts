import { test, expect, hydrated, logOn, fillWidget } from "../support/fixtures";

// An end user's photo is a file they upload with the form (issue 8): checked at once beside
// the field, kept by Deskchat, and shown to the agents of the group from Deskchat itself.

/** One red pixel (PNG). */
const PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);
const RULE = "A photo must be a PNG, JPEG, GIF or WebP image of at most 128 KB.";

const pia = { name: "Pia Photo", email: "pia@example.com", location: "Rome office", group: "Network", question: "Printer offline" };

test("an end user uploads a photo; a wrong or too large file is refused beside the field; the agent sees the photo", async ({ newPage }) => {
  const user = await newPage();
  await hydrated(user, "/widget");
  const photo = user.getByLabel("Photo (optional)");

  // Not an image, whatever its name says: refused at once, nothing kept.
  await photo.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: Buffer.from("<script>alert(1)</script>") });
  await expect(user.locator("#user-photo-error")).toHaveText(RULE);
  await expect(photo).toHaveAttribute("aria-invalid", "true");
  await expect(user.getByRole("img", { name: "Your photo" })).toHaveCount(0);

  // Too large: refused without being read.
  await photo.setInputFiles({ name: "big.png", mimeType: "image/png", buffer: Buffer.concat([PIXEL_PNG, Buffer.alloc(200 * 1024)]) });
  await expect(user.locator("#user-photo-error")).toHaveText(RULE);

  // A real image: a preview, which can be removed (focus goes back to the file field) and chosen again.
  await photo.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PIXEL_PNG });
  await expect(user.getByRole("img", { name: "Your photo" })).toBeVisible();
  await expect(user.locator("#user-photo-error")).toHaveText("");
  await expect(photo).toHaveAttribute("aria-invalid", "false");
  await user.getByRole("button", { name: "Remove photo" }).click();
  await expect(user.getByRole("img", { name: "Your photo" })).toHaveCount(0);
  await expect(photo).toBeFocused();
  await photo.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PIXEL_PNG });
  await expect(user.getByRole("img", { name: "Your photo" })).toBeVisible();

  await fillWidget(user, pia);

  // Alice (Network) sees the photo on the request and in the conversation, loaded from Deskchat.
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  await agent.getByRole("tab", { name: /Network/ }).click();
  const card = agent.locator(".request").filter({ hasText: pia.name });
  const onCard = card.getByRole("img", { name: `Photo of ${pia.name}` });
  await expect(onCard).toHaveAttribute("src", /^\/photos\/chat\/\d+$/);
  await expect.poll(() => onCard.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  const src = await onCard.getAttribute("src");
  await agent.getByRole("button", { name: `Accept chat from ${pia.name}` }).click();
  const conversation = agent.getByRole("article", { name: `Chat with ${pia.name}` });
  const inConversation = conversation.locator(".conversation-header").getByRole("img", { name: `Photo of ${pia.name}` });
  await expect.poll(() => inConversation.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);

  // Bob is not in Network: the same address answers him 404.
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  const response = await bob.request.get(src!);
  expect(response.status()).toBe(404);
});
