// Another web site on this machine: pages served from an origin of their own (localhost on a
// free port, where Deskchat runs on 127.0.0.1), to embed the widget the way a customer would.
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";

export class HostSite {
  private constructor(private readonly server: Server, readonly origin: string) {}

  /** Serves `pages` (path → HTML) until `close`. */
  static async start(pages: Record<string, string>): Promise<HostSite> {
    const server = createServer((request, response) => {
      const page = pages[request.url ?? ""];
      response.writeHead(page === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
      response.end(page ?? "not found");
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as AddressInfo;
    return new HostSite(server, `http://localhost:${port}`);
  }

  async close(): Promise<void> {
    await new Promise((ok) => this.server.close(ok));
  }
}

/** A page of the host site with the embed snippet in it. */
export function pageWithSnippet(deskchat: string, title: string, attributes: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<h1>${title}</h1><p><a href="/next.html">Next page</a></p>
<script src="${deskchat}/embed.js" ${attributes} async></script></body></html>`;
}
