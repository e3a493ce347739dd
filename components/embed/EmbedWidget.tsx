"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { Chat } from "@/components/chat/Chat";
import { EmbedHeader } from "@/components/chat/EmbedHeader";
import { ModelsProvider } from "@/components/chat/ModelsProvider";
import type { HandoffCode } from "@/lib/embed/handoff";
import { openInAppHref } from "./openInAppHref";
import { EMBED_TOKEN_HEADER, parseHostMessage, widgetMessage, type PageContext, type WidgetEventType } from "./protocol";
import type { EmbedChatOptions } from "./types";

const TOKEN_KEY = "edge-chat:embed-token";
const STARTERS = ["What is this page about?", "What time is it in Tokyo?", "Calculate (17.5 * 3) / 4"];

type EmbedWidgetProps = {
  title: string;
  welcome: string;
  color: string | undefined;
  /** The host page's origin as embed.js reports it; events go there only if it is allowed. */
  hostOrigin: string | undefined;
  allowedOrigins: string[];
};

/** Storage can be blocked in a third-party frame: then the token lives as long as the page. */
function readStored(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function store(token: string): void {
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Not persisted: a reload starts a new anonymous visitor.
  }
}

/** The visitor's embed token: the stored one (renewed by the server if invalid) or a new one. */
async function fetchToken(current: string | null): Promise<string> {
  const response = await fetch("/api/embed/session", {
    method: "POST",
    headers: current ? { [EMBED_TOKEN_HEADER]: current } : {},
  });
  if (!response.ok) throw new Error(`POST /api/embed/session failed (HTTP ${response.status})`);
  const { token } = (await response.json()) as { token: string };
  return token;
}

/**
 * "Open in edge-chat": a tab opened at once (while the click still allows a popup), then sent to /embed/open with a
 * single-use code for this chat, so the full app shows a copy of the conversation (lib/embed/handoff.ts).
 */
async function openInApp(chatId: string, token: string | null): Promise<void> {
  const tab = window.open("", "_blank");
  if (!tab) return;
  tab.opener = null;
  try {
    if (!token) throw new Error("no embed token yet");
    const response = await fetch("/api/embed/handoff", {
      method: "POST",
      headers: { "content-type": "application/json", [EMBED_TOKEN_HEADER]: token },
      body: JSON.stringify({ chatId }),
    });
    if (!response.ok) throw new Error(`POST /api/embed/handoff failed (HTTP ${response.status})`);
    const { code } = (await response.json()) as HandoffCode;
    tab.location.href = new URL(openInAppHref(code), window.location.origin).href;
  } catch (error) {
    console.error(error);
    tab.close();
  }
}

/**
 * The panel height (CSS px) the widget asks its host for in a `resize` message; embed.js keeps it within the viewport.
 * Compact while it shows only the welcome and its starters, taller once a conversation runs.
 */
const PANEL_HEIGHT = { welcome: 480, conversation: 600 };

/** The widget inside the host's iframe: identity by token, the postMessage protocol, and the compact Chat. */
export function EmbedWidget({ title, welcome, color, hostOrigin, allowedOrigins }: EmbedWidgetProps) {
  const [token, setToken] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [accent, setAccent] = useState(color);
  const context = useRef<PageContext | undefined>(undefined);
  const target = hostOrigin && allowedOrigins.includes(hostOrigin) ? hostOrigin : undefined;

  const post = useCallback(
    (type: WidgetEventType, payload: Record<string, unknown> = {}) => {
      if (target && window.parent !== window) window.parent.postMessage(widgetMessage(type, payload), target);
    },
    [target],
  );

  useEffect(() => {
    let cancelled = false;
    fetchToken(readStored())
      .then((fresh) => {
        if (cancelled) return;
        store(fresh);
        setToken(fresh);
      })
      .catch((error: unknown) => {
        console.error(error);
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      // Only the framing page, and only from an allowed origin; anything malformed or unknown is ignored.
      if (event.source !== window.parent || !allowedOrigins.includes(event.origin)) return;
      const message = parseHostMessage(event.data);
      if (!message) return;
      switch (message.type) {
        case "open":
          document.querySelector<HTMLTextAreaElement>("textarea")?.focus();
          post("opened");
          break;
        case "close":
          post("closed");
          break;
        case "theme":
          if (message.payload.color) setAccent(message.payload.color);
          if (message.payload.scheme) {
            document.documentElement.style.colorScheme =
              message.payload.scheme === "auto" ? "light dark" : message.payload.scheme;
          }
          break;
        case "context":
          context.current = message.payload;
          break;
      }
    };
    // Esc inside the frame never reaches the host page: ask the host to close (embed.js then focuses its launcher).
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) post("close");
    };
    window.addEventListener("message", onMessage);
    window.addEventListener("keydown", onKeyDown);
    return () => {
      window.removeEventListener("message", onMessage);
      window.removeEventListener("keydown", onKeyDown);
    };
  }, [allowedOrigins, post]);

  useEffect(() => {
    if (!token) return;
    post("ready");
    post("resize", { height: PANEL_HEIGHT.welcome });
  }, [token, post]);

  const tokenRef = useRef(token);
  useEffect(() => {
    tokenRef.current = token;
  }, [token]);

  // Stable for Chat's lifetime: the callbacks read the token and `post` through refs.
  const postRef = useRef(post);
  useEffect(() => {
    postRef.current = post;
  }, [post]);
  const [options] = useState<EmbedChatOptions>(() => ({
    welcome,
    prompts: STARTERS,
    headers: (): Record<string, string> => (tokenRef.current ? { [EMBED_TOKEN_HEADER]: tokenRef.current } : {}),
    pageContext: () => context.current,
    onEvent: (type, payload) => {
      postRef.current(type, payload);
      if (type === "message-sent") postRef.current("resize", { height: PANEL_HEIGHT.conversation });
    },
  }));

  return (
    <div
      data-testid="embed"
      data-ready={token ? "true" : "false"}
      className="flex h-dvh flex-col overflow-hidden overscroll-contain"
      style={accent ? ({ "--embed-color": accent } as React.CSSProperties) : undefined}
    >
      {token ? (
        <ModelsProvider>
          <Chat
            embed={options}
            header={({ chatId, hasMessages }) => (
              <EmbedHeader
                title={title}
                onOpenInApp={hasMessages ? () => void openInApp(chatId, tokenRef.current) : undefined}
                onClose={() => postRef.current("close")}
              />
            )}
          />
        </ModelsProvider>
      ) : (
        <p className="m-auto text-sm text-neutral-500" role="status">
          {failed ? "The chat could not start. Reload to try again." : "Loading…"}
        </p>
      )}
    </div>
  );
}
