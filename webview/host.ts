// The panel's side of the wire: the VS Code webview API, typed and validated both ways.

import { type FromWebviewMessage, parseFromWebview, parseToWebview, type ToWebviewMessage } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
  /** Calls `onValid` for each message that passes validation; everything else is logged and dropped. */
  listen(onValid: (m: ToWebviewMessage) => void, onInvalid: (reason: string, requestId: string | null) => void): () => void;
}

export function connectHost(): Host {
  const api: VsCodeApi =
    typeof acquireVsCodeApi === 'function'
      ? acquireVsCodeApi()
      : // Opened outside VS Code (e.g. a plain browser tab): a silent stand-in keeps the page usable.
        { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
  let rejected = 0;
  const host: Host = {
    post(message) {
      // Our own messages are checked too: a bug here should show up in the log, not on the host.
      const parsed = parseFromWebview(message);
      if (!parsed.ok) {
        console.error(`[activation-inspector] not sending invalid message: ${parsed.reason}`);
        return;
      }
      api.postMessage(message);
    },
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
    listen(onValid, onInvalid) {
      const handler = (event: MessageEvent) => {
        const parsed = parseToWebview(event.data);
        if (parsed.ok) {
          onValid(parsed.message);
          return;
        }
        rejected++;
        const reason = `ignored malformed message #${rejected}: ${parsed.reason}`;
        console.warn(`[activation-inspector] ${reason}`);
        // Tell the host's output channel, but not in a loop: only the first few and then every 100th.
        if (rejected <= 5 || rejected % 100 === 0) host.post({ type: 'log', level: 'warn', message: reason.slice(0, 1900) });
        onInvalid(parsed.reason, parsed.requestId);
      };
      window.addEventListener('message', handler);
      return () => window.removeEventListener('message', handler);
    },
  };
  return host;
}
