"use client";

import { createContext, use, type ReactNode } from "react";
import { useModels } from "./useModels";

type Models = ReturnType<typeof useModels>;

const ModelsContext = createContext<Models | null>(null);

/**
 * The models on offer and the user's pick, above the pages: GET /api/models runs once, and the picked model stays
 * picked when the user opens another chat or starts a new one.
 */
export function ModelsProvider({ children }: { children: ReactNode }) {
  return <ModelsContext value={useModels()}>{children}</ModelsContext>;
}

export function useModelsContext(): Models {
  const models = use(ModelsContext);
  if (!models) throw new Error("useModelsContext: wrap the app in <ModelsProvider>");
  return models;
}
