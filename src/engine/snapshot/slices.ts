// Long loops over a snapshot's tokens or bytes run in the extension host: they hand the event loop back
// every few milliseconds so that the editor keeps responding while a large snapshot is read or written.

export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** An await that yields to the event loop once `sliceMs` have passed since the last yield. */
export function yieldEvery(sliceMs = 8): () => Promise<void> {
  let sliceStart = Date.now();
  return async () => {
    if (Date.now() - sliceStart < sliceMs) return;
    await yieldToEventLoop();
    sliceStart = Date.now();
  };
}
