"use client";

import { useEffect, useMemo, useState } from "react";
import type { ModelsResponse, ModelSummary } from "@/lib/chat/types";

type ModelsState = {
  models: ModelSummary[];
  selectedId: string | undefined;
  loadError: boolean;
};

/** The models GET /api/models offers, and which one the user picked (the server's default at first). */
export function useModels() {
  const [state, setState] = useState<ModelsState>({ models: [], selectedId: undefined, loadError: false });

  useEffect(() => {
    const controller = new AbortController();
    fetch("/api/models", { signal: controller.signal })
      .then((response) => {
        if (!response.ok) throw new Error(`GET /api/models failed (HTTP ${response.status})`);
        return response.json() as Promise<ModelsResponse>;
      })
      .then(({ models, defaultModel }) => setState({ models, selectedId: defaultModel, loadError: false }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        console.error(error);
        setState((current) => ({ ...current, loadError: true }));
      });
    return () => controller.abort();
  }, []);

  const labels = useMemo(() => new Map(state.models.map((model) => [model.id, model.label])), [state.models]);

  return {
    models: state.models,
    selected: state.models.find((model) => model.id === state.selectedId),
    selectedId: state.selectedId,
    select: (modelId: string) => setState((current) => ({ ...current, selectedId: modelId })),
    labels,
    loadError: state.loadError,
  };
}
