const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/**
 * react-markdown `urlTransform`: model output may only link to the web or an e-mail address.
 * Anything else (javascript:, data:, relative paths that would hit this app) becomes "" and is shown as text.
 */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return SAFE_PROTOCOLS.has(parsed.protocol) ? parsed.href : "";
  } catch {
    return "";
  }
}
