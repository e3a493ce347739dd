/**
 * How often a streaming answer changes on screen at most: the page renders it at most this often (useChat's
 * `throttle`), so the server merges the model's text into one event per this long (lib/ai/sse-merge.ts) and the
 * reader sees no difference, while every event the server does not send saves CPU all along the way.
 */
export const ANSWER_UPDATE_MS = 50;
