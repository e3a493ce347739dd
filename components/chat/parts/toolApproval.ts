"use client";

import { createContext, useContext } from "react";

export type ToolApprovalResponse = { id: string; approved: boolean; reason?: string };

/**
 * How a tool card answers an approval request: Chat provides useChat's addToolApprovalResponse, so the cards deep in
 * the (memoised) message list need no callback threaded through every level.
 */
export const ToolApprovalContext = createContext<((response: ToolApprovalResponse) => void) | null>(null);

export function useToolApproval() {
  return useContext(ToolApprovalContext);
}
