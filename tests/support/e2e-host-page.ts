/**
 * Host pages for the embed specs: a plain static "third-party site" on other local ports (other origins than the
 * worker). `/` is a tall page with the embed.js snippet; `/frame?src=<path>` frames a worker page directly (to check
 * which pages refuse to be framed). The worker's EMBED_ALLOWED_ORIGINS lists HOST_PAGE_URL only.
 */
import { createServer, type Server } from "node:http";
import { WORKER_URL } from "./e2e-env";

export const HOST_PAGE_TITLE = "Acme Rockets: pricing";

function escapeAttribute(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
}

function snippetPage(query: URLSearchParams): string {
  const attributes = {
    "data-title": query.get("title") ?? "Acme help",
    "data-welcome": query.get("welcome") ?? "Hi! Questions about our rockets?",
    "data-color": query.get("color") ?? "#c2410c",
    "data-position": query.get("position") ?? "bottom-right",
    "data-open": query.get("open") ?? "false",
  };
  const data = Object.entries(attributes)
    .map(([name, value]) => `${name}="${escapeAttribute(value)}"`)
    .join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${HOST_PAGE_TITLE}</title>
<style>body{font-family:sans-serif;margin:0} .tall{height:4000px;padding:20px;background:linear-gradient(#fff,#eee)}</style>
</head><body>
<h1 id="host-heading">Acme Rockets</h1>
<div class="tall"><p>Our rockets go up.</p><button id="host-button" type="button">A host button</button></div>
<script>
  window.__events = [];
  window.__edgeChatReady = new Promise(function (resolve) {
    function wire() {
      if (!window.EdgeChat) return setTimeout(wire, 10);
      window.EdgeChat.on("*", function (payload, type) { window.__events.push(type); });
      resolve(true);
    }
    wire();
  });
</script>
<script src="${WORKER_URL}/embed.js" ${data} async></script>
</body></html>`;
}

function framePage(src: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Framing test</title></head><body>
<iframe id="framed" title="framed" src="${escapeAttribute(WORKER_URL + src)}" style="width:600px;height:400px"></iframe>
</body></html>`;
}

function serve(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://host.invalid");
    if (url.pathname === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(snippetPage(url.searchParams));
    } else if (url.pathname === "/frame") {
      const src = url.searchParams.get("src") ?? "/embed";
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(framePage(src.startsWith("/") ? src : "/"));
    } else if (url.pathname === "/__e2e/host-health") {
      response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

async function isOurHostPage(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/__e2e/host-health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Serves the host page on each port; a port already serving it (another local run) is reused. */
export async function startHostPages(ports: number[]): Promise<{ close(): Promise<void> }> {
  const servers: Server[] = [];
  for (const port of ports) {
    try {
      servers.push(await serve(port));
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (inUse && !process.env.CI && (await isOurHostPage(port))) continue;
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      throw new Error(`Could not serve the e2e host page on port ${port}: ${String(error)}`, { cause: error });
    }
  }
  return {
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise((resolve) => {
              server.closeAllConnections();
              server.close(resolve);
            }),
        ),
      );
    },
  };
}
