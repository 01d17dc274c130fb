import { SMTPServer } from "smtp-server";
import { test, expect, acceptedChat, askForRatings, hydrated, logOn, post, violations } from "../support/fixtures";

// Issue 18, transcripts by email: an admin points the desk at a mail server on the settings
// page; the end user rates the chat and asks for its transcript; a real SMTP server (nodemailer's
// smtp-server, started here) receives it once; the admin sees it sent in the outbox.

const OLA = { name: "Ola Outbox", email: "ola@example.com", location: "Annex", group: "Network", question: "Wi-Fi keeps dropping" };

type Received = { to: string[]; text: string };

/** A real SMTP server on a free port of this machine, keeping what it receives. `refuseOnce`:
 *  an address it refuses for good (550) the first time it is given. */
async function mailServer(refuseOnce?: string): Promise<{ port: number; mails: Received[]; close: () => Promise<void> }> {
  const mails: Received[] = [];
  let refused = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo(address, _session, done) {
      if (address.address === refuseOnce && !refused) {
        refused = true;
        const error = new Error("No such mailbox here") as Error & { responseCode: number };
        error.responseCode = 550;
        return done(error);
      }
      done();
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        // Quoted-printable's soft line breaks joined, so a line reads as written.
        const text = Buffer.concat(chunks).toString("utf8").replace(/=\r\n/g, "");
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text });
        done();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { port, mails, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

test("an end user rates the chat and has its transcript emailed, once; the admin sees it sent", async ({ newPage }) => {
  const smtp = await mailServer();
  try {
    const admin = await newPage();
    await logOn(admin, "admin@deskchat.test");
    await askForRatings(admin, "Network");

    await hydrated(admin, "/admin/settings");
    const mail = admin.getByRole("region", { name: "Email" });
    await mail.getByLabel("Server").fill("127.0.0.1");
    await mail.getByLabel("Sender").fill("not an address");
    await mail.getByRole("button", { name: "Save email settings" }).click();
    await expect(mail.getByRole("alert")).toContainText("Sender: give an email address");
    await mailTo(admin, smtp.port);
    expect(await violations(admin)).toEqual([]);

    const { widget, conversation } = await acceptedChat(newPage, OLA);
    await post(conversation, "Forget the network and join it again");
    await expect(widget.getByText("Forget the network and join it again")).toBeVisible();
    await widget.getByRole("button", { name: "End chat" }).click();

    // Rated with the keyboard, then the transcript asked for.
    const survey = widget.getByRole("group", { name: "How was this chat?" });
    await survey.getByRole("radio", { name: "5 – Very good" }).check();
    await widget.getByRole("button", { name: "Send rating" }).click();
    await expect(widget.getByRole("status").filter({ hasText: "You rated this chat 5 out of 5." })).toBeVisible();
    const ask = widget.getByRole("button", { name: "Email me the transcript" });
    await ask.focus();
    await widget.keyboard.press("Enter");
    await expect(widget.getByRole("status").filter({ hasText: `The transcript will be emailed to ${OLA.email}.` })).toBeVisible();
    expect(await violations(widget)).toEqual([]);

    await expect.poll(() => smtp.mails.length).toBe(1);
    expect(smtp.mails[0].to).toEqual([OLA.email]);
    expect(smtp.mails[0].text).toContain("Subject: Transcript of your chat CR");
    expect(smtp.mails[0].text).toContain("Forget the network and join it again");
    expect(smtp.mails[0].text).toContain("Question: Wi-Fi keeps dropping");

    // The admin's outbox: sent, in one try.
    await hydrated(admin, "/admin/outbox");
    const row = admin.getByRole("row").filter({ hasText: OLA.email });
    await expect(row).toContainText("Sent");
    await expect(row.getByRole("cell").nth(5)).toHaveText("1");
    await expect(admin.getByRole("link", { name: "Outbox" })).toHaveAttribute("aria-current", "page");
    expect(await violations(admin)).toEqual([]);
    expect(smtp.mails.length).toBe(1);
  } finally {
    await smtp.close();
  }
});

/** As the admin in `admin`: the desk's mail goes to the SMTP server on `port`. */
async function mailTo(admin: import("@playwright/test").Page, port: number): Promise<void> {
  await hydrated(admin, "/admin/settings");
  const mail = admin.getByRole("region", { name: "Email" });
  await mail.getByLabel("Server").fill("127.0.0.1");
  await mail.getByLabel("Port").fill(String(port));
  await mail.getByLabel("Security").selectOption("none");
  await mail.getByLabel("Sender").fill("Service desk <desk@deskchat.test>");
  await mail.getByRole("button", { name: "Save email settings" }).click();
  await expect(mail.getByRole("status")).toHaveText("Saved. Transcripts go out through this server.");
}

test("a transcript the mail server refused is failed with the reason, and the admin sends it again", async ({ newPage }) => {
  const smtp = await mailServer(OLA.email);
  try {
    const admin = await newPage();
    await logOn(admin, "admin@deskchat.test");
    await mailTo(admin, smtp.port);
    const { widget } = await acceptedChat(newPage, OLA);
    await widget.getByRole("button", { name: "Email me the transcript" }).click();
    await expect(widget.getByRole("status").filter({ hasText: `The transcript will be emailed to ${OLA.email}.` })).toBeVisible();

    await hydrated(admin, "/admin/outbox");
    const row = () => admin.getByRole("row").filter({ hasText: OLA.email });
    // Refused for good (550): not tried again by itself.
    await expect(async () => {
      await admin.reload();
      await expect(row()).toContainText("Failed", { timeout: 1000 });
    }).toPass();
    await expect(row()).toContainText("No such mailbox here");
    expect(smtp.mails).toHaveLength(0);
    expect(await violations(admin)).toEqual([]);

    await row().getByRole("button", { name: /^Send again/ }).click();
    await expect(admin.getByRole("status").filter({ hasText: "Queued again" })).toBeVisible();
    await expect.poll(() => smtp.mails.length).toBe(1);
    await expect(async () => {
      await admin.reload();
      await expect(row()).toContainText("Sent", { timeout: 1000 });
    }).toPass();
    await expect(row().getByRole("button", { name: /^Send again/ })).toHaveCount(0);
  } finally {
    await smtp.close();
  }
});

test("without a mail server the widget offers no transcript by email", async ({ newPage }) => {
  const { widget } = await acceptedChat(newPage, OLA);
  await expect(widget.getByText(/joined the chat\./)).toBeVisible();
  await widget.getByRole("button", { name: "End chat" }).click();
  await expect(widget.getByText("You ended this chat.")).toBeVisible();
  await expect(widget.getByRole("button", { name: "Email me the transcript" })).toHaveCount(0);
});
