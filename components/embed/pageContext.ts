import { CLIENT_TEXT_MAX_BYTES } from "@/lib/ai/tools/browser-client";
import type { PageContext } from "./protocol";

export type PageContextAnswer = { available: false } | ({ available: true } & PageContext);

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/**
 * getPageContext's answer from the host's last context, within what the server takes from a page
 * (CLIENT_TEXT_MAX_BYTES): a URL that leaves no room is left out, then the text is shortened (the model sees its
 * beginning).
 */
export function pageContextAnswer(context: PageContext | undefined): PageContextAnswer {
  if (!context) return { available: false };
  const answer: PageContextAnswer = { available: true, ...context };
  if (jsonBytes({ ...answer, text: "" }) > CLIENT_TEXT_MAX_BYTES) delete answer.url;
  for (let over = jsonBytes(answer) - CLIENT_TEXT_MAX_BYTES; over > 0; over = jsonBytes(answer) - CLIENT_TEXT_MAX_BYTES) {
    // A character is 1 to 6 bytes of JSON: cutting `over / 6` of them never cuts far too much, and converges.
    const cut = (text: string) => text.slice(0, Math.max(0, text.length - Math.ceil(over / 6)));
    if (answer.text) answer.text = cut(answer.text);
    else answer.title = cut(answer.title ?? "");
  }
  return answer;
}
