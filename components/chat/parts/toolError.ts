/**
 * The error line of a failed tool card. Our tools throw messages written for people; the AI SDK's own errors (bad
 * arguments, an unknown tool) carry validation dumps meant for the model, so the card says what happened in words and
 * keeps the full text for its details.
 */
export function toolErrorSummary(errorText: string): { summary: string; details?: string } {
  if (/InvalidToolInputError|Invalid input for tool/i.test(errorText)) {
    return { summary: "The model sent arguments this tool cannot use, so it did not run.", details: errorText };
  }
  if (/NoSuchToolError|unavailable tool/i.test(errorText)) {
    return { summary: "The model asked for a tool that does not exist.", details: errorText };
  }
  return { summary: errorText.replace(/^Error:\s*/, "") };
}
