// The one way a panel message reaches the host's code: validated against the protocol (malformed ones
// go to `malformed` and no further), then handed to the handler for its type. A handler that throws
// or rejects is reported, never left as an unhandled rejection. No `vscode`: tested with plain
// handler tables.
import { type FromWebviewMessage, parseFromWebview } from '../protocol';

type MessageOf<K extends FromWebviewMessage['type']> = Extract<FromWebviewMessage, { type: K }>;

/** One handler per message type (the compiler checks that none is missing). */
export type PanelMessageHandlers = {
  [K in FromWebviewMessage['type']]: (message: MessageOf<K>) => void | Promise<void>;
};

export interface PanelMessageRouterOptions {
  handlers: PanelMessageHandlers;
  /** A message that failed validation, with the validator's reason. */
  malformed: (reason: string) => void;
  /** A handler threw or its promise rejected. */
  failed: (error: unknown, message: FromWebviewMessage) => void;
}

/**
 * Returns the function to give webview.onDidReceiveMessage. Handlers start synchronously (an answer
 * that needs no waiting is posted before this returns).
 */
export function panelMessageRouter(o: PanelMessageRouterOptions): (raw: unknown) => void {
  return (raw) => {
    const parsed = parseFromWebview(raw);
    if (!parsed.ok) {
      o.malformed(parsed.reason);
      return;
    }
    const message = parsed.message;
    const handler = o.handlers[message.type] as (m: FromWebviewMessage) => void | Promise<void>;
    try {
      const pending = handler(message);
      if (pending) pending.catch((e: unknown) => o.failed(e, message));
    } catch (e) {
      o.failed(e, message);
    }
  };
}
